// The shipped dataset and the model, without queues: the CSV is exactly what the committed generator writes,
// training on it recovers the formula, and every dataset rule fails with its own code.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { DatasetError, InputError, checkInput, defaultDatasetPath, parseArtifact, parseDataset, predict, splitIndexes, train, type DatasetErrorCode } from '../../src/ais/model.js';
import { projectRoot } from '../../src/platform/paths.js';

export const FORMULA = [4, 5, 2, 7, 0.1, 15, 0.05, 1];
const sha256 = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');

describe('ai-worker/data/AI_test.csv', () => {
  it('is byte for byte what scripts/gen-ai-dataset.mjs generates (regenerated in memory)', async () => {
    // a JavaScript module outside the TypeScript project: imported by URL, typed here
    const generator = pathToFileURL(path.join(projectRoot, 'scripts', 'gen-ai-dataset.mjs')).href;
    const { generate } = (await import(generator)) as { generate: () => string };
    const shipped = fs.readFileSync(defaultDatasetPath);
    expect(sha256(generate())).toBe(sha256(shipped));
    const lines = shipped.toString('utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('x0,x1,x2,x3,x4,x5,x6,x7,y');
    expect(lines).toHaveLength(10_001);
  });

  it('follows the formula up to Gaussian noise of sigma 0.5', () => {
    const d = parseDataset(fs.readFileSync(defaultDatasetPath), { maxRows: 10_000 });
    const residuals = d.x.map((xs, i) => d.y[i] - xs.reduce((s, v, j) => s + v * FORMULA[j], 0));
    const mean = residuals.reduce((a, b) => a + b, 0) / residuals.length;
    const sd = Math.sqrt(residuals.reduce((a, b) => a + (b - mean) ** 2, 0) / residuals.length);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(sd).toBeGreaterThan(0.48);
    expect(sd).toBeLessThan(0.52);
  });
});

describe('training', () => {
  const data = parseDataset(fs.readFileSync(defaultDatasetPath), { maxRows: 100_000 });

  it('recovers the coefficients within 0.02 and the intercept near 0, with R² > 0.99 on the 30% hold-out', () => {
    const a = train(data, 1, new Date('2024-01-01T00:00:00Z'));
    expect(a.features).toEqual(['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7']);
    expect(a.target).toBe('y');
    a.coefficients.forEach((c, i) => expect({ i, off: Math.abs(c - FORMULA[i]) < 0.02 }).toEqual({ i, off: true }));
    expect(Math.abs(a.intercept)).toBeLessThan(0.1);
    expect(a.metrics.r2).toBeGreaterThan(0.99);
    expect(a.metrics.rmse).toBeGreaterThan(0.45);
    expect(a.metrics.rmse).toBeLessThan(0.55);
    expect(a.metrics).toMatchObject({ rows: 10_000, trainRows: 7_000, testRows: 3_000 });
    expect(a).toMatchObject({ version: 1, trainedAt: '2024-01-01T00:00:00.000Z', datasetSha256: sha256(fs.readFileSync(defaultDatasetPath)) });
    // the stored form parses back to the same model
    expect(parseArtifact(JSON.stringify(a))).toEqual(a);
  });

  it('splits with a fixed seed: the same rows every time, disjoint and complete', () => {
    const a = splitIndexes(100);
    expect(splitIndexes(100)).toEqual(a);
    expect(a.test).toHaveLength(30);
    expect(new Set([...a.train, ...a.test]).size).toBe(100);
    expect(a.test).not.toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('predicts one row and many, and rejects rows of the wrong length or with non-finite values', () => {
    const a = train(data, 1);
    const row = [1, 2, 3, 4, 5, 6, 7, 8];
    const expected = row.reduce((s, v, i) => s + v * FORMULA[i], 0);
    const [p] = predict(a, [row]);
    expect(Math.abs(p - expected)).toBeLessThan(0.1);
    expect(predict(a, [row, row.map((v) => v * 2)])).toHaveLength(2);
    expect(() => predict(a, [[1, 2, 3]])).toThrow(InputError);
    expect(() => checkInput(8, [1, 2, 3, 4, 5, 6, 7, Infinity])).toThrow(expect.objectContaining({ code: 'input_not_finite' }));
    expect(() => checkInput(8, [1, 2, 3])).toThrow(expect.objectContaining({ code: 'input_length' }));
    expect(() => parseArtifact('{"kind":"linear-regression","features":["a"],"coefficients":[],"intercept":0}')).toThrow(/not a linear-regression artifact/);
  });

  it('refuses linearly dependent features (no unique solution)', () => {
    const rows = Array.from({ length: 50 }, (_, i) => `${i},${2 * i},${3 * i + 1}`);
    const d = parseDataset(['a,b,y', ...rows].join('\n'), { maxRows: 100 });
    expect(() => train(d, 1)).toThrow(expect.objectContaining({ code: 'dataset_rank_deficient' }));
  });
});

describe('dataset validation', () => {
  const ok = ['a,b,y', ...Array.from({ length: 10 }, (_, i) => `${i},${i * i},${3 * i}`)];
  const fails = (csv: string, code: DatasetErrorCode, opts: { features?: string[]; target?: string; maxRows?: number } = {}) => {
    let err: unknown;
    try {
      parseDataset(csv, { maxRows: 100, ...opts });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as DatasetError).code).toBe(code);
    return err as DatasetError;
  };

  it('takes declared columns in the declared order, and by default every column but y', () => {
    expect(parseDataset(ok.join('\n'), { maxRows: 100 })).toMatchObject({ features: ['a', 'b'], target: 'y' });
    const d = parseDataset(ok.join('\r\n') + '\r\n', { maxRows: 100, features: ['b', 'a'], target: 'y' });
    expect(d.features).toEqual(['b', 'a']);
    expect(d.x[3]).toEqual([9, 3]);
    expect(parseDataset(ok.join('\n'), { maxRows: 100, features: ['a'], target: 'b' })).toMatchObject({ features: ['a'], target: 'b' });
  });

  it.each([
    ['', 'dataset_empty'],
    ['  \n\n', 'dataset_empty'],
    ['a,"b,y\n1,2,3', 'dataset_malformed'],
    ['a,a,y\n' + '1,2,3\n'.repeat(10), 'dataset_header'],
    ['a,1b,y\n' + '1,2,3\n'.repeat(10), 'dataset_header'],
    ['a,b,z\n' + '1,2,3\n'.repeat(10), 'dataset_missing_column'],
    ['a,b,y\n' + '1,2,3\n'.repeat(5) + '1,2\n' + '1,2,3\n'.repeat(5), 'dataset_row_length'],
    ['a,b,y\n1,2,3\n1,x,3\n' + '1,2,3\n'.repeat(10), 'dataset_not_numeric'],
    ['a,b,y\n' + '1,2,3\n'.repeat(5) + '1,,3\n' + '1,2,3\n'.repeat(5), 'dataset_not_numeric'],
    ['a,b,y\n' + '1,2,3\n'.repeat(5) + '1,1e999,3\n' + '1,2,3\n'.repeat(5), 'dataset_not_numeric'],
    ['a,b,y\n' + '1,2,NaN\n'.repeat(10), 'dataset_not_numeric'],
    ['a,b,y\n1,2,3\n', 'dataset_too_few_rows'],
    ['y\n' + '1\n'.repeat(10), 'dataset_header'],
  ] as [string, DatasetErrorCode][])('%j fails with %s', (csv, code) => {
    fails(csv, code);
  });

  it('names the line and column of a bad value', () => {
    const e = fails('a,b,y\n1,2,3\n1,x,3\n' + '1,2,3\n'.repeat(10), 'dataset_not_numeric');
    expect(e).toMatchObject({ line: 3, column: 'b' });
    expect(e.message).toMatch(/Line 3, column b/);
  });

  it('enforces the row limit and the declared columns', () => {
    fails(ok.join('\n'), 'dataset_too_many_rows', { maxRows: 9 });
    expect(parseDataset(ok.join('\n'), { maxRows: 10 }).y).toHaveLength(10);
    fails(ok.join('\n'), 'dataset_missing_column', { features: ['a', 'c'] });
    fails(ok.join('\n'), 'dataset_missing_column', { target: 'q' });
    fails(ok.join('\n'), 'dataset_header', { features: ['a', 'y'] });
    fails(ok.join('\n'), 'dataset_header', { features: ['a', 'a'] });
  });
});
