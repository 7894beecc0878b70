// Prometheus metrics of one chat server (GET /metrics on the chat port), in a registry of its own so that two
// servers in one process (tests, `npm start`) never share or clash.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createChatMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'agora_chat_process_' });
  return {
    registry,
    connections: new Gauge({ name: 'agora_chat_connections', help: 'Open WebSocket connections', registers: [registry] }),
    connectionsOpened: new Counter({ name: 'agora_chat_connections_opened_total', help: 'WebSocket connections opened', registers: [registry] }),
    upgradesRefused: new Counter({
      name: 'agora_chat_upgrades_refused_total',
      help: 'Upgrade requests refused (no or bad ticket, shutting down)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    messagesIn: new Counter({ name: 'agora_chat_messages_in_total', help: 'Frames received from clients, by type (invalid ones as "invalid")', labelNames: ['type'] as const, registers: [registry] }),
    messagesOut: new Counter({ name: 'agora_chat_messages_out_total', help: 'Frames sent to clients (a frame published to a session counts once per local subscriber)', registers: [registry] }),
    messagesStored: new Counter({ name: 'agora_chat_messages_stored_total', help: 'Chat messages committed to the database', registers: [registry] }),
    writeFailures: new Counter({ name: 'agora_chat_write_failures_total', help: 'Messages that could not be stored (the sender got an error)', registers: [registry] }),
    flushBatchSize: new Histogram({
      name: 'agora_chat_flush_batch_size',
      help: 'Messages per group-commit flush',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
      registers: [registry],
    }),
    flushLatency: new Histogram({
      name: 'agora_chat_flush_duration_seconds',
      help: 'Duration of a group-commit flush (one transaction)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    slowConsumersDropped: new Counter({
      name: 'agora_chat_slow_consumers_dropped_total',
      help: 'Sockets closed (4008) because their send buffer exceeded CHAT_MAX_BACKPRESSURE_BYTES',
      registers: [registry],
    }),
    abusiveClosed: new Counter({ name: 'agora_chat_abusive_closed_total', help: 'Sockets closed (1008) after CHAT_MAX_INVALID_FRAMES invalid frames', registers: [registry] }),
    revokedClosed: new Counter({ name: 'agora_chat_revoked_closed_total', help: 'Sockets closed (4001) because the user was banned or their sessions revoked', registers: [registry] }),
    rateLimited: new Counter({
      name: 'agora_chat_rate_limited_total',
      help: 'Frames refused by a rate limit, by type (send: per user; the others: per socket)',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    relayed: new Counter({ name: 'agora_chat_relayed_in_total', help: 'Frames received from other replicas through Redis', registers: [registry] }),
  };
}

export type ChatMetrics = ReturnType<typeof createChatMetrics>;
