// AI models and predictions over HTTP. Routes parse and authorize; AisService decides. Training and
// predicting are asynchronous: the POSTs answer 202 with the row in status `queued`; GET polls it, and
// GET /ailogs/:id/events streams its final state (Server-Sent Events) as soon as the worker publishes it.
import type { Context } from '../context.js';
import { accepted, noContent, ok, STREAMED, type ApiRouter } from '../http/api.js';
import { paginationQuery } from '../http/pagination.js';
import { createInput } from './form.js';
import { aiLogSchema, aiParams, aiPatchBody, aiSchema, createBody, createForm, int, logParams, page, predictBody, status } from './schemas.js';
import { streamLog } from './stream.js';

export function registerAiRoutes(api: ApiRouter, ctx: Context): void {
  const { ais } = ctx.services;

  api
    .route({
      method: 'get',
      path: '/ais',
      operationId: 'listAis',
      summary: 'AI models, newest first (members: visible and available ones only)',
      tags: ['ai'],
      auth: 'required',
      query: { type: 'object', additionalProperties: false, properties: { ...paginationQuery, status } },
      responses: { 200: { description: 'A page of models', schema: page(aiSchema) } },
    })
    .handle(async ({ viewer, query }) => ok(await ais.list(viewer, query)));

  api
    .route({
      method: 'post',
      path: '/ais',
      operationId: 'createAi',
      permission: 'ai.manage',
      summary: 'Create a model and queue its training (admin). JSON, or multipart with a `dataset` CSV file; 202 with status queued',
      tags: ['ai'],
      auth: 'required',
      body: createBody,
      multipart: { fileField: 'dataset', single: true, form: createForm, fileType: 'text/csv', inMemory: true },
      idempotent: true,
      responses: { 202: { description: 'Created; training queued', schema: aiSchema } },
    })
    .handle(async ({ viewer, body, req }) => {
      const ai = await ais.create(viewer, await createInput(req, body, ctx.config.ai.datasetMaxBytes));
      return accepted(ai, `/ais/${ai.id}`);
    });

  api
    .route({
      method: 'get',
      path: '/ais/:aiId',
      operationId: 'getAi',
      summary: 'A model (404 when the caller may not see it)',
      tags: ['ai'],
      auth: 'required',
      params: aiParams,
      responses: { 200: { description: 'Model', schema: aiSchema } },
    })
    .handle(async ({ viewer, params }) => ok(await ais.get(viewer, params.aiId)));

  api
    .route({
      method: 'patch',
      path: '/ais/:aiId',
      operationId: 'updateAi',
      permission: 'ai.manage',
      summary: 'Rename, describe, hide/show or disable/enable a model (admin)',
      tags: ['ai'],
      auth: 'required',
      params: aiParams,
      body: aiPatchBody,
      responses: { 200: { description: 'Updated', schema: aiSchema } },
    })
    .handle(async ({ viewer, params, body }) => ok(await ais.update(viewer, params.aiId, body)));

  api
    .route({
      method: 'delete',
      path: '/ais/:aiId',
      operationId: 'deleteAi',
      permission: 'ai.manage',
      summary: 'Delete a model, its logs, its queued jobs and its artifacts (admin)',
      tags: ['ai'],
      auth: 'required',
      params: aiParams,
      responses: { 204: { description: 'Deleted' } },
    })
    .handle(async ({ viewer, params }) => {
      await ais.remove(viewer, params.aiId);
      return noContent();
    });

  api
    .route({
      method: 'post',
      path: '/ais/:aiId/train',
      operationId: 'trainAi',
      permission: 'ai.manage',
      summary: 'Queue a new training (admin); 409 while one is queued or running',
      tags: ['ai'],
      auth: 'required',
      params: aiParams,
      responses: { 202: { description: 'Training queued', schema: aiSchema } },
    })
    .handle(async ({ viewer, params }) => accepted(await ais.train(viewer, params.aiId)));

  api
    .route({
      method: 'post',
      path: '/ais/:aiId/ailogs',
      operationId: 'predict',
      summary: 'Ask for a prediction: `{input: [x0, …]}` or a batch `{inputs: [[…], …]}`; 202 with the AiLog (queued)',
      tags: ['ai'],
      auth: 'required',
      params: aiParams,
      body: predictBody,
      idempotent: true,
      responses: { 202: { description: 'Queued', schema: aiLogSchema } },
    })
    .handle(async ({ viewer, params, body }) => {
      const log = await ais.predict(viewer, params.aiId, body);
      return accepted(log, `/ailogs/${log.id}`);
    });

  api
    .route({
      method: 'get',
      path: '/ais/:aiId/ailogs',
      operationId: 'listAiLogs',
      summary: 'Predictions of a model, newest first: my own (admins: everyone’s, or `userId`’s)',
      tags: ['ai'],
      auth: 'required',
      params: aiParams,
      query: { type: 'object', additionalProperties: false, properties: { ...paginationQuery, status, userId: int } },
      responses: { 200: { description: 'A page of logs', schema: page(aiLogSchema) } },
    })
    .handle(async ({ viewer, params, query }) => ok(await ais.listLogs(viewer, params.aiId, query)));

  api
    .route({
      method: 'get',
      path: '/ailogs/:id',
      operationId: 'getAiLog',
      summary: 'A prediction (owner or admin): status, and the result once finished',
      tags: ['ai'],
      auth: 'required',
      params: logParams,
      responses: { 200: { description: 'AiLog', schema: aiLogSchema } },
    })
    .handle(async ({ viewer, params }) => ok(await ais.getLog(viewer, params.id)));

  api
    .route({
      method: 'patch',
      path: '/ailogs/:id',
      operationId: 'updateAiLog',
      summary: 'Ask again with a new `input` or `inputs` (owner or admin): the log is queued again; 409 while it runs',
      tags: ['ai'],
      auth: 'required',
      params: logParams,
      body: predictBody,
      responses: { 202: { description: 'Queued again', schema: aiLogSchema } },
    })
    .handle(async ({ viewer, params, body }) => accepted(await ais.updateLog(viewer, params.id, body)));

  api
    .route({
      method: 'delete',
      path: '/ailogs/:id',
      operationId: 'deleteAiLog',
      summary: 'Delete a prediction (owner or admin); a queued job is cancelled',
      tags: ['ai'],
      auth: 'required',
      params: logParams,
      responses: { 204: { description: 'Deleted' } },
    })
    .handle(async ({ viewer, params }) => {
      await ais.removeLog(viewer, params.id);
      return noContent();
    });

  api
    .route({
      method: 'get',
      path: '/ailogs/:id/events',
      operationId: 'streamAiLog',
      summary: 'Server-Sent Events: `ailog` events with the log’s state; the stream ends after the final one (sent at once if already finished)',
      tags: ['ai'],
      auth: 'required',
      params: logParams,
      responses: { 200: { description: 'event: ailog, data: the AiLog as JSON', contentType: 'text/event-stream', schema: { type: 'string' } } },
    })
    .handle(async ({ params, req, res }) => {
      await streamLog(ctx, req, res, params.id);
      return STREAMED;
    });
}
