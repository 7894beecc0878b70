// What the notifications service accepts and answers, as JSON Schemas: the service validates its input with them,
// whoever calls it, and the routes declare the same schemas (validation at the edge and the OpenAPI document).

/** The kinds of notification; each may be turned off by its member (off: none of that kind is created). */
export const notificationTypes = ['comment', 'mention', 'moderation', 'chat_added', 'prediction', 'training', 'like', 'report'] as const;
export type NotificationType = (typeof notificationTypes)[number];

/** What a notification is about. */
export const targetTypes = ['post', 'comment', 'chat_message', 'chat_session', 'ailog', 'ai', 'report'] as const;
export type TargetType = (typeof targetTypes)[number];

export const notificationListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    unread: { type: 'boolean', default: false, description: 'only the unread ones' },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    cursor: { type: 'string', minLength: 1, maxLength: 200, description: 'from the previous page’s nextCursor' },
  },
} as const;

export const markReadBody = {
  type: 'object',
  additionalProperties: false,
  description: 'either `ids` (at most 500) or `all: true`',
  oneOf: [
    { type: 'object', required: ['ids'], properties: { ids: { type: 'array', minItems: 1, maxItems: 500, uniqueItems: true, items: { type: 'integer', minimum: 1 } } } },
    { type: 'object', required: ['all'], properties: { all: { const: true } } },
  ],
  properties: { ids: { type: 'array', items: { type: 'integer' } }, all: { type: 'boolean' } },
} as const;

const settingsProperties = Object.fromEntries(notificationTypes.map((t) => [t, { type: 'boolean' }])) as Record<NotificationType, { type: 'boolean' }>;

/** Each type on (true) or off (false); a PUT may name only some of them. */
export const notificationSettingsBody = { type: 'object', additionalProperties: false, minProperties: 1, properties: settingsProperties } as const;
export const notificationSettingsSchema = { type: 'object', additionalProperties: false, required: [...notificationTypes], properties: settingsProperties } as const;

export const notificationSchema = {
  type: 'object',
  required: ['id', 'type', 'createdAt', 'readAt', 'actor', 'target', 'text', 'data'],
  properties: {
    id: { type: 'integer' },
    type: { enum: [...notificationTypes] },
    createdAt: { type: 'string', format: 'date-time' },
    readAt: { type: ['string', 'null'], format: 'date-time' },
    actor: { oneOf: [{ type: 'null' }, { type: 'object', required: ['id', 'name'], properties: { id: { type: 'integer' }, name: { type: 'string' } } }] },
    target: { type: 'object', required: ['type', 'id'], properties: { type: { enum: [...targetTypes] }, id: { type: 'integer' } } },
    text: { type: 'string' },
    data: { type: 'object', description: 'what a client needs to link to the target (postId, boardId, sessionId, aiId…) and, by type, count or status' },
  },
} as const;

export const unreadCountSchema = { type: 'object', required: ['unreadCount'], properties: { unreadCount: { type: 'integer', minimum: 0 } } } as const;

export const notificationPageSchema = {
  type: 'object',
  required: ['items', 'nextCursor', 'unreadCount'],
  properties: { items: { type: 'array', items: notificationSchema }, nextCursor: { type: ['string', 'null'] }, unreadCount: { type: 'integer', minimum: 0 } },
} as const;
