// The documentation written from the declarations in src/config-schema.ts: the configuration table of
// docs/operations.md (between its markers) and .env.example. `npm run config:docs` writes them (scripts/config-docs.mjs);
// `-- --check` and test/docs-and-deploy.test.ts fail when a committed file differs.
import { declared, settingGroups, settingNames, type Setting } from './config-schema.js';

export const configTableFile = 'docs/operations.md';
export const envExampleFile = '.env.example';
export const configTableStart = '<!-- config-table:start -->';
export const configTableEnd = '<!-- config-table:end -->';

const envExampleHeader = [
  '# Agora configuration. Copy to .env and edit; real environment variables win over this file.',
  '# Every variable is optional in development (the defaults run the embedded setup).',
  '# This file is written by `npm run config:docs` from the declarations in src/config-schema.ts.',
];

/** Variables of docker-compose.yml, not read by Agora itself; listed last. */
const composeVariables = ['# docker compose only', '# MYSQL_PASSWORD=agora', '# MYSQL_ROOT_PASSWORD='];

/** The default as written in .env (every default is a string, a number or a boolean); undefined when there is none. */
function defaultOf(s: Setting): string | undefined {
  const value: unknown = 'default' in s.schema ? s.schema.default : undefined;
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

/** The settings grouped as .env.example lists them: groups in their declared order, settings in theirs. */
function byGroup(): { comment?: string; names: string[] }[] {
  return Object.entries(settingGroups).map(([group, g]: [string, { comment?: string }]) => ({
    comment: g.comment,
    names: settingNames.filter((name) => declared[name].group === group),
  }));
}

/** `# `-prefixed comment lines of at most 115 characters. */
function comment(text: string): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(/\s+/)) {
    if (line.length > 1 && line.length + 1 + word.length > 115) {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  return [...lines, line];
}

/** The Markdown table: variable, default, meaning; one row per setting, in .env.example's order. */
export function configTable(): string {
  const rows = byGroup().flatMap((g) =>
    g.names.map((name) => {
      const s = declared[name];
      const value = defaultOf(s);
      const shown = s.shown ?? (value === undefined ? 'unset' : `\`${value}\`${s.defaultNote ? ` (${s.defaultNote})` : ''}`);
      return `| \`${name}\` | ${shown} | ${s.doc} |`;
    }),
  );
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** .env.example: every setting with its default, or commented out (with an example value) when it has none. */
export function envExample(): string {
  const blocks = byGroup().map((g) => [
    ...(g.comment ? comment(g.comment) : []),
    ...g.names.flatMap((name) => {
      const s = declared[name];
      const value = defaultOf(s);
      return [...(s.note ? comment(s.note) : []), value === undefined ? `# ${name}=${s.example ?? ''}` : `${name}=${value}`];
    }),
  ]);
  return [envExampleHeader, ...blocks, composeVariables].map((lines) => lines.join('\n')).join('\n\n') + '\n';
}

/** What each generated file should contain, given the current text of the files (docs/operations.md keeps its prose). */
export function configDocs(read: (file: string) => string): { file: string; text: string }[] {
  const ops = read(configTableFile);
  const start = ops.indexOf(configTableStart);
  const end = ops.indexOf(configTableEnd);
  if (start < 0 || end < start) throw new Error(`${configTableFile} has no ${configTableStart} … ${configTableEnd} section for the configuration table`);
  const table = `${ops.slice(0, start + configTableStart.length)}\n${configTable()}\n${ops.slice(end)}`;
  return [
    { file: configTableFile, text: table },
    { file: envExampleFile, text: envExample() },
  ];
}
