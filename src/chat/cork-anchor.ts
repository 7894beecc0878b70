// uWS wants the writes of an upgrade that completes after an await (the ticket check) made inside res.cork(), or it
// prints a warning on stderr for each. But in this build res.cork() around an upgrade may shut the new WebSocket
// down right after `open` (a 1006 to the client; about 1 socket in 50 in the MariaDB chat suite): after the
// callback, cork() reads the HTTP state from memory that now belongs to the WebSocket (the adopt's realloc kept the
// address) and closes the connection if a "Connection: close" bit happens to be set there (uNetworking/uWebSockets
// #1929, fixed upstream after the last build we can install). When another socket holds the cork, res.cork() only
// calls its callback (which counts as corked for the warning) and never runs that code.
//
// So every replica keeps one socket of its own to hold the cork: a loopback WebSocket it opens to itself at start
// (the anchor). Its upgrade is recognised by a per-process secret header and done synchronously inside the upgrade
// handler, the path uWS handles itself; it is not a client (not counted, never joins), and it is opened again if it
// drops. Should it be missing, any other open socket holds the cork, and with none the upgrade runs uncorked.
import crypto from 'node:crypto';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import WebSocket from 'ws';
import type { Logger } from '../platform/logger.js';
import type { ChatSocket, SocketData } from './connection.js';
import type { ConnectionRegistry } from './connections.js';

const HEADER = 'x-agora-cork-anchor';
/** The anchor's connection number: clients' numbers start at 1. */
const ANCHOR_CONN = 0;
const OPEN_TIMEOUT_MS = 10_000;
const REOPEN_DELAY_MS = 1_000;

export const isCorkAnchor = (data: SocketData): boolean => data.conn === ANCHOR_CONN;

export class CorkAnchor {
  private readonly secret = crypto.randomBytes(32).toString('base64url');
  private server: ChatSocket | null = null;
  private client: WebSocket | null = null;
  private url: string | null = null;
  private closed = false;

  constructor(
    private readonly connections: ConnectionRegistry,
    private readonly log: Logger,
  ) {}

  /** Whether an upgrade request is this replica's own anchor (checked before anything else in the upgrade). */
  isAnchorRequest(req: HttpRequest): boolean {
    const given = req.getHeader(HEADER);
    return given.length === this.secret.length && crypto.timingSafeEqual(Buffer.from(given), Buffer.from(this.secret));
  }

  /** The anchor's socket data (SocketData with no user rights: it never joins nor sends). */
  socketData(): SocketData {
    return { conn: ANCHOR_CONN, user: { id: 0, role: 'user' }, sessions: [], joining: null, invalid: 0, closed: false, replies: false, limits: null };
  }

  opened(ws: ChatSocket): void {
    this.server = ws;
  }

  dropped(ws: ChatSocket): void {
    if (this.server !== ws) return;
    this.server = null;
    if (!this.closed) setTimeout(() => void this.connect(), REOPEN_DELAY_MS).unref();
  }

  /** Connects to this replica's /ws on the address it listens on; resolves once open (or after logging why not). */
  async open(host: string, port: number): Promise<void> {
    const loopback = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
    this.url = `ws://${loopback.includes(':') ? `[${loopback}]` : loopback}:${port}/ws`;
    await this.connect();
  }

  /** Runs an upgrade that completes after an await while a socket of this replica holds the cork (see above). */
  upgradeCorked(res: HttpResponse, upgrade: () => void): void {
    const host = this.server && !this.server.getUserData().closed ? this.server : this.connections.any();
    if (host) host.cork(() => res.cork(upgrade));
    else upgrade();
  }

  close(): void {
    this.closed = true;
    this.client?.terminate();
    this.client = null;
  }

  private connect(): Promise<void> {
    if (this.closed || !this.url) return Promise.resolve();
    const client = new WebSocket(this.url, { headers: { [HEADER]: this.secret }, handshakeTimeout: OPEN_TIMEOUT_MS });
    this.client = client;
    client.on('message', () => undefined);
    return new Promise<void>((resolve) => {
      client.once('open', () => resolve());
      client.once('error', (e: Error) => {
        this.log.warn({ err: e.message }, 'chat: could not open the cork anchor; upgrades borrow a client socket’s cork meanwhile');
        resolve();
      });
      client.once('close', () => {
        resolve();
        if (this.client === client) this.client = null;
      });
    });
  }
}
