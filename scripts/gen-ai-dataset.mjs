#!/usr/bin/env node
// Generates ai-worker/data/AI_test.csv, the dataset the AI worker trains on when a model has no uploaded one.
// Reproducible byte for byte: a fixed-seed PRNG written here (no Math.random, no library whose output could
// change), fixed-point formatting, "\n" line ends. test/ai/model.test.ts regenerates it in memory and
// compares the sha256 with the shipped file.
//
//   rows      10,000; header x0,x1,x2,x3,x4,x5,x6,x7,y
//   x0..x7    uniform on [0, 10), written with 4 decimals (y is computed from the written values)
//   y         4·x0 + 5·x1 + 2·x2 + 7·x3 + 0.1·x4 + 15·x5 + 0.05·x6 + x7 + ε, written with 6 decimals
//   ε         Gaussian noise, mean 0, standard deviation SIGMA = 0.5 (Box–Muller on the same PRNG)
//   PRNG      sfc32 (Chris Doty-Humphrey's Small Fast Counter), seeded through splitmix32 from SEED = 20240606
//
// Usage: node scripts/gen-ai-dataset.mjs            writes the file
//        node scripts/gen-ai-dataset.mjs --stdout   prints it instead
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SEED = 20240606;
export const ROWS = 10_000;
export const SIGMA = 0.5;
export const COEFFICIENTS = [4, 5, 2, 7, 0.1, 15, 0.05, 1];
export const FEATURES = COEFFICIENTS.map((_, i) => `x${i}`);

function splitmix32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** sfc32: 128-bit state, returns uniform doubles in [0, 1) with 32 bits of resolution. */
export function sfc32(seed) {
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next(); // warm-up
  return () => next() / 4294967296;
}

/** Standard normal deviates by Box–Muller (both values of each pair are used). */
export function gaussian(rand) {
  let spare = null;
  return () => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = rand(); // log(0) is -Infinity
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** The whole CSV text. */
export function generate({ seed = SEED, rows = ROWS, sigma = SIGMA } = {}) {
  const rand = sfc32(seed);
  const normal = gaussian(rand);
  const lines = [[...FEATURES, 'y'].join(',')];
  for (let r = 0; r < rows; r++) {
    const xs = FEATURES.map(() => (rand() * 10).toFixed(4));
    let y = 0;
    for (let i = 0; i < xs.length; i++) y += COEFFICIENTS[i] * Number(xs[i]);
    y += sigma * normal();
    lines.push(`${xs.join(',')},${y.toFixed(6)}`);
  }
  return lines.join('\n') + '\n';
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const datasetPath = path.join(root, 'ai-worker', 'data', 'AI_test.csv');

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const csv = generate();
  if (process.argv.includes('--stdout')) {
    process.stdout.write(csv);
  } else {
    fs.mkdirSync(path.dirname(datasetPath), { recursive: true });
    fs.writeFileSync(datasetPath, csv);
    process.stdout.write(`wrote ${path.relative(process.cwd(), datasetPath)} (${ROWS} rows, noise sigma ${SIGMA}, seed ${SEED})\n`);
  }
}
