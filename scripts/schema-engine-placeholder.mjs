#!/usr/bin/env node
// Stands in for Prisma's schema engine during `prisma generate` only (see db-generate.mjs); it is never
// meant to run. If something does call it, say so instead of failing obscurely.
process.stderr.write('agora: this placeholder is not a schema engine; it only lets `prisma generate` run without downloading one.\n');
process.exit(1);
