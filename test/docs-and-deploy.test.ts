// Keeps the front door true: every setting is documented, and the deployment files run what exists.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { CHAT_NODE_FLAGS } from '../src/chat/node-flags.js';
import { configVariables } from '../src/config.js';
import { configDocs, configTableEnd, configTableStart } from '../src/config-docs.js';
import { projectRoot } from '../src/platform/paths.js';

const read = (f: string) => fs.readFileSync(path.join(projectRoot, f), 'utf8');
const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
/** dist/<x>.js → the TypeScript source it is compiled from */
const sourceOf = (dist: string) => dist.replace(/^dist\//, '').replace(/\.js$/, '.ts');

/** The Markdown files of the repository's documentation. */
const docFiles = [
  'README.md',
  'CONTRIBUTING.md',
  'bench/README.md',
  ...fs
    .readdirSync(path.join(projectRoot, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.posix.join('docs', f.split(path.sep).join('/'))),
];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
const anchorsOf = (file: string) => new Set([...read(file).matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1])));

describe('documentation', () => {
  /** The configuration table of docs/operations.md: the variable of each row between its markers. */
  const configTable = () => {
    const ops = read('docs/operations.md');
    const table = ops.slice(ops.indexOf(configTableStart), ops.indexOf(configTableEnd));
    return [...table.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
  };

  it.each(configVariables)('docs/operations.md and .env.example document %s', (v) => {
    expect(configTable()).toContain(v);
    expect(read('.env.example')).toMatch(new RegExp(`^#? ?${v}=`, 'm'));
  });

  it('the configuration table lists exactly the settings of src/config.ts, in their order', () => {
    expect(configTable()).toEqual(configVariables);
  });

  it('the configuration table and .env.example are the ones npm run config:docs writes', () => {
    const generated = configDocs(read);
    expect(generated.map((g) => g.file).sort()).toEqual(['.env.example', 'docs/operations.md']);
    for (const { file, text } of generated) expect({ file, text: read(file) }).toEqual({ file, text });
  });

  it('names only npm scripts that exist', () => {
    const named = ['README.md', 'bench/README.md', 'docs/operations.md', 'docs/architecture.md'].flatMap((f) => [...read(f).matchAll(/npm run ([a-z:-]+)/g)].map((m) => m[1]));
    expect(named.length).toBeGreaterThan(3);
    for (const s of named) expect(Object.keys(scripts)).toContain(s);
  });

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const file of docFiles) {
      for (const [, target] of read(file).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target)) continue; // http(s), mailto
        const [rel, anchor] = target.split('#');
        const resolved = rel ? path.posix.normalize(path.posix.join(path.posix.dirname(file), rel)) : file;
        if (!fs.existsSync(path.join(projectRoot, resolved))) broken.push(`${file}: ${target}`);
        else if (anchor && !(resolved.endsWith('.md') && anchorsOf(resolved).has(anchor))) broken.push(`${file}: ${target}`);
      }
    }
    expect(docFiles.length).toBeGreaterThan(5);
    expect(broken).toEqual([]);
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml')) as {
    services: Record<string, { command?: string[]; healthcheck?: { test?: string[]; disable?: boolean }; depends_on?: Record<string, { condition: string }>; image?: string; build?: unknown }>;
  };
  const services = compose.services;

  it('lists the app processes and the stores they need', () => {
    expect(Object.keys(services).sort()).toEqual(['ai-worker', 'api', 'chat', 'migrate', 'mongo', 'mysql', 'redis']);
  });

  it('gives every long-running service a healthcheck', () => {
    for (const [name, s] of Object.entries(services)) {
      if (name === 'migrate') continue;
      expect({ name, healthcheck: (s.healthcheck?.test?.length ?? 0) > 1 }).toEqual({ name, healthcheck: true });
    }
  });

  it('starts the app only after migrate finished and the stores are healthy', () => {
    for (const name of ['api', 'chat', 'ai-worker']) {
      expect(services[name].depends_on).toEqual({
        migrate: { condition: 'service_completed_successfully' },
        mysql: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
        mongo: { condition: 'service_healthy' },
      });
    }
  });

  it('runs the chat with its node flags, as `npm run start:chat` does', () => {
    expect(CHAT_NODE_FLAGS.length).toBeGreaterThan(0);
    for (const flag of CHAT_NODE_FLAGS) {
      expect(services.chat.command).toContain(flag);
      expect(scripts['start:chat'].split(' ')).toContain(flag);
    }
  });

  it('runs compiled entries that exist in the sources', () => {
    for (const [name, s] of Object.entries(services)) {
      const files = [...(s.command ?? []), ...(s.healthcheck?.test ?? [])].filter((a) => /^dist\/.*\.js$/.test(a));
      for (const f of files) expect({ name, source: fs.existsSync(path.join(projectRoot, sourceOf(f))) }).toEqual({ name, source: true });
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  it('builds in one stage and runs compiled JavaScript as a non-root user in production mode', () => {
    expect(dockerfile).toMatch(/^FROM node:20-bookworm AS build$/m);
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim AS runtime$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENV NODE_ENV=production$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    const cmd = /^CMD \["node", "(dist\/[^"]+)"\]$/m.exec(dockerfile);
    expect(cmd).not.toBeNull();
    expect(fs.existsSync(path.join(projectRoot, sourceOf(cmd![1])))).toBe(true);
  });
});
