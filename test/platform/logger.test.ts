import { describe, expect, it } from '@jest/globals';
import { createLogger } from '../../src/platform/logger.js';
import { runWithLogContext, setLogContext } from '../../src/platform/log-context.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ logLevel: 'info', nodeEnv: 'test' }, 'unit', { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { logger, lines };
}

describe('logger', () => {
  it('redacts secrets at the top level and nested', () => {
    const { logger, lines } = capture();
    logger.info({ password: 'p1', body: { password: 'p2', currentPassword: 'p3' }, a: { b: { token: 't1' } }, access_token: 't2', headers: { authorization: 'Bearer t3', cookie: 'c=1' } }, 'secrets');
    const text = JSON.stringify(lines);
    for (const secret of ['p1', 'p2', 'p3', 't1', 't2', 'Bearer t3', 'c=1']) expect(text).not.toContain(`"${secret}"`);
    expect(lines[0]).toMatchObject({ password: '[redacted]', body: { password: '[redacted]' }, service: 'unit', version: expect.any(String) });
  });

  it('adds the ids of the work in progress', async () => {
    const { logger, lines } = capture();
    await runWithLogContext({ requestId: 'r-1' }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      setLogContext({ userId: 7 });
      logger.info('inside');
    });
    logger.info('outside');
    expect(lines[0]).toMatchObject({ msg: 'inside', requestId: 'r-1', userId: 7 });
    expect(lines[1].requestId).toBeUndefined();
  });
});
