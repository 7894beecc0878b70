// AI models and predictions over HTTP. Routes parse and authorize; AisService decides. Training and
// predicting are asynchronous: the POSTs answer 202 with the row in status `queued`; GET polls it, and
// GET /ailogs/:id/events streams its final state (Server-Sent Events) as soon as the worker publishes it.
import type { Request } from 'express';
import type { Guards } from '../auth/guards.js';
import type { Context } from '../context.js';
import type { ApiRouter } from '../http/api.js';
import { paginationQuery } from '../http/pagination.js';
import { createInput } from './form.js';
import { aiLogSchema, aiParams, aiPatchBody, aiSchema, createBody, createForm, int, logParams, page, predictBody, status } from './schemas.js';
import type { AiListQuery, AiLogListQuery, AiPatch, PredictBody } from './service.js';
import { streamLog } from './stream.js';

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
      permission: 'ai.manage',
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
    {
      method: 'get',
      path: '/ais/:aiId',
      operationId: 'getAi',
      summary: 'A model (404 when the caller may not see it)',
      tags: ['ai'],
      auth: true,
      params: aiParams,
      responses: { 200: { description: 'Model', schema: aiSchema } },
    },
    auth,
    async (req, res) => res.json(await ais.get(viewer(req), aiId(req))),
  );

  api.route(
    {
      method: 'patch',
      path: '/ais/:aiId',
      operationId: 'updateAi',
      permission: 'ai.manage',
      summary: 'Rename, describe, hide/show or disable/enable a model (admin)',
      tags: ['ai'],
      auth: true,
      params: aiParams,
      body: aiPatchBody,
      responses: { 200: { description: 'Updated', schema: aiSchema } },
    },
    auth,
    async (req, res) => res.json(await ais.update(viewer(req), aiId(req), req.body as AiPatch)),
  );

  api.route(
    {
      method: 'delete',
      path: '/ais/:aiId',
      operationId: 'deleteAi',
      permission: 'ai.manage',
      summary: 'Delete a model, its logs, its queued jobs and its artifacts (admin)',
      tags: ['ai'],
      auth: true,
      params: aiParams,
      responses: { 204: { description: 'Deleted' } },
    },
    auth,
    async (req, res) => {
      await ais.remove(viewer(req), aiId(req));
      res.status(204).end();
    },
  );

  api.route(
    {
      method: 'post',
      path: '/ais/:aiId/train',
      operationId: 'trainAi',
      permission: 'ai.manage',
      summary: 'Queue a new training (admin); 409 while one is queued or running',
      tags: ['ai'],
      auth: true,
      params: aiParams,
      responses: { 202: { description: 'Training queued', schema: aiSchema } },
    },
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
    {
      method: 'get',
      path: '/ailogs/:id',
      operationId: 'getAiLog',
      summary: 'A prediction (owner or admin): status, and the result once finished',
      tags: ['ai'],
      auth: true,
      params: logParams,
      responses: { 200: { description: 'AiLog', schema: aiLogSchema } },
    },
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
    {
      method: 'delete',
      path: '/ailogs/:id',
      operationId: 'deleteAiLog',
      summary: 'Delete a prediction (owner or admin); a queued job is cancelled',
      tags: ['ai'],
      auth: true,
      params: logParams,
      responses: { 204: { description: 'Deleted' } },
    },
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
    async (req, res) => streamLog(ctx, req, res, logId(req)),
  );
}
