// What the AI services read and show: the columns they select, what a member and an admin see of a model, the
// shared not-found answers, and the pages of lists (newest first, by id).
import { access, type Viewer } from '../access/index.js';
import { NotFoundError, type FieldError } from '../errors.js';
import { decodeIdKey } from '../http/pagination.js';
import type { Db, Prisma } from '../platform/prisma.js';
import type { JobStatus } from './jobs.js';
import type { Metrics } from './model.js';

export interface AiListQuery {
  limit: number;
  cursor?: string;
  page?: number;
  status?: JobStatus;
}

export interface AiLogListQuery extends AiListQuery {
  /** Admins only: one member's logs. */
  userId?: number;
}

export const aiSelect = {
  id: true,
  name: true,
  description: true,
  status: true,
  createdById: true,
  createDate: true,
  updateDate: true,
  startDate: true,
  finishDate: true,
  isVisible: true,
  isAvailable: true,
  jobId: true,
  metrics: true,
  error: true,
  version: true,
  artifactKey: true,
  datasetKey: true,
} as const;
export type AiRow = Prisma.AiGetPayload<{ select: typeof aiSelect }>;

export const logSelect = {
  id: true,
  aiId: true,
  userId: true,
  input: true,
  result: true,
  status: true,
  error: true,
  isFinished: true,
  jobId: true,
  resultDocId: true,
  createDate: true,
  updateDate: true,
  startDate: true,
  finishDate: true,
} as const;
export type LogRow = Prisma.AiLogGetPayload<{ select: typeof logSelect }>;
export type AiLogView = LogRow;

export interface AiView {
  id: number;
  name: string;
  description: string;
  status: JobStatus;
  isVisible: boolean;
  isAvailable: boolean;
  version: number;
  /** Input columns in order, and the target (from the current artifact's metrics). */
  features: string[] | null;
  target: string | null;
  metrics: Record<string, unknown> | null;
  createDate: Date;
  updateDate: Date;
  startDate: Date | null;
  finishDate: Date | null;
  /** Admins only. */
  createdById?: number | null;
  jobId?: string | null;
  error?: string | null;
  artifactKey?: string | null;
  datasetKey?: string | null;
}

/** What a member sees of a model; admins see the whole row. */
export function aiView(viewer: Viewer | null, row: AiRow): AiView {
  const metrics = row.metrics as Partial<Metrics> | null;
  const base = {
    id: row.id,
    name: row.name,
    description: row.description,
    status: row.status,
    isVisible: row.isVisible,
    isAvailable: row.isAvailable,
    version: row.version,
    features: metrics?.features ?? null,
    target: metrics?.target ?? null,
    metrics: row.metrics as Record<string, unknown> | null,
    createDate: row.createDate,
    updateDate: row.updateDate,
    startDate: row.startDate,
    finishDate: row.finishDate,
  };
  if (!access.can(viewer, 'ai.manage')) return base;
  return { ...base, createdById: row.createdById, jobId: row.jobId, error: row.error, artifactKey: row.artifactKey, datasetKey: row.datasetKey };
}

export const notFound = () => new NotFoundError('ai_not_found', 'No such AI model.');
export const logNotFound = () => new NotFoundError('ailog_not_found', 'No such AI log.');
export const field = (name: string, code: string, message: string): FieldError => ({ field: name, in: 'body', code, message });

/** The model as the viewer may see it (members: visible and available ones only), or 404. */
export async function readableModel(prisma: Db, viewer: Viewer | null, aiId: number): Promise<AiRow> {
  const row = await prisma.ai.findUnique({ where: { id: aiId }, select: aiSelect });
  if (!row) throw notFound();
  access.require(viewer, 'ai.read', row);
  return row;
}

/** Keyset (cursor) or numbered page arguments over ids, newest first. */
export function pageArgs(query: AiListQuery): { where: { id?: { lt: number } }; skip: number } {
  if (query.cursor) {
    return { where: { id: { lt: decodeIdKey(query.cursor) } }, skip: 0 };
  }
  return { where: {}, skip: query.page ? (query.page - 1) * query.limit : 0 };
}
