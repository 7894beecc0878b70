// Load shedding (src/http/overload.ts): real overload, induced by blocking this process's event loop, gets fast
// 503 `overloaded` problems with Retry-After before anything parses or authenticates; /healthz is still served,
// and once the load is gone every request is served again. The in-flight bound refuses what is over it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Server } from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import request from 'supertest';
import { buildApp } from '../../src/app.js';
import type { OverloadGuard } from '../../src/http/overload.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testProvider } from '../helpers/db.js';
import { expectProblem } from '../helpers/auth.js';
import { waitFor } from '../helpers/wait.js';

async function listen(t: TestContext): Promise<{ server: Server; guard: OverloadGuard; port: number }> {
  const app = buildApp(t.ctx);
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return { server, guard: app.locals.overload as OverloadGuard, port: (server.address() as net.AddressInfo).port };
}

async function close(server: Server, guard: OverloadGuard): Promise<void> {
  guard.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** Keeps the event loop busy: 300 ms of synchronous work, a turn of the loop (timers, I/O), again, until stopped. */
function blockTheLoop(): { stop(): Promise<void> } {
  let running = true;
  const done = (async () => {
    while (running) {
      const end = performance.now() + 300;
      while (performance.now() < end) {
        // busy: what a saturated process does
      }
      await new Promise((r) => setImmediate(r));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
    },
  };
}

describe(`load shedding by event-loop delay (${testProvider})`, () => {
  let t: TestContext;
  let server: Server;
  let guard: OverloadGuard;
  beforeAll(async () => {
    t = await createTestContext({ OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '50', OVERLOAD_SAMPLE_MS: '100', OVERLOAD_RETRY_AFTER_SECONDS: '3' });
    ({ server, guard } = await listen(t));
  });
  afterAll(async () => {
    await close(server, guard);
    await t.cleanup();
  });

  it('sheds requests with 503 overloaded while the loop is late, serves /healthz, and recovers', async () => {
    // served before: a malformed body is a 400 (the limit is low enough for this busy process to be over it now
    // and then: wait for a quiet moment)
    const malformed = () => request(server).post('/api/v1/anything').set('Content-Type', 'application/json').send('{"x":');
    const before = await waitFor('requests served', async () => {
      const res = await malformed();
      return res.status !== 503 && res;
    });
    expectProblem(before, 400, 'malformed_json');

    const load = blockTheLoop();
    try {
      // a request queued while the loop is late is refused before its body is parsed...
      const shed = await waitFor('a request shed', async () => {
        const res = await malformed();
        return res.status === 503 && res;
      });
      expectProblem(shed, 503, 'overloaded');
      expect(shed.headers['retry-after']).toBe('3');
      expect(shed.body.requestId).toBe(shed.headers['x-request-id']);
      expect(guard.state().overloaded).toBe(true);
      // ...and before it is authenticated
      expectProblem(await request(server).get('/api/v1/notifications'), 503, 'overloaded');
      // the probes are always served
      const health = await request(server).get('/healthz');
      expect(health.status).toBe(200);
      expect(guard.state().overloaded).toBe(true);
    } finally {
      await load.stop();
    }

    await waitFor('requests served again', async () => (await request(server).get('/api/v1/notifications')).status === 401);
    expect(guard.state().overloaded).toBe(false);
    expect(guard.state().shed).toBeGreaterThanOrEqual(2);
  });
});

describe(`load shedding by requests in flight (${testProvider})`, () => {
  let t: TestContext;
  let server: Server;
  let guard: OverloadGuard;
  let port: number;
  beforeAll(async () => {
    t = await createTestContext({ OVERLOAD_MAX_IN_FLIGHT: '1', OVERLOAD_RETRY_AFTER_SECONDS: '1' });
    ({ server, guard, port } = await listen(t));
  });
  afterAll(async () => {
    await close(server, guard);
    await t.cleanup();
  });

  it('refuses a request over the bound at once and serves again when the one in flight ends', async () => {
    // one request in flight: its body is still coming
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString()));
    socket.write('POST /api/v1/anything HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{"x"');
    await waitFor('the request in flight', () => guard.state().inFlight === 1);

    const shed = await request(server).get('/api/v1/notifications');
    expectProblem(shed, 503, 'overloaded');
    expect(shed.headers['retry-after']).toBe('1');
    expect((await request(server).get('/healthz')).status).toBe(200);

    // the body ends: that request is answered (not shed), and the next one is served
    socket.end(':');
    await waitFor('the first answer', () => answer.includes('\r\n\r\n') && answer);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    await waitFor('nothing in flight', () => guard.state().inFlight === 0);
    expectProblem(await request(server).get('/api/v1/notifications'), 401, 'unauthorized');
    expect(guard.state().shed).toBe(1);
  });
});
