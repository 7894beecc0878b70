// Where a prediction's result lives: always on the AiLog row in SQL; with MONGODB_URL also as a full
// input/output document in the MongoDB collection `ai_results`, whose id the row keeps. The same contract for
// both set-ups; the MongoDB half runs only when MONGODB_URL is set (CI's mongo job).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createResultArchive, type ResultArchive } from '../../ai-worker/archive.js';
import { startAiWorkers, type AiWorkers } from '../../ai-worker/processors.js';
import { FORMULA, aiName, finished, formula, startAiSuite, trained, type AiSuite } from './helpers.js';

const mongoUrl = process.env.MONGODB_URL;
const setups: [string, boolean][] = [
  ['SQL only', false],
  ['SQL + MongoDB ai_results', true],
];

describe.each(setups)('prediction results: %s', (_name, withMongo) => {
  const run = withMongo && !mongoUrl ? describe.skip : describe;
  run('contract', () => {
    let s: AiSuite;
    let workers: AiWorkers;
    let archive: ResultArchive | null;
    let aiId: number;
    const admin = () => ({ id: s.admin.id, role: 'admin' as const, jti: 'j', sid: 's', exp: 0 });
    const member = () => ({ id: s.member.id, role: 'user' as const, jti: 'j', sid: 's', exp: 0 });

    beforeAll(async () => {
      s = await startAiSuite(withMongo ? { MONGODB_URL: mongoUrl! } : {}, { worker: false });
      archive = withMongo ? await createResultArchive(s.t.ctx.config) : null;
      workers = await startAiWorkers(s.t.ctx, { archive });
      aiId = (await s.t.ctx.services.ais.create(admin(), { name: aiName('contract') })).id;
      expect((await trained(s, aiId)).status).toBe('succeeded');
    }, 60_000);
    afterAll(async () => {
      await workers?.close(); // closes the archive too
      await s?.cleanup();
    });

    it('keeps a single result on the row, and the archive document when there is one', async () => {
      const log = await s.t.ctx.services.ais.predict(member(), aiId, { input: FORMULA });
      const row = await finished(s, log.id);
      expect(row.status).toBe('succeeded');
      expect(Math.abs((row.result as number) - formula(FORMULA))).toBeLessThan(0.1);
      if (!archive) {
        expect(row.resultDocId).toBeNull();
        return;
      }
      expect(row.resultDocId).toEqual(expect.any(String));
      const doc = await archive.get(row.resultDocId!);
      expect(doc).toMatchObject({ aiLogId: log.id, aiId, userId: s.member.id, input: FORMULA, result: row.result });
    });

    it('keeps a batch result (an array) the same way', async () => {
      const inputs = [FORMULA, FORMULA.map(() => 0)];
      const log = await s.t.ctx.services.ais.predict(member(), aiId, { inputs });
      const row = await finished(s, log.id);
      expect(row.result).toHaveLength(2);
      if (archive) expect(await archive.get(row.resultDocId!)).toMatchObject({ aiLogId: log.id, input: inputs, result: row.result });
      else expect(row.resultDocId).toBeNull();
    });
  });
});
