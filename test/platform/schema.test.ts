// The migrated database must be exactly what the Prisma models describe: tables, columns (type,
// nullability, default), primary keys, unique and plain indexes, foreign keys with their delete rule.
// Run against SQLite by `npm test` and against MariaDB by `npm run test:mysql`. This is what proves the
// hand-written MySQL migrations (they cannot be generated offline): drop a column from one and this fails.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getDMMF } from '@prisma/get-dmmf';
import Database from 'better-sqlite3';
import mariadb from 'mariadb';
import { projectRoot } from '../../src/platform/paths.js';
import { mariadbUrl } from '../../src/platform/prisma.js';
import { freshDatabase, testProvider, type TestDatabase } from '../helpers/db.js';

interface TableShape {
  columns: Record<string, { type: string; nullable: boolean; hasDefault: boolean }>;
  primaryKey: string[];
  uniques: string[];
  indexes: string[];
  foreignKeys: string[];
}
type Shape = Record<string, TableShape>;

type DmmfField = {
  name: string;
  kind: string;
  type: string;
  isRequired: boolean;
  isList: boolean;
  hasDefaultValue: boolean;
  default?: unknown;
  isUpdatedAt: boolean;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
};

type Datamodel = {
  enums: { name: string; values: { name: string }[] }[];
  models: { name: string; dbName: string | null; fields: unknown[] }[];
  indexes: { model: string; type: 'id' | 'unique' | 'normal' | 'fulltext'; fields: { name: string }[] }[];
};

const cols = (names: string[]) => names.join(',');

// The full-text search tables are hand-written SQL the models cannot express (FTS5 virtual tables with their
// own `_data`, `_idx`, `_docsize`, `_config` tables on SQLite; FULLTEXT shadow tables on MySQL), see
// docs/decisions/0008-search.md and test/search/: they are no part of the models' shape. Only these names.
const searchTable = /^(posts|comments)_fts(_(data|idx|docsize|config|content))?$/;

function expectedType(f: DmmfField, enums: Map<string, string[]>): string {
  if (testProvider === 'sqlite') {
    return { Int: 'INTEGER', String: 'TEXT', Boolean: 'BOOLEAN', DateTime: 'DATETIME', Json: 'JSONB' }[f.type] ?? (enums.has(f.type) ? 'TEXT' : `?${f.type}`);
  }
  if (enums.has(f.type))
    return `enum(${enums
      .get(f.type)!
      .map((v) => `'${v}'`)
      .join(',')})`;
  if (f.nativeType) {
    const [t, args] = f.nativeType;
    return t.toLowerCase() + (args.length ? `(${args.join(',')})` : '');
  }
  return { Int: 'int', String: 'varchar(191)', Boolean: 'tinyint(1)', DateTime: 'datetime(3)', Json: 'json' }[f.type] ?? `?${f.type}`;
}

function expectedShape(): Shape {
  const schemaFile = path.join(projectRoot, 'prisma', testProvider, 'schema.prisma');
  const dmmf = getDMMF({ datamodel: fs.readFileSync(schemaFile, 'utf8') }) as unknown as { datamodel: Datamodel };
  const { datamodel } = dmmf;
  const enums = new Map(datamodel.enums.map((e) => [e.name, e.values.map((v) => v.name)]));
  const tableOf = new Map(datamodel.models.map((m) => [m.name, m.dbName ?? m.name]));
  const shape: Shape = {};
  for (const m of datamodel.models) {
    const fields = m.fields as DmmfField[];
    const t: TableShape = { columns: {}, primaryKey: [], uniques: [], indexes: [], foreignKeys: [] };
    for (const f of fields.filter((x) => x.kind === 'scalar' || x.kind === 'enum')) {
      const auto = (f.default as { name?: string } | undefined)?.name === 'autoincrement';
      t.columns[f.name] = { type: expectedType(f, enums), nullable: !f.isRequired, hasDefault: f.hasDefaultValue && !auto };
    }
    for (const i of datamodel.indexes.filter((x) => x.model === m.name)) {
      const c = cols(i.fields.map((x) => x.name));
      if (i.type === 'id') t.primaryKey = i.fields.map((x) => x.name);
      else if (i.type === 'unique') t.uniques.push(c);
      else if (i.type === 'normal') t.indexes.push(c);
    }
    for (const f of fields.filter((x) => x.kind === 'object' && x.relationFromFields?.length)) {
      const onDelete = (f.relationOnDelete ?? (f.isRequired ? 'Restrict' : 'SetNull')).replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
      t.foreignKeys.push(`${cols(f.relationFromFields!)}->${tableOf.get(f.type)}(${cols(f.relationToFields!)}) ON DELETE ${onDelete}`);
    }
    t.uniques.sort();
    t.indexes.sort();
    t.foreignKeys.sort();
    shape[tableOf.get(m.name)!] = t;
  }
  return shape;
}

function sqliteShape(file: string): Shape {
  const db = new Database(file, { readonly: true });
  try {
    const shape: Shape = {};
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations'").all() as { name: string }[];
    for (const { name } of tables.filter((x) => !searchTable.test(x.name))) {
      const t: TableShape = { columns: {}, primaryKey: [], uniques: [], indexes: [], foreignKeys: [] };
      const info = db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string; type: string; notnull: number; dflt_value: string | null; pk: number }[];
      for (const c of info) t.columns[c.name] = { type: c.type, nullable: c.notnull === 0 && c.pk === 0, hasDefault: c.dflt_value !== null };
      t.primaryKey = info
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name);
      for (const idx of db.prepare(`PRAGMA index_list("${name}")`).all() as { name: string; unique: number; origin: string }[]) {
        if (idx.origin === 'pk') continue;
        const c = cols((db.prepare(`PRAGMA index_info("${idx.name}")`).all() as { seqno: number; name: string }[]).sort((a, b) => a.seqno - b.seqno).map((x) => x.name));
        (idx.unique ? t.uniques : t.indexes).push(c);
      }
      const fks = new Map<number, { from: string[]; to: string[]; table: string; onDelete: string }>();
      for (const fk of db.prepare(`PRAGMA foreign_key_list("${name}")`).all() as { id: number; seq: number; table: string; from: string; to: string; on_delete: string }[]) {
        const e = fks.get(fk.id) ?? { from: [], to: [], table: fk.table, onDelete: fk.on_delete };
        e.from[fk.seq] = fk.from;
        e.to[fk.seq] = fk.to;
        fks.set(fk.id, e);
      }
      t.foreignKeys = [...fks.values()].map((e) => `${cols(e.from)}->${e.table}(${cols(e.to)}) ON DELETE ${e.onDelete}`);
      t.uniques.sort();
      t.indexes.sort();
      t.foreignKeys.sort();
      shape[name] = t;
    }
    return shape;
  } finally {
    db.close();
  }
}

async function mysqlShape(url: string): Promise<Shape> {
  const u = new URL(mariadbUrl(url));
  const schema = u.pathname.slice(1);
  const conn = await mariadb.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) });
  try {
    const shape: Shape = {};
    const columns = await conn.query<{ t: string; c: string; type: string; nullable: string; dflt: string | null; extra: string; checkJson: number }[]>(
      `SELECT c.TABLE_NAME t, c.COLUMN_NAME c, c.COLUMN_TYPE type, c.IS_NULLABLE nullable, c.COLUMN_DEFAULT dflt, c.EXTRA extra
         FROM information_schema.COLUMNS c WHERE c.TABLE_SCHEMA = ? AND c.TABLE_NAME <> '_prisma_migrations' ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION`,
      [schema],
    );
    // MariaDB stores JSON as LONGTEXT with a json_valid() CHECK constraint
    const jsonChecks = new Set(
      (
        await conn
          .query<{ t: string; c: string }[]>(`SELECT TABLE_NAME t, CONSTRAINT_NAME c FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND CHECK_CLAUSE LIKE 'json_valid(%'`, [
            schema,
          ])
          .catch(() => [])
      ).map((r) => `${r.t}.${r.c}`),
    );
    const table = (name: string) => (shape[name] ??= { columns: {}, primaryKey: [], uniques: [], indexes: [], foreignKeys: [] });
    const modelled = <R extends { t: string }>(rows: R[]) => rows.filter((r) => !searchTable.test(r.t));
    for (const r of modelled(columns)) {
      let type = r.type.replace(/^int\(\d+\)$/, 'int');
      if (type === 'longtext' && jsonChecks.has(`${r.t}.${r.c}`)) type = 'json';
      const hasDefault = r.dflt !== null && r.dflt !== 'NULL';
      table(r.t).columns[r.c] = { type, nullable: r.nullable === 'YES', hasDefault };
    }
    const fkNames = new Set<string>();
    const fks = await conn.query<{ t: string; name: string; c: string; rt: string; rc: string; del: string; pos: number }[]>(
      `SELECT k.TABLE_NAME t, k.CONSTRAINT_NAME name, k.COLUMN_NAME c, k.REFERENCED_TABLE_NAME rt, k.REFERENCED_COLUMN_NAME rc, r.DELETE_RULE del, k.ORDINAL_POSITION pos
         FROM information_schema.KEY_COLUMN_USAGE k
         JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME
        WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
      [schema],
    );
    const grouped = new Map<string, { t: string; from: string[]; to: string[]; rt: string; del: string }>();
    for (const f of modelled(fks)) {
      fkNames.add(`${f.t}.${f.name}`);
      const g = grouped.get(`${f.t}.${f.name}`) ?? { t: f.t, from: [], to: [], rt: f.rt, del: f.del };
      g.from.push(f.c);
      g.to.push(f.rc);
      grouped.set(`${f.t}.${f.name}`, g);
    }
    for (const g of grouped.values()) table(g.t).foreignKeys.push(`${cols(g.from)}->${g.rt}(${cols(g.to)}) ON DELETE ${g.del}`);
    const stats = await conn.query<{ t: string; name: string; nonUnique: number | string; c: string; seq: number }[]>(
      `SELECT TABLE_NAME t, INDEX_NAME name, NON_UNIQUE nonUnique, COLUMN_NAME c, SEQ_IN_INDEX seq FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> '_prisma_migrations' ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
      [schema],
    );
    const indexes = new Map<string, { t: string; name: string; unique: boolean; cols: string[] }>();
    for (const s of modelled(stats)) {
      const key = `${s.t}.${s.name}`;
      const i = indexes.get(key) ?? { t: s.t, name: s.name, unique: Number(s.nonUnique) === 0, cols: [] };
      i.cols.push(s.c);
      indexes.set(key, i);
    }
    for (const i of indexes.values()) {
      if (i.name === 'PRIMARY') table(i.t).primaryKey = i.cols;
      else if (fkNames.has(`${i.t}.${i.name}`))
        continue; // an index InnoDB made for a foreign key by itself
      else (i.unique ? table(i.t).uniques : table(i.t).indexes).push(cols(i.cols));
    }
    for (const t of Object.values(shape)) {
      t.uniques.sort();
      t.indexes.sort();
      t.foreignKeys.sort();
    }
    return shape;
  } finally {
    await conn.end();
  }
}

describe(`migrated ${testProvider} schema`, () => {
  let db: TestDatabase;
  let actual: Shape;
  let expected: Shape;

  beforeAll(async () => {
    db = await freshDatabase();
    expected = expectedShape();
    actual = testProvider === 'sqlite' ? sqliteShape(db.url.slice('file:'.length)) : await mysqlShape(db.url);
  });
  afterAll(() => db.drop());

  it('has exactly the tables of the models', () => {
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(16);
  });

  it('has every column with the type, nullability and default of its field, and no other column', () => {
    for (const [name, t] of Object.entries(expected)) {
      expect({ table: name, columns: actual[name]?.columns }).toEqual({ table: name, columns: t.columns });
    }
  });

  it('has the primary keys, unique constraints and indexes of the models', () => {
    for (const [name, t] of Object.entries(expected)) {
      const a = actual[name];
      expect({ table: name, primaryKey: a?.primaryKey, uniques: a?.uniques, indexes: a?.indexes }).toEqual({
        table: name,
        primaryKey: t.primaryKey,
        uniques: t.uniques,
        indexes: t.indexes,
      });
    }
  });

  it('has the foreign keys of the relations, with their delete rules', () => {
    for (const [name, t] of Object.entries(expected)) {
      expect({ table: name, foreignKeys: actual[name]?.foreignKeys }).toEqual({ table: name, foreignKeys: t.foreignKeys });
    }
  });
});
