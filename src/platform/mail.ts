// Outgoing mail through nodemailer: SMTP when SMTP_URL is set, otherwise every message is written as a JSON
// file to MAIL_OUTBOX_DIR (development, tests, and hosts without a mail relay) and logged without its body.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config.js';
import type { Logger } from './logger.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

export function createMailer(config: Pick<Config, 'mail'>, logger: Logger): Mailer {
  const { smtpUrl, from, outboxDir } = config.mail;
  if (smtpUrl) {
    const transport = nodemailer.createTransport(smtpUrl);
    return {
      async send(m) {
        await transport.sendMail({ from, ...m });
        logger.info({ to: m.to, subject: m.subject }, 'mail sent');
      },
      close: () => Promise.resolve(transport.close()),
    };
  }
  const transport = nodemailer.createTransport({ jsonTransport: true });
  return {
    async send(m) {
      const info = await transport.sendMail({ from, ...m });
      await fs.promises.mkdir(outboxDir, { recursive: true, mode: 0o700 });
      const file = path.join(outboxDir, `${Date.now()}-${crypto.randomBytes(4).toString('hex')}.json`);
      // written under another name, then renamed: whoever reads the outbox never sees half a message
      await fs.promises.writeFile(`${file}.part`, String(info.message), { mode: 0o600 });
      await fs.promises.rename(`${file}.part`, file);
      logger.info({ to: m.to, subject: m.subject, file }, 'mail written to the outbox (no SMTP_URL)');
    },
    close: () => Promise.resolve(),
  };
}
