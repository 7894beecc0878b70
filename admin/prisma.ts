// AdminJS resources on Prisma 7. @adminjs/prisma needs the full DMMF (the generated client keeps only a
// reduced one), so it is parsed from the provider's schema with @prisma/get-dmmf (a devDependency); the
// production build writes it to the bundle folder (datamodel.json), which production reads instead. Each
// resource is built directly (not through the adapter's Database helper, which loses the enum values).
import fs from 'node:fs';
import path from 'node:path';
import { Resource } from '@adminjs/prisma';
import { ValidationError, type BaseRecord, type Filter } from 'adminjs';
import type { Context } from '../src/context.js';
import { isUniqueViolation, uniqueFields } from '../src/platform/known-errors.js';
import { projectRoot } from '../src/platform/paths.js';
import { bundleDir } from './env.js';
import { problemText } from './locale/index.js';
import { usableFilter, usableId, usableParams, type ColumnTypes, type FindParams } from './prisma-filters.js';

export type Datamodel = { models: { name: string; fields: { name: string }[] }[]; enums: unknown[] };

let cached: Datamodel | undefined;

/** The full datamodel of the schema (both providers' schemas describe the same models). */
export const datamodelFile = () => path.join(bundleDir(), 'datamodel.json');

/** Parses the schema (needs @prisma/get-dmmf, a devDependency). */
export async function parseDatamodel(provider: Context['config']['databaseProvider']): Promise<Datamodel> {
  const { getDMMF } = await import('@prisma/get-dmmf');
  const schema = fs.readFileSync(path.join(projectRoot, 'prisma', provider, 'schema.prisma'), 'utf8');
  const doc = (await Promise.resolve(getDMMF({ datamodel: schema }))) as unknown as { datamodel?: Datamodel; reason?: string };
  if (!doc.datamodel) throw new Error(`admin: could not read the Prisma schema (${doc.reason ?? 'unknown error'})`);
  return doc.datamodel;
}

/** The datamodel: prebuilt in production (`npm run build`), parsed from the schema otherwise. */
export async function datamodel(provider: Context['config']['databaseProvider']): Promise<Datamodel> {
  if (cached) return cached;
  const prebuilt = process.env.NODE_ENV === 'production' && fs.existsSync(datamodelFile());
  cached = prebuilt ? (JSON.parse(fs.readFileSync(datamodelFile(), 'utf8')) as Datamodel) : await parseDatamodel(provider);
  return cached;
}

/** A unique-constraint violation as a form error on each field it names, not a 500. */
export function uniqueViolation(e: unknown): ValidationError | null {
  if (!isUniqueViolation(e)) return null;
  const fields = uniqueFields(e.meta);
  const errors = Object.fromEntries((fields.length ? fields : ['id']).map((f) => [f, { message: problemText('unique', 'is already taken'), type: 'unique' }]));
  return new ValidationError(errors, { message: problemText('unique', `${fields.join(' and ') || 'A value'} is already taken.`), type: 'unique' });
}

/**
 * A Prisma resource whose writes turn unique-constraint violations into validation errors, and whose reads
 * take only filters, ids, paging and sorting the database can answer (see ./prisma-filters.ts).
 */
export class PrismaResource extends Resource {
  private get columns(): ColumnTypes {
    return Object.fromEntries((this.model as unknown as { fields: { name: string; type: string }[] }).fields.map((f) => [f.name, f.type]));
  }

  private usable(id: string | number): boolean {
    return usableId((this.idProperty as unknown as { column: { type: string } }).column.type, id);
  }

  override async find(filter: Filter, params: FindParams = {}): Promise<BaseRecord[]> {
    const usable = usableFilter(filter, this.columns);
    if (!usable) return [];
    return super.find(
      usable,
      usableParams(params, (p) => this.property(p), this.idProperty.path()),
    );
  }

  override async count(filter: Filter): Promise<number> {
    const usable = usableFilter(filter, this.columns);
    return usable ? super.count(usable) : 0;
  }

  override async findOne(id: string | number): Promise<BaseRecord | null> {
    return this.usable(id) ? super.findOne(id) : null;
  }

  override async findMany(ids: (string | number)[]): Promise<BaseRecord[]> {
    const usable = ids.filter((id) => this.usable(id));
    return usable.length ? super.findMany(usable) : [];
  }

  override async create(params: Record<string, unknown>): Promise<Record<string, unknown>> {
    try {
      return await super.create(params);
    } catch (e) {
      throw uniqueViolation(e) ?? e;
    }
  }

  override async update(pk: string | number, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    try {
      return await super.update(pk, params);
    } catch (e) {
      throw uniqueViolation(e) ?? e;
    }
  }
}

/**
 * The resource of one model. `hide` drops fields from the model as AdminJS sees it, so their values are
 * never read into a record nor sent to the browser (e.g. the password hash).
 */
export async function prismaResource(ctx: Context, modelName: string, hide: string[] = []): Promise<PrismaResource> {
  const dm = await datamodel(ctx.config.databaseProvider);
  const model = dm.models.find((m) => m.name === modelName);
  if (!model) throw new Error(`admin: no model ${modelName} in the schema`);
  const visible = { ...model, fields: model.fields.filter((f) => !hide.includes(f.name)) };
  return new PrismaResource({ model: visible as never, client: ctx.prisma, clientModule: { Prisma: { dmmf: { datamodel: dm } } } });
}
