// AI models and predictions over HTTP. Routes parse and authorize; AisService decides. Training and
// predicting are asynchronous: the POSTs answer 202 with the row in status `queued`; GET polls it, and
// GET /ailogs/:id/events streams its final state (Server-Sent Events) as soon as the worker publishes it.
import busboy from 'busboy';
import type { Request, Response } from 'express';
import type { Guards } from '../auth/guards.js';
import type { Context } from '../context.js';
import type { ApiRouter } from '../http/api.js';
import { AppError, BadRequestError, ValidationError } from '../http/errors.js';
import { paginationQuery } from '../http/pagination.js';
import { compile, fieldErrors } from '../http/schema.js';
import type { AiCreateInput, AiListQuery, AiLogListQuery, AiLogView, AiPatch, PredictBody } from './service.js';

const int = { type: 'integer', minimum: 1 };
const date = { type: ['string', 'null'], format: 'date-time' };
const status = { enum: ['queued', 'running', 'succeeded', 'failed'] };
const aiSchema = {
  type: 'object',
  required: ['id', 'name', 'status', 'isVisible', 'isAvailable', 'version'],
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    description: { type: 'string' },
    status,
    isVisible: { type: 'boolean' },
    isAvailable: { type: 'boolean' },
    version: { type: 'integer', description: 'version of the current artifact (0: not trained yet)' },
    features: { type: ['array', 'null'], items: { type: 'string' }, description: 'input columns, in order' },
    target: { type: ['string', 'null'] },
    metrics: { type: ['object', 'null'], description: 'rmse and r2 on the 30% hold-out, coefficients, intercept, rows…' },
    jobId: { type: ['string', 'null'], description: 'admins only' },
    error: { type: ['string', 'null'], description: 'admins only: why the last training failed' },
    createDate: date,
    updateDate: date,
    startDate: date,
    finishDate: date,
  },
};
const aiLogSchema = {
  type: 'object',
  required: ['id', 'aiId', 'userId', 'status', 'isFinished'],
  properties: {
    id: { type: 'integer' },
    aiId: { type: 'integer' },
    userId: { type: 'integer' },
    input: { type: 'array', description: 'one row of numbers, or an array of rows (batch)' },
    result: { description: 'the predicted number (single input) or an array of numbers (batch); null until succeeded' },
    status,
    error: { type: ['string', 'null'] },
    isFinished: { type: 'boolean' },
    jobId: { type: ['string', 'null'] },
    resultDocId: { type: ['string', 'null'], description: 'id of the MongoDB ai_results document, when MongoDB is configured' },
    createDate: date,
    updateDate: date,
    startDate: date,
    finishDate: date,
  },
};
const page = (items: object) => ({ type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items }, nextCursor: { type: ['string', 'null'] } } });
const aiParams = { type: 'object', required: ['aiId'], properties: { aiId: int } };
const logParams = { type: 'object', required: ['id'], properties: { id: int } };
const nameSchema = { type: 'string', minLength: 1, maxLength: 64, pattern: '\\S', description: 'name must have a visible character (at most 64)' };
const descriptionSchema = { type: 'string', maxLength: 256 };
const columnSchema = { type: 'string', minLength: 1, maxLength: 64 };
const row = { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'number' } };

const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: nameSchema,
    description: descriptionSchema,
    dataset: { type: 'string', minLength: 1, description: 'CSV text with a header (default columns x0..xN and y); multipart: a file part `dataset`' },
    features: { type: 'array', minItems: 1, maxItems: 1000, items: columnSchema, description: 'feature columns of the dataset, in input order (default: all but the target)' },
    target: { ...columnSchema, description: 'target column of the dataset (default y)' },
  },
};
/** The same fields as text parts of a multipart form (features comma-separated). */
const createForm = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: nameSchema, description: descriptionSchema, features: { type: 'string', minLength: 1, maxLength: 65_536 }, target: columnSchema },
};
const predictBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    input: { ...row, description: 'one row: a number per feature' },
    inputs: { type: 'array', minItems: 1, items: row, description: 'a batch of rows (at most AI_BATCH_LIMIT)' },
  },
};

interface DatasetForm {
  fields: Record<string, string>;
  dataset?: Buffer;
}

/** Reads a multipart form held in memory: text fields and at most one `dataset` file, within maxBytes. */
function readForm(req: Request, maxBytes: number): Promise<DatasetForm> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fields: 10, fieldSize: 70_000, files: 1, fileSize: maxBytes, parts: 12 } });
    } catch {
      return reject(new BadRequestError('malformed_multipart', 'The multipart body is not valid.'));
    }
    const form: DatasetForm = { fields: {} };
    let failed: AppError | null = null;
    const fail = (e: AppError) => {
      failed ??= e;
    };
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(new ValidationError([{ field: name, in: 'body', code: 'too_long', message: `${name} is too long` }]));
      form.fields[name] = value;
    });
    bb.on('file', (name, stream) => {
      if (name !== 'dataset') {
        fail(new ValidationError([{ field: name, in: 'body', code: 'unknown_field', message: `${name} is not an accepted file field (use dataset)` }]));
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => fail(new AppError(413, 'dataset_too_large', `The dataset is larger than ${maxBytes} bytes (AI_DATASET_MAX_BYTES).`, { errors: [{ field: 'dataset', in: 'body', code: 'dataset_too_large', message: `dataset must be at most ${maxBytes} bytes` }] })));
      stream.on('end', () => {
        form.dataset = Buffer.concat(chunks);
      });
    });
    bb.on('filesLimit', () => fail(new ValidationError([{ field: 'dataset', in: 'body', code: 'too_many_files', message: 'send one dataset file' }])));
    bb.on('fieldsLimit', () => fail(new BadRequestError('too_many_fields', 'The form has too many fields.')));
    bb.on('partsLimit', () => fail(new BadRequestError('too_many_fields', 'The form has too many parts.')));
    bb.on('error', () => reject(new BadRequestError('malformed_multipart', 'The multipart body is not valid.')));
    bb.on('close', () => (failed ? reject(failed) : resolve(form)));
    req.pipe(bb);
  });
}

const checkForm = compile(createForm, true);

async function createInput(req: Request, maxBytes: number): Promise<AiCreateInput> {
  if (!req.is('multipart/form-data')) {
    const b = req.body as { name: string; description?: string; dataset?: string; features?: string[]; target?: string };
    return { name: b.name, description: b.description, datasetCsv: b.dataset, features: b.features, target: b.target };
  }
  const form = await readForm(req, maxBytes);
  if (!checkForm(form.fields)) throw new ValidationError(fieldErrors(checkForm.errors, 'body'));
  const f = form.fields;
  return {
    name: f.name,
    description: f.description,
    datasetCsv: form.dataset,
    features: f.features?.split(',').map((s) => s.trim()),
    target: f.target,
  };
}

const aiId = (req: Request) => (req.params as unknown as { aiId: number }).aiId;
const logId = (req: Request) => (req.params as unknown as { id: number }).id;

export function registerAiRoutes(api: ApiRouter, ctx: Context, guards: Guards): void {
  const { ais } = ctx.services;
  const auth = guards.requireAuth;
  const viewer = (req: Request) => req.user ?? null;

  api.route(
    {
      method: 'get',
      path: '/ais',
      operationId: 'listAis',
      summary: 'AI models, newest first (members: visible and available ones only)',
      tags: ['ai'],
      auth: true,
      query: { type: 'object', additionalProperties: false, properties: { ...paginationQuery, status } },
      responses: { 200: { description: 'A page of models', schema: page(aiSchema) } },
    },
    auth,
    async (req, res) => res.json(await ais.list(viewer(req), req.query as unknown as AiListQuery)),
  );

  api.route(
    {
      method: 'post',
      path: '/ais',
      operationId: 'createAi',
      summary: 'Create a model and queue its training (admin). JSON, or multipart with a `dataset` CSV file; 202 with status queued',
      tags: ['ai'],
      auth: true,
      body: createBody,
      multipart: { fileField: 'dataset', single: true, form: createForm, fileType: 'text/csv' },
      responses: { 202: { description: 'Created; training queued', schema: aiSchema } },
    },
    auth,
    async (req, res) => {
      const ai = await ais.create(viewer(req), await createInput(req, ctx.config.ai.datasetMaxBytes));
      res.status(202).location(`/api/v1/ais/${ai.id}`).json(ai);
    },
  );

  api.route(
    { method: 'get', path: '/ais/:aiId', operationId: 'getAi', summary: 'A model (404 when the caller may not see it)', tags: ['ai'], auth: true, params: aiParams, responses: { 200: { description: 'Model', schema: aiSchema } } },
    auth,
    async (req, res) => res.json(await ais.get(viewer(req), aiId(req))),
  );

  api.route(
    {
      method: 'patch',
      path: '/ais/:aiId',
      operationId: 'updateAi',
      summary: 'Rename, describe, hide/show or disable/enable a model (admin)',
      tags: ['ai'],
      auth: true,
      params: aiParams,
      body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { name: nameSchema, description: descriptionSchema, isVisible: { type: 'boolean' }, isAvailable: { type: 'boolean' } } },
      responses: { 200: { description: 'Updated', schema: aiSchema } },
    },
    auth,
    async (req, res) => res.json(await ais.update(viewer(req), aiId(req), req.body as AiPatch)),
  );

  api.route(
    { method: 'delete', path: '/ais/:aiId', operationId: 'deleteAi', summary: 'Delete a model, its logs, its queued jobs and its artifacts (admin)', tags: ['ai'], auth: true, params: aiParams, responses: { 204: { description: 'Deleted' } } },
    auth,
    async (req, res) => {
      await ais.remove(viewer(req), aiId(req));
      res.status(204).end();
    },
  );

  api.route(
    { method: 'post', path: '/ais/:aiId/train', operationId: 'trainAi', summary: 'Queue a new training (admin); 409 while one is queued or running', tags: ['ai'], auth: true, params: aiParams, responses: { 202: { description: 'Training queued', schema: aiSchema } } },
    auth,
    async (req, res) => res.status(202).json(await ais.train(viewer(req), aiId(req))),
  );

  api.route(
    {
      method: 'post',
      path: '/ais/:aiId/ailogs',
      operationId: 'predict',
      summary: 'Ask for a prediction: `{input: [x0, …]}` or a batch `{inputs: [[…], …]}`; 202 with the AiLog (queued)',
      tags: ['ai'],
      auth: true,
      params: aiParams,
      body: predictBody,
      responses: { 202: { description: 'Queued', schema: aiLogSchema } },
    },
    auth,
    async (req, res) => {
      const log = await ais.predict(viewer(req), aiId(req), req.body as PredictBody);
      res.status(202).location(`/api/v1/ailogs/${log.id}`).json(log);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/ais/:aiId/ailogs',
      operationId: 'listAiLogs',
      summary: 'Predictions of a model, newest first: my own (admins: everyone’s, or `userId`’s)',
      tags: ['ai'],
      auth: true,
      params: aiParams,
      query: { type: 'object', additionalProperties: false, properties: { ...paginationQuery, status, userId: int } },
      responses: { 200: { description: 'A page of logs', schema: page(aiLogSchema) } },
    },
    auth,
    async (req, res) => res.json(await ais.listLogs(viewer(req), aiId(req), req.query as unknown as AiLogListQuery)),
  );

  api.route(
    { method: 'get', path: '/ailogs/:id', operationId: 'getAiLog', summary: 'A prediction (owner or admin): status, and the result once finished', tags: ['ai'], auth: true, params: logParams, responses: { 200: { description: 'AiLog', schema: aiLogSchema } } },
    auth,
    async (req, res) => res.json(await ais.getLog(viewer(req), logId(req))),
  );

  api.route(
    {
      method: 'patch',
      path: '/ailogs/:id',
      operationId: 'updateAiLog',
      summary: 'Ask again with a new `input` or `inputs` (owner or admin): the log is queued again; 409 while it runs',
      tags: ['ai'],
      auth: true,
      params: logParams,
      body: predictBody,
      responses: { 202: { description: 'Queued again', schema: aiLogSchema } },
    },
    auth,
    async (req, res) => res.status(202).json(await ais.updateLog(viewer(req), logId(req), req.body as PredictBody)),
  );

  api.route(
    { method: 'delete', path: '/ailogs/:id', operationId: 'deleteAiLog', summary: 'Delete a prediction (owner or admin); a queued job is cancelled', tags: ['ai'], auth: true, params: logParams, responses: { 204: { description: 'Deleted' } } },
    auth,
    async (req, res) => {
      await ais.removeLog(viewer(req), logId(req));
      res.status(204).end();
    },
  );

  api.route(
    {
      method: 'get',
      path: '/ailogs/:id/events',
      operationId: 'streamAiLog',
      summary: 'Server-Sent Events: `ailog` events with the log’s state; the stream ends after the final one (sent at once if already finished)',
      tags: ['ai'],
      auth: true,
      params: logParams,
      responses: { 200: { description: 'event: ailog, data: the AiLog as JSON', contentType: 'text/event-stream', schema: { type: 'string' } } },
    },
    auth,
    async (req, res) => streamLog(ctx, req, res),
  );
}

async function streamLog(ctx: Context, req: Request, res: Response): Promise<void> {
  const { ais } = ctx.services;
  const who = req.user ?? null;
  const id = logId(req);
  await ais.getLog(who, id); // 404 before the stream starts
  let done = false;
  let unsubscribe: (() => void) | null = null;
  const timers: { heartbeat?: NodeJS.Timeout } = {};
  const finish = () => {
    if (done) return;
    done = true;
    clearInterval(timers.heartbeat);
    unsubscribe?.();
    res.end();
  };
  req.on('close', finish);
  let lastSent = '';
  let reading = Promise.resolve();
  const push = () => {
    // serialised: states go out in order, each at most once
    reading = reading.then(async () => {
      if (done) return;
      let log: AiLogView;
      try {
        log = await ais.getLog(who, id);
      } catch {
        res.write(`event: gone\ndata: ${JSON.stringify({ id })}\n\n`);
        return finish();
      }
      const data = JSON.stringify(log);
      const key = `${log.status}|${log.updateDate.toISOString()}`;
      if (key !== lastSent) {
        lastSent = key;
        res.write(`event: ailog\nid: ${log.id}-${log.status}\ndata: ${data}\n\n`);
      }
      if (log.isFinished) finish();
    });
  };
  // subscribe first, then read: a state published in between is not missed
  unsubscribe = await ais.events.subscribe(id, push);
  if (done) return unsubscribe();
  res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  res.flushHeaders();
  res.write('retry: 3000\n\n');
  timers.heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  push();
  await reading;
}
