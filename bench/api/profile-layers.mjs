// Groups a .cpuprofile's samples by layer: each sample goes to the first frame, from the leaf up, whose
// function or file names a layer (so a library's own work counts for the layer that called it only when the
// library itself is not listed). Usage: node bench/api/profile-layers.mjs file.cpuprofile [requests]
import fs from 'node:fs';
const [file, requests, windowSeconds] = process.argv.slice(2);
const p = JSON.parse(fs.readFileSync(file, 'utf8'));
const layers = [
  ['JWT verify (jsonwebtoken, passport)', /jsonwebtoken|jws|jwa|passport|auth\/guards/],
  ['revocation check (sessions.isRevoked)', /auth\/sessions/],
  ['board policy (+ versioned cache)', /boards\/policy|versioned-cache|access\//],
  ['view counting (views.ts)', /posts\/views/],
  ['Prisma client (query building, result mapping)', /@prisma\/client|\.prisma\/client|runtime\/client|library\.js|query_compiler|@prisma\/adapter|platform\/prisma/],
  ['better-sqlite3 (query execution)', /better-sqlite3/],
  ['Redis client (ioredis, RESP)', /ioredis|redis-parser|cluster-key-slot|denque|platform\/redis/],
  ['logging (pino, pino-http)', /pino|sonic-boom|fast-redact|log-context|platform\/logger/],
  ['helmet', /helmet/],
  ['validation (ajv)', /ajv|http\/schema/],
  ['route layer (express, router, api.ts)', /express|router|path-to-regexp|http\/api|body-parser|finalhandler|on-finished|send|content-encoding|privateResponses|qs\//],
  ['posts service', /posts\/service|http\/pagination|files\/service/],
  ['JSON serialization (JSON.stringify)', /^stringify$/],
];
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
// only the samples of the last `windowSeconds` (the measured load), not the start-up
const times = [];
let clock = p.startTime;
for (const d of p.timeDeltas) times.push((clock += d));
const from = windowSeconds ? p.endTime - Number(windowSeconds) * 1e6 : 0;
const dt = new Map();
p.samples.forEach((id, i) => {
  if (times[i] >= from) dt.set(id, (dt.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
});
const otherFns = new Map();
const totals = new Map();
let all = 0;
for (const [id, t] of dt) {
  const leaf = byId.get(id);
  const fn = leaf.callFrame.functionName;
  let layer = fn === '(idle)' ? 'idle' : fn === '(garbage collector)' ? 'garbage collector' : fn === '(program)' ? 'program (native, unattributed)' : null;
  for (let cur = id; !layer && cur !== undefined; cur = parent.get(cur)) {
    const cf = byId.get(cur).callFrame;
    const hit = layers.find(([, re]) => re.test(cf.url) || (cf.url === '' && re.test(cf.functionName)));
    if (hit) layer = hit[0];
  }
  if (!layer) layer = 'other (node core: http, net, streams, timers)';
  if (process.env.SHOW && layer.startsWith(process.env.SHOW)) {
    const key = `${fn} ${leaf.callFrame.url.replace(/.*node_modules\//, '')}:${leaf.callFrame.lineNumber}`;
    otherFns.set(key, (otherFns.get(key) ?? 0) + t);
  }
  totals.set(layer, (totals.get(layer) ?? 0) + t);
  if (layer !== 'idle') all += t;
}
const rows = [...totals].filter(([k]) => k !== 'idle').sort((a, b) => b[1] - a[1]);
console.log(`busy ${(all / 1000).toFixed(0)} ms, idle ${((totals.get('idle') ?? 0) / 1000).toFixed(0)} ms`);
for (const [k, t] of rows) console.log(`${k.padEnd(52)} ${((100 * t) / all).toFixed(1).padStart(5)} %${requests ? `  ${(t / Number(requests)).toFixed(0).padStart(5)} µs/req` : ''}`);
if (process.env.SHOW) for (const [k, t] of [...otherFns].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${((100 * t) / all).toFixed(1)} % ${k}`);
