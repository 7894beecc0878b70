// `npm run create-superuser` / `node dist/src/cli/create-superuser.js`: creates a superuser account from the
// terminal (superusers are never created over HTTP). The command itself, its options and its exit codes are in
// superuser.ts.
import { createSuperuser } from './superuser.js';

process.exitCode = await createSuperuser(process.argv.slice(2), process.env, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
