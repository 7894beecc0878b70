// Server A of `npm run bench:chat`: raw uWebSockets.js pub/sub. No auth, no persistence, no validation beyond
// JSON.parse: `join` subscribes the socket to the session's topic, `send` acks the sender and publishes one
// `message` frame to the topic (app.publish, so the sender receives it too, as in the Agora chat). The frames
// are the same JSON as the Agora chat protocol, so the load generator and the scenario are identical. `read`
// (read state) publishes `read {sessionId, userId, messageId}` to the session's other sockets (ws.publish skips the
// sender), at most once per member and session per second as the Agora chat does: a newer marker arriving inside the
// second waits, and the newest goes out at its end. Nothing is stored.
// uWS defaults are kept (maxBackpressure 64 KB: publish skips a subscriber above it; those deliveries show as
// loss in the load generator) except maxPayloadLength, raised to 64 KB. Env: PORT, HOST (127.0.0.1),
// BENCH_UWS_MAX_BACKPRESSURE (bytes).
import { assertNativeUws } from '../../src/chat/uws.js';

interface User {
  id: number;
  /** read state per session: when the last `read` frame went out, and the newest marker waiting */
  reads?: Map<number, { at: number; pending: number; timer: NodeJS.Timeout | null }>;
}
interface ClientFrame {
  type?: string;
  sessionId?: number;
  clientMsgId?: string;
  content?: string;
  messageId?: number;
}

const uws = assertNativeUws();
const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';
const decoder = new TextDecoder();
let nextUser = 0;
let nextMessage = 0;
const closed = new WeakSet<object>();

const app = uws
  .App()
  .get('/healthz', (res) => {
    res.end('ok');
  })
  .ws<User>('/ws', {
    maxPayloadLength: 64 * 1024,
    maxBackpressure: Number(process.env.BENCH_UWS_MAX_BACKPRESSURE ?? 64 * 1024),
    idleTimeout: 120,
    upgrade: (res, req, context) => {
      res.upgrade<User>({ id: ++nextUser }, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
    },
    message: (ws, data) => {
      let f: ClientFrame;
      try {
        f = JSON.parse(decoder.decode(data)) as ClientFrame;
      } catch {
        return;
      }
      if (f.type === 'send' && typeof f.sessionId === 'number') {
        const id = ++nextMessage;
        const createdAt = new Date().toISOString();
        ws.send(JSON.stringify({ v: 1, type: 'ack', clientMsgId: f.clientMsgId, id, createdAt }));
        app.publish(`s${f.sessionId}`, JSON.stringify({ v: 1, type: 'message', sessionId: f.sessionId, id, authorId: ws.getUserData().id, content: f.content, clientMsgId: f.clientMsgId, createdAt }));
      } else if (f.type === 'read' && typeof f.sessionId === 'number' && typeof f.messageId === 'number') {
        const user = ws.getUserData();
        const sessionId = f.sessionId;
        const reads = (user.reads ??= new Map());
        let r = reads.get(sessionId);
        if (!r) reads.set(sessionId, (r = { at: 0, pending: 0, timer: null }));
        if (f.messageId <= r.pending) return;
        r.pending = f.messageId;
        const slot = r;
        const out = () => {
          slot.timer = null;
          slot.at = Date.now();
          if (!closed.has(ws)) ws.publish(`s${sessionId}`, JSON.stringify({ v: 1, type: 'read', sessionId, userId: user.id, messageId: slot.pending }));
        };
        const wait = slot.at + 1000 - Date.now();
        if (wait <= 0) out();
        else slot.timer ??= setTimeout(out, wait);
      } else if (f.type === 'join' && typeof f.sessionId === 'number') {
        ws.subscribe(`s${f.sessionId}`);
        ws.send(JSON.stringify({ v: 1, type: 'joined', sessionId: f.sessionId }));
      }
    },
    close: (ws) => {
      closed.add(ws);
      for (const r of ws.getUserData().reads?.values() ?? []) if (r.timer) clearTimeout(r.timer);
    },
  });

app.listen(host, port, (socket) => {
  if (!socket) {
    process.stderr.write(`server A: cannot listen on ${host}:${port}\n`);
    process.exit(1);
  }
  process.stderr.write(`server A (uWS pub/sub) listening on ${host}:${uws.us_socket_local_port(socket)}\n`);
});
process.on('SIGTERM', () => process.exit(0));
