// The JSON Schemas of the AI routes: request bodies, parameters and the documented responses (OpenAPI).
export const int = { type: 'integer', minimum: 1 } as const;
export const date = { type: ['string', 'null'], format: 'date-time' } as const;
export const status = { enum: ['queued', 'running', 'succeeded', 'failed'] } as const;
export const aiSchema = {
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
} as const;
export const aiLogSchema = {
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
} as const;
export const page = (items: object) => ({ type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items }, nextCursor: { type: ['string', 'null'] } } });
export const aiParams = { type: 'object', required: ['aiId'], properties: { aiId: int } } as const;
export const logParams = { type: 'object', required: ['id'], properties: { id: int } } as const;
export const nameSchema = { type: 'string', minLength: 1, maxLength: 64, pattern: '\\S', description: 'name must have a visible character (at most 64)' } as const;
export const descriptionSchema = { type: 'string', maxLength: 256 } as const;
export const columnSchema = { type: 'string', minLength: 1, maxLength: 64 } as const;
export const row = { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'number' } } as const;

/** The declared columns of an uploaded dataset (without them: target `y`, every other column a feature). */
export const featuresSchema = { type: 'array', minItems: 1, maxItems: 1000, items: columnSchema, description: 'feature columns of the dataset, in input order (default: all but the target)' } as const;
export const targetSchema = { ...columnSchema, description: 'target column of the dataset (default y)' } as const;

/** A model's own fields, as the service checks them whoever calls (REST, admin panel). */
const aiFields = { name: nameSchema, description: descriptionSchema, isVisible: { type: 'boolean' }, isAvailable: { type: 'boolean' } } as const;
/** A new model, as the service checks it whoever calls: its fields and the dataset's declared columns. */
export const aiNewFields = { type: 'object', required: ['name'], properties: { name: nameSchema, description: descriptionSchema, features: featuresSchema, target: targetSchema } } as const;
export const aiPatchBody = { type: 'object', additionalProperties: false, minProperties: 1, properties: aiFields } as const;

export const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: nameSchema,
    description: descriptionSchema,
    dataset: { type: 'string', minLength: 1, description: 'CSV text with a header (default columns x0..xN and y); multipart: a file part `dataset`' },
    features: featuresSchema,
    target: targetSchema,
  },
} as const;
/** The same fields as text parts of a multipart form (features comma-separated). */
export const createForm = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: nameSchema, description: descriptionSchema, features: { type: 'string', minLength: 1, maxLength: 65_536 }, target: columnSchema },
} as const;
export const predictBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    input: { ...row, description: 'one row: a number per feature' },
    inputs: { type: 'array', minItems: 1, items: row, description: 'a batch of rows (at most AI_BATCH_LIMIT)' },
  },
} as const;
