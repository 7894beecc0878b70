// Server B of `npm run bench:chat`: the `ws` package on node:http with manual fan-out. Same frames and the same
// work per message as server A (JSON.parse, an ack to the sender, one `message` frame to every member of the
// session, the sender included); the frame is encoded once and the Buffer is sent to each member. No auth,
// no persistence. `ws` has no send-buffer limit: a slow receiver makes the process buffer without bound.
// permessage-deflate is off (as in A and the Agora chat). `read` (read state) sends `read {sessionId, userId,
// messageId}` to the session's other members, at most once per member and session per second as A and the Agora chat
// do (a newer marker inside the second waits; the newest goes out at its end); nothing is stored. Env: PORT, HOST
// (127.0.0.1).
import http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

interface ClientFrame {
  type?: string;
  sessionId?: number;
  clientMsgId?: string;
  content?: string;
  messageId?: number;
}

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';
const rooms = new Map<number, Set<WebSocket>>();
let nextUser = 0;
let nextMessage = 0;

const server = http.createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404).end(req.url === '/healthz' ? 'ok' : '');
});
const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false, maxPayload: 64 * 1024 });

wss.on('connection', (ws) => {
  const userId = ++nextUser;
  const joined = new Set<number>();
  const reads = new Map<number, { at: number; pending: number; timer: NodeJS.Timeout | null }>();
  ws.on('message', (data: Buffer) => {
    let f: ClientFrame;
    try {
      f = JSON.parse(data.toString('utf8')) as ClientFrame;
    } catch {
      return;
    }
    if (f.type === 'send' && typeof f.sessionId === 'number') {
      const id = ++nextMessage;
      const createdAt = new Date().toISOString();
      ws.send(JSON.stringify({ v: 1, type: 'ack', clientMsgId: f.clientMsgId, id, createdAt }));
      const members = rooms.get(f.sessionId);
      if (!members) return;
      const frame = Buffer.from(JSON.stringify({ v: 1, type: 'message', sessionId: f.sessionId, id, authorId: userId, content: f.content, clientMsgId: f.clientMsgId, createdAt }));
      for (const m of members) m.send(frame, { binary: false });
    } else if (f.type === 'read' && typeof f.sessionId === 'number' && typeof f.messageId === 'number') {
      const sessionId = f.sessionId;
      let r = reads.get(sessionId);
      if (!r) reads.set(sessionId, (r = { at: 0, pending: 0, timer: null }));
      if (f.messageId <= r.pending) return;
      r.pending = f.messageId;
      const slot = r;
      const out = () => {
        slot.timer = null;
        slot.at = Date.now();
        const members = rooms.get(sessionId);
        if (!members || ws.readyState !== ws.OPEN) return;
        const frame = Buffer.from(JSON.stringify({ v: 1, type: 'read', sessionId, userId, messageId: slot.pending }));
        for (const m of members) if (m !== ws) m.send(frame, { binary: false });
      };
      const wait = slot.at + 1000 - Date.now();
      if (wait <= 0) out();
      else slot.timer ??= setTimeout(out, wait);
    } else if (f.type === 'join' && typeof f.sessionId === 'number') {
      let members = rooms.get(f.sessionId);
      if (!members) rooms.set(f.sessionId, (members = new Set()));
      members.add(ws);
      joined.add(f.sessionId);
      ws.send(JSON.stringify({ v: 1, type: 'joined', sessionId: f.sessionId }));
    }
  });
  ws.on('close', () => {
    for (const r of reads.values()) if (r.timer) clearTimeout(r.timer);
    for (const s of joined) {
      const members = rooms.get(s);
      members?.delete(ws);
      if (members?.size === 0) rooms.delete(s);
    }
  });
});

server.listen(port, host, () => {
  process.stderr.write(`server B (ws fan-out) listening on ${host}:${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
