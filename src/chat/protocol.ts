// Client → server frames of the chat protocol (docs/chat-protocol.md): JSON text frames `{"v":1,"type":…}`, each
// type validated by its own ajv JSON Schema. parseFrame() turns raw bytes into a typed frame or a protocol error.
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Ref } from './frames.js';

export type ClientFrame =
  | { v: 1; type: 'join'; sessionId: number; after?: number; ref?: Ref }
  | { v: 1; type: 'leave'; sessionId: number; ref?: Ref }
  | { v: 1; type: 'send'; sessionId: number; clientMsgId: string; content: string }
  | { v: 1; type: 'edit'; sessionId: number; id: number; content: string; ref?: Ref }
  | { v: 1; type: 'delete'; sessionId: number; id: number; ref?: Ref }
  | { v: 1; type: 'history'; sessionId: number; before?: number; limit: number; ref?: Ref }
  | { v: 1; type: 'typing'; sessionId: number }
  | { v: 1; type: 'read'; sessionId: number; messageId: number; ref?: Ref }
  | { v: 1; type: 'ping'; ref?: Ref };

export type FrameType = ClientFrame['type'];

export interface ProtocolError {
  code: 'malformed_json' | 'invalid_frame' | 'unknown_type' | 'unsupported_version';
  message: string;
  clientMsgId?: string;
  ref?: Ref;
}

const id = { type: 'integer', minimum: 1, maximum: 2147483647 };
const ref = { type: ['string', 'integer'], maxLength: 64 };
const base = { v: { const: 1 }, type: { type: 'string' }, ref };

/** The JSON Schemas of the client frames; `content` is limited to `maxMessageLength` characters. */
export function clientFrameSchemas(maxMessageLength: number): Record<FrameType, Record<string, unknown>> {
  const content = { type: 'string', minLength: 1, maxLength: maxMessageLength, pattern: '\\S' };
  const frame = (required: string[], properties: Record<string, unknown>) => ({
    type: 'object',
    additionalProperties: false,
    required: ['v', 'type', ...required],
    properties: { ...base, ...properties },
  });
  return {
    join: frame(['sessionId'], { sessionId: id, after: { type: 'integer', minimum: 0, maximum: 2147483647 } }),
    leave: frame(['sessionId'], { sessionId: id }),
    send: frame(['sessionId', 'clientMsgId', 'content'], { sessionId: id, clientMsgId: { type: 'string', minLength: 1, maxLength: 64 }, content }),
    edit: frame(['sessionId', 'id', 'content'], { sessionId: id, id, content }),
    delete: frame(['sessionId', 'id'], { sessionId: id, id }),
    history: frame(['sessionId'], { sessionId: id, before: id, limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 } }),
    typing: frame(['sessionId'], { sessionId: id }),
    read: frame(['sessionId', 'messageId'], { sessionId: id, messageId: id }),
    ping: frame([], {}),
  };
}

function describe(errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (!e) return 'the frame is not valid';
  const field = e.instancePath.slice(1).replace(/\//g, '.');
  if (e.keyword === 'required') return `${e.params.missingProperty as string} is required`;
  if (e.keyword === 'additionalProperties') return `${e.params.additionalProperty as string} is not an accepted field`;
  if (e.keyword === 'pattern' && field === 'content') return 'content must have a visible character';
  return `${field || 'the frame'} ${e.message ?? 'is invalid'}`;
}

export class FrameParser {
  private readonly validators: Record<string, ValidateFunction>;

  constructor(maxMessageLength: number) {
    const ajv = new Ajv2020({ allErrors: false, useDefaults: true, coerceTypes: false, strict: true, allowUnionTypes: true });
    this.validators = Object.fromEntries(Object.entries(clientFrameSchemas(maxMessageLength)).map(([type, schema]) => [type, ajv.compile(schema)]));
  }

  /** A typed frame, or the error to answer with. */
  parse(text: string): { frame: ClientFrame; error?: undefined } | { error: ProtocolError; frame?: undefined } {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return { error: { code: 'malformed_json', message: 'The frame is not valid JSON.' } };
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { error: { code: 'invalid_frame', message: 'A frame is a JSON object with "v" and "type".' } };
    const obj = raw as Record<string, unknown>;
    const validate = obj.v === 1 && typeof obj.type === 'string' && Object.hasOwn(this.validators, obj.type) ? this.validators[obj.type] : undefined;
    if (validate?.(obj)) return { frame: obj as unknown as ClientFrame };
    // errors echo the frame's clientMsgId and ref, when they are usable, so that the client can match them
    const echo = {
      ...(typeof obj.clientMsgId === 'string' && obj.clientMsgId.length <= 64 ? { clientMsgId: obj.clientMsgId } : {}),
      ...((typeof obj.ref === 'string' && obj.ref.length <= 64) || Number.isInteger(obj.ref) ? { ref: obj.ref as Ref } : {}),
    };
    if (obj.v !== 1) return { error: { code: 'unsupported_version', message: 'This server speaks version 1 of the protocol ("v":1).', ...echo } };
    if (!validate) return { error: { code: 'unknown_type', message: `Unknown frame type ${JSON.stringify(obj.type ?? null)}.`, ...echo } };
    return { error: { code: 'invalid_frame', message: describe(validate.errors), ...echo } };
  }
}
