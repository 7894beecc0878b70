// The model: multivariate linear regression with an intercept, fitted by least squares through a QR
// decomposition of the design matrix (ml-matrix; no normal equations, so no squared condition number).
// Also the dataset rules (CSV with a header, numeric finite values, a row limit, declared feature/target
// columns) shared by the api (validates an upload at once) and the worker (validates what it trains on).
import crypto from 'node:crypto';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { Matrix, QrDecomposition } from 'ml-matrix';
import { projectRoot } from '../platform/paths.js';

/** The dataset a model trains on when none was uploaded (scripts/gen-ai-dataset.mjs writes it). */
export const defaultDatasetPath = path.join(projectRoot, 'ai-worker', 'data', 'AI_test.csv');
export const DEFAULT_TARGET = 'y';
/** Seed of the train/test split: the same dataset always gives the same split and metrics. */
export const SPLIT_SEED = 42;
export const TEST_FRACTION = 0.3;

export type DatasetErrorCode =
  | 'dataset_empty'
  | 'dataset_malformed'
  | 'dataset_header'
  | 'dataset_missing_column'
  | 'dataset_row_length'
  | 'dataset_not_numeric'
  | 'dataset_too_many_rows'
  | 'dataset_too_few_rows'
  | 'dataset_rank_deficient';

/** A dataset that cannot be trained on; `line` is 1-based in the file (the header is line 1). */
export class DatasetError extends Error {
  constructor(
    readonly code: DatasetErrorCode,
    message: string,
    readonly line?: number,
    readonly column?: string,
  ) {
    super(message);
    this.name = 'DatasetError';
  }
}

export interface DatasetSpec {
  /** Feature columns, in the order inputs are given; default: every column but the target. */
  features?: string[];
  /** Target column; default `y`. */
  target?: string;
}

export interface Dataset {
  features: string[];
  target: string;
  /** Row-major feature values. */
  x: number[][];
  y: number[];
  sha256: string;
}

const COLUMN = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/** Parses and validates a CSV dataset. Throws DatasetError with a code and, where it applies, the line. */
export function parseDataset(csv: string | Buffer, opts: DatasetSpec & { maxRows: number }): Dataset {
  const sha256 = crypto.createHash('sha256').update(csv).digest('hex');
  const text = typeof csv === 'string' ? csv : csv.toString('utf8');
  if (!text.trim()) throw new DatasetError('dataset_empty', 'The dataset is empty.');
  let records: string[][];
  try {
    // at most maxRows data rows are parsed: a huge file fails fast instead of filling memory
    const parsed: unknown = parse(text, { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, to_line: opts.maxRows + 2 });
    records = parsed as string[][];
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new DatasetError('dataset_malformed', `The dataset is not valid CSV: ${err.message}`, err.lines);
  }
  const [header, ...rows] = records;
  if (!header?.length) throw new DatasetError('dataset_empty', 'The dataset is empty.');
  const seen = new Set<string>();
  for (const name of header) {
    if (!COLUMN.test(name)) throw new DatasetError('dataset_header', `The header must name every column with a letter or _ then letters, digits, _ . or - (got ${JSON.stringify(name)}).`, 1, name);
    if (seen.has(name)) throw new DatasetError('dataset_header', `The header names column ${name} twice.`, 1, name);
    seen.add(name);
  }
  const target = opts.target ?? DEFAULT_TARGET;
  if (!seen.has(target)) throw new DatasetError('dataset_missing_column', `The header has no target column ${target}.`, 1, target);
  const features = opts.features ?? header.filter((h) => h !== target);
  if (!features.length) throw new DatasetError('dataset_header', 'The dataset needs at least one feature column besides the target.', 1);
  for (const f of features) {
    if (!seen.has(f)) throw new DatasetError('dataset_missing_column', `The header has no feature column ${f}.`, 1, f);
    if (f === target) throw new DatasetError('dataset_header', `Column ${f} cannot be both a feature and the target.`, 1, f);
  }
  if (new Set(features).size !== features.length) throw new DatasetError('dataset_header', 'A feature column is declared twice.', 1);
  if (rows.length > opts.maxRows) throw new DatasetError('dataset_too_many_rows', `The dataset has more than ${opts.maxRows} rows.`);
  if (rows.length < features.length + 2) throw new DatasetError('dataset_too_few_rows', `The dataset needs at least ${features.length + 2} rows for ${features.length} features.`);

  const featureIdx = features.map((f) => header.indexOf(f));
  const targetIdx = header.indexOf(target);
  const x: number[][] = new Array<number[]>(rows.length);
  const y: number[] = new Array<number>(rows.length);
  const num = (raw: string, line: number, column: string) => {
    // Number('') is 0 and Number(' 1') is 1: only a plain decimal or exponent literal counts as a number
    const v = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isFinite(v)) throw new DatasetError('dataset_not_numeric', `Line ${line}, column ${column}: ${JSON.stringify(raw.slice(0, 32))} is not a finite number.`, line, column);
    return v;
  };
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    const line = r + 2;
    if (row.length !== header.length) throw new DatasetError('dataset_row_length', `Line ${line} has ${row.length} values; the header has ${header.length} columns.`, line);
    const xs = new Array<number>(featureIdx.length);
    for (let i = 0; i < featureIdx.length; i++) xs[i] = num(row[featureIdx[i]], line, features[i]);
    x[r] = xs;
    y[r] = num(row[targetIdx], line, target);
  }
  return { features, target, x, y, sha256 };
}

/** mulberry32: a small seeded PRNG for the split (reproducible, no Math.random). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded Fisher–Yates shuffle of the row indexes, cut into train and test parts. */
export function splitIndexes(n: number, testFraction = TEST_FRACTION, seed = SPLIT_SEED): { train: number[]; test: number[] } {
  const idx = Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const testSize = Math.max(1, Math.round(n * testFraction));
  return { test: idx.slice(0, testSize), train: idx.slice(testSize) };
}

export interface Metrics {
  /** Root mean squared error and coefficient of determination on the hold-out (test) rows. */
  rmse: number;
  r2: number;
  /** The same on the training rows. */
  trainRmse: number;
  trainR2: number;
  rows: number;
  trainRows: number;
  testRows: number;
  features: string[];
  target: string;
  coefficients: number[];
  intercept: number;
  trainMs: number;
}

export interface Artifact {
  kind: 'linear-regression';
  features: string[];
  target: string;
  coefficients: number[];
  intercept: number;
  metrics: Metrics;
  datasetSha256: string;
  version: number;
  trainedAt: string;
}

function score(coefficients: number[], intercept: number, x: number[][], y: number[], rows: number[]): { rmse: number; r2: number } {
  let mean = 0;
  for (const r of rows) mean += y[r];
  mean /= rows.length;
  let sse = 0;
  let sst = 0;
  for (const r of rows) {
    let p = intercept;
    const xs = x[r];
    for (let i = 0; i < coefficients.length; i++) p += coefficients[i] * xs[i];
    sse += (y[r] - p) ** 2;
    sst += (y[r] - mean) ** 2;
  }
  return { rmse: Math.sqrt(sse / rows.length), r2: sst === 0 ? (sse === 0 ? 1 : 0) : 1 - sse / sst };
}

/** Least squares with an intercept on a seeded 70/30 split; metrics on the hold-out. */
export function train(data: Dataset, version: number, now = new Date()): Artifact {
  const started = performance.now();
  const { train: trainRows, test: testRows } = splitIndexes(data.y.length);
  const k = data.features.length;
  const design = new Matrix(trainRows.length, k + 1);
  const target = new Matrix(trainRows.length, 1);
  for (let r = 0; r < trainRows.length; r++) {
    const xs = data.x[trainRows[r]];
    for (let i = 0; i < k; i++) design.set(r, i, xs[i]);
    design.set(r, k, 1);
    target.set(r, 0, data.y[trainRows[r]]);
  }
  const qr = new QrDecomposition(design);
  // numerical rank: a diagonal entry of R negligible next to the largest one means a dependent column
  const rdiag = (qr as unknown as { Rdiag: number[] }).Rdiag.map(Math.abs);
  const tolerance = Math.max(...rdiag) * Math.max(design.rows, design.columns) * Number.EPSILON * 1e3;
  if (!qr.isFullRank() || rdiag.some((d) => !(d > tolerance)))
    throw new DatasetError('dataset_rank_deficient', 'The feature columns are linearly dependent (or constant): the model has no unique solution.');
  const beta = qr.solve(target).getColumn(0);
  if (!beta.every(Number.isFinite)) throw new DatasetError('dataset_rank_deficient', 'The least-squares solution is not finite: the features are badly conditioned.');
  const coefficients = beta.slice(0, k);
  const intercept = beta[k];
  const test = score(coefficients, intercept, data.x, data.y, testRows);
  const fit = score(coefficients, intercept, data.x, data.y, trainRows);
  const metrics: Metrics = {
    rmse: test.rmse,
    r2: test.r2,
    trainRmse: fit.rmse,
    trainR2: fit.r2,
    rows: data.y.length,
    trainRows: trainRows.length,
    testRows: testRows.length,
    features: data.features,
    target: data.target,
    coefficients,
    intercept,
    trainMs: Math.round((performance.now() - started) * 100) / 100,
  };
  return { kind: 'linear-regression', features: data.features, target: data.target, coefficients, intercept, metrics, datasetSha256: data.sha256, version, trainedAt: now.toISOString() };
}

export class InputError extends Error {
  constructor(
    readonly code: 'input_length' | 'input_not_finite',
    message: string,
    readonly index?: number,
  ) {
    super(message);
    this.name = 'InputError';
  }
}

/** Checks one input row against the feature count. `index` names the row of a batch in errors. */
export function checkInput(features: number, row: unknown, index?: number): asserts row is number[] {
  const where = index === undefined ? 'input' : `inputs[${index}]`;
  if (!Array.isArray(row) || row.length !== features) throw new InputError('input_length', `${where} must have exactly ${features} numbers (one per feature).`, index);
  for (const v of row) if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError('input_not_finite', `${where} must contain finite numbers only.`, index);
}

/** Predictions for each row (rows are checked first). */
export function predict(artifact: Pick<Artifact, 'coefficients' | 'intercept'>, rows: number[][]): number[] {
  const k = artifact.coefficients.length;
  return rows.map((row, i) => {
    checkInput(k, row, i);
    let p = artifact.intercept;
    for (let j = 0; j < k; j++) p += artifact.coefficients[j] * row[j];
    return p;
  });
}

/** Parses a stored artifact, checking its shape (a corrupt file is an error, not a wrong prediction). */
export function parseArtifact(json: string): Artifact {
  const a = JSON.parse(json) as Artifact;
  if (
    a?.kind !== 'linear-regression' ||
    !Array.isArray(a.features) ||
    !Array.isArray(a.coefficients) ||
    a.coefficients.length !== a.features.length ||
    !a.coefficients.every(Number.isFinite) ||
    !Number.isFinite(a.intercept)
  ) {
    throw new Error('not a linear-regression artifact');
  }
  return a;
}
