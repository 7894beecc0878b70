// AI models (create → training is queued; retrain; status, metrics, finish date) and AI logs (read-only),
// through the AI service.
import { ValidationError, type ResourceWithOptions } from 'adminjs';
import type { Context } from '../../src/context.js';
import { viewerOf, form, unflatten, recordChange, recordId, viaService, type Handler } from '../actions.js';
import { DEFAULT_TARGET } from '../../src/ais/model.js';
import { t } from '../locale/index.js';
import { prismaResource } from '../prisma.js';
import type { AdminComponents } from '../components.js';

export async function aisResource(ctx: Context, c: AdminComponents): Promise<ResourceWithOptions> {
  const { ais } = ctx.services;

  const create: Handler = async (request, _response, context) => {
    const { resource, h, currentAdmin } = context;
    if (request.method !== 'post') return {};
    const p = unflatten(request.payload);
    const name = typeof p.name === 'string' ? p.name.trim() : '';
    const description = typeof p.description === 'string' ? p.description : undefined;
    const datasetCsv = typeof p.datasetCsv === 'string' && p.datasetCsv.trim() ? p.datasetCsv : undefined;
    const target = typeof p.target === 'string' && p.target.trim() ? p.target.trim() : undefined;
    const features =
      typeof p.features === 'string' && p.features.trim()
        ? p.features
            .split(',')
            .map((f) => f.trim())
            .filter(Boolean)
        : undefined;
    const input = { name, description, datasetCsv, features, target };
    // the service checks every field (and the dataset against the declared columns); its `dataset` is this form's datasetCsv
    const ai = await viaService(() => ais.create(viewerOf(context), input), { dataset: 'datasetCsv' });
    const record = await resource.findOne(String(ai.id));
    return {
      ...(record ? { record: record.toJSON(currentAdmin) } : {}),
      redirectUrl: h.recordActionUrl({ resourceId: resource.id(), recordId: String(ai.id), actionName: 'show' }),
      notice: { message: t('aiCreated'), type: 'success' },
    };
  };

  const remove: Handler = async (request, _response, context) => {
    const { record, resource, h, currentAdmin } = context;
    if (!record || request.method !== 'post') throw new ValidationError({}, { message: t('deleteNeedsPost') });
    await viaService(() => ais.remove(viewerOf(context), recordId(context)));
    return { record: record.toJSON(currentAdmin), redirectUrl: h.resourceUrl({ resourceId: resource.id() }), notice: { message: t('aiDeleted'), type: 'success' } };
  };

  return {
    resource: await prismaResource(ctx, 'Ai'),
    options: {
      navigation: { name: 'AI', icon: 'Cpu' },
      sort: { sortBy: 'id', direction: 'desc' },
      listProperties: ['id', 'name', 'status', 'isAvailable', 'version', 'finishDate'],
      filterProperties: ['name', 'status', 'isAvailable', 'createDate'],
      showProperties: ['id', 'name', 'description', 'status', 'isAvailable', 'version', 'metrics', 'error', 'createdBy', 'createDate', 'startDate', 'finishDate', 'jobId'],
      editProperties: ['name', 'description', 'datasetCsv', 'target', 'features'],
      properties: {
        status: { components: { list: c.StatusBadge, show: c.StatusBadge } },
        error: { type: 'textarea' },
        metrics: { type: 'mixed', components: { show: c.Metrics } },
        description: { type: 'textarea', isRequired: false },
        datasetCsv: {
          type: 'textarea',
          description: 'datasetCsvHelp',
          custom: { vars: { target: DEFAULT_TARGET } },
          isVisible: { list: false, show: false, filter: false, edit: true },
          components: { edit: c.HelpEdit },
        },
        target: {
          type: 'string',
          description: 'targetHelp',
          custom: { vars: { target: DEFAULT_TARGET } },
          isVisible: { list: false, show: false, filter: false, edit: true },
          components: { edit: c.HelpEdit },
        },
        features: {
          type: 'string',
          description: 'featuresHelp',
          isVisible: { list: false, show: false, filter: false, edit: true },
          components: { edit: c.HelpEdit },
        },
      },
      actions: {
        new: { handler: create },
        edit: { isAccessible: false },
        bulkDelete: { isAccessible: false },
        delete: { handler: remove, guard: 'confirmDeleteAi' },
        train: {
          actionType: 'record',
          icon: 'Play',
          component: c.ActionForm,
          custom: form({ form: 'confirm', message: 'trainHelp', submitLabel: 'trainSubmit' }),
          handler: recordChange(async (_request, context) => {
            await ais.train(viewerOf(context), recordId(context));
            return t('trainingQueued');
          }),
        },
      },
    },
  };
}

export async function aiLogsResource(ctx: Context, c: AdminComponents): Promise<ResourceWithOptions> {
  return {
    resource: await prismaResource(ctx, 'AiLog'),
    options: {
      navigation: { name: 'AI', icon: 'Cpu' },
      sort: { sortBy: 'id', direction: 'desc' },
      listProperties: ['id', 'ai', 'user', 'status', 'createDate', 'finishDate'],
      filterProperties: ['ai', 'user', 'status', 'createDate'],
      showProperties: ['id', 'ai', 'user', 'status', 'input', 'result', 'error', 'isFinished', 'createDate', 'startDate', 'finishDate', 'jobId', 'resultDocId'],
      properties: {
        status: { components: { list: c.StatusBadge, show: c.StatusBadge } },
        input: { type: 'mixed', components: { show: c.JsonValue } },
        result: { type: 'mixed', components: { show: c.JsonValue } },
        error: { type: 'textarea' },
      },
      actions: { new: { isAccessible: false }, edit: { isAccessible: false }, delete: { isAccessible: false }, bulkDelete: { isAccessible: false } },
    },
  };
}
