// POST /ais as JSON or as a multipart form with a `dataset` CSV file: either way, the service's create input.
import busboy from 'busboy';
import type { Request } from 'express';
import { BadRequestError, PayloadTooLargeError, ValidationError, type AppError } from '../errors.js';
import { compile, fieldErrors } from '../http/schema.js';
import { createForm } from './schemas.js';
import type { AiCreateInput } from './service.js';

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
      if (info.valueTruncated) fail(ValidationError.of([{ field: name, in: 'body', code: 'too_long', message: `${name} is too long` }]));
      form.fields[name] = value;
    });
    bb.on('file', (name, stream) => {
      if (name !== 'dataset') {
        fail(ValidationError.of([{ field: name, in: 'body', code: 'unknown_field', message: `${name} is not an accepted file field (use dataset)` }]));
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () =>
        fail(
          new PayloadTooLargeError('dataset_too_large', `The dataset is larger than ${maxBytes} bytes (AI_DATASET_MAX_BYTES).`, {
            errors: [{ field: 'dataset', in: 'body', code: 'dataset_too_large', message: `dataset must be at most ${maxBytes} bytes` }],
          }),
        ),
      );
      stream.on('end', () => {
        form.dataset = Buffer.concat(chunks);
      });
    });
    bb.on('filesLimit', () => fail(ValidationError.of([{ field: 'dataset', in: 'body', code: 'too_many_files', message: 'send one dataset file' }])));
    bb.on('fieldsLimit', () => fail(new BadRequestError('too_many_fields', 'The form has too many fields.')));
    bb.on('partsLimit', () => fail(new BadRequestError('too_many_fields', 'The form has too many parts.')));
    bb.on('error', () => reject(new BadRequestError('malformed_multipart', 'The multipart body is not valid.')));
    bb.on('close', () => (failed ? reject(failed) : resolve(form)));
    req.pipe(bb);
  });
}

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
  if (!req.is('multipart/form-data')) {
    return { name: json.name, description: json.description, datasetCsv: json.dataset, features: json.features && [...json.features], target: json.target };
  }
  const form = await readForm(req, maxBytes);
  if (!checkForm(form.fields)) throw ValidationError.of(fieldErrors(checkForm.errors, 'body'));
  const f = form.fields;
  return {
    name: f.name,
    description: f.description,
    datasetCsv: form.dataset,
    features: f.features?.split(',').map((s) => s.trim()),
    target: f.target,
  };
}
