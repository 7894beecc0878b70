// What the other features, the chat server and the worker use of notifications: the emitter services hand events
// to, the live channel the chat replicas deliver from, and the worker's fan-out.
export { NotificationEmitter, eventKey, queueNotificationEvents, type NotificationEvent } from './events.js';
export { NotificationFanout, mentionedNames } from './fanout.js';
export { notificationChannel, parseLive } from './live.js';
