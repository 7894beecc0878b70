// The two signing secrets: the strength rule every deployment's secrets must meet, and the ones a
// development setup generates on first start.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const WEAK = /^(secret|changeme|change-me|password|default|test|example|agora)+$/i;

/** Why a secret is not good enough, or null when it is. */
export function secretWeakness(value: string): string | null {
  if (value.length < 32) return 'must be at least 32 characters (e.g. `openssl rand -base64 48`)';
  if (new Set(value).size < 10 || WEAK.test(value.replace(/[^a-z]/gi, ''))) return 'is too weak: use a random value (e.g. `openssl rand -base64 48`)';
  return null;
}

/** Development secrets: generated on first start and kept in DATA_DIR/secrets.json (mode 0600). */
export function developmentSecrets(dataDir: string): { jwtSecret: string; sessionSecret: string } {
  const file = path.join(dataDir, 'secrets.json');
  try {
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { jwtSecret?: string; sessionSecret?: string };
    if (saved.jwtSecret && saved.sessionSecret) return { jwtSecret: saved.jwtSecret, sessionSecret: saved.sessionSecret };
  } catch {
    // first start: generate below
  }
  const secrets = {
    jwtSecret: crypto.randomBytes(48).toString('base64url'),
    sessionSecret: crypto.randomBytes(48).toString('base64url'),
  };
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    return secrets;
  } catch (e) {
    // another process of the same deployment wrote it first: use theirs
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return developmentSecrets(dataDir);
    throw e;
  }
}
