// POST /ais as JSON or as a multipart form with a `dataset` CSV file: either way, the service's create input.
import type { Request } from 'express';
import { TooLargeError, ValidationError } from '../errors.js';
import { isMultipart, memorySink, readMultipart } from '../http/multipart.js';
import { compile, fieldErrors } from '../http/schema.js';
import { createForm } from './schemas.js';
import type { AiCreateInput } from './service.js';

const checkForm = compile(createForm, true);

/** The JSON body of POST /ais (createBody). */
export interface CreateJson {
  name: string;
  description?: string;
  dataset?: string;
  features?: readonly string[];
  target?: string;
}

/** The create input from the validated JSON body, or from the multipart form read here (held in memory). */
export async function createInput(req: Request, json: CreateJson, maxBytes: number): Promise<AiCreateInput> {
  if (!isMultipart(req)) {
    return { name: json.name, description: json.description, datasetCsv: json.dataset, features: json.features && [...json.features], target: json.target };
  }
  const form = await readMultipart(
    req,
    memorySink,
    { maxFileBytes: maxBytes, maxFiles: 1, maxTotalBytes: maxBytes, allowedTypes: ['text/plain', 'text/csv'] },
    {
      fileField: 'dataset',
      validate: (fields) => {
        if (!checkForm(fields)) throw ValidationError.of(fieldErrors(checkForm.errors, 'body'));
      },
      tooLarge: () =>
        new TooLargeError('dataset_too_large', `The dataset is larger than ${maxBytes} bytes (AI_DATASET_MAX_BYTES).`, {
          errors: [{ field: 'dataset', in: 'body', code: 'dataset_too_large', message: `dataset must be at most ${maxBytes} bytes` }],
        }),
    },
  );
  const f = form.fields;
  return {
    name: f.name,
    description: f.description,
    datasetCsv: form.files[0]?.data,
    features: f.features?.split(',').map((s) => s.trim()),
    target: f.target,
  };
}
