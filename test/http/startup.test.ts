// The start-up line names what a newcomer opens first, at the address the api listens on.
import { describe, expect, it } from '@jest/globals';
import { localOrigin, startupMessage } from '../../src/api-server.js';

describe('start-up line', () => {
  it('names the admin panel, the API docs and the health endpoints', () => {
    const line = startupMessage(localOrigin('0.0.0.0', 4100), '; chat on port 4101');
    expect(line).toBe('Agora is up: http://localhost:4100/admin (admin panel), http://localhost:4100/docs (API docs), /healthz, /readyz; chat on port 4101');
  });

  it('uses the bound host unless the api listens on every interface', () => {
    expect(localOrigin('::', 3000)).toBe('http://localhost:3000');
    expect(localOrigin('127.0.0.1', 3000)).toBe('http://127.0.0.1:3000');
    expect(localOrigin('::1', 3000)).toBe('http://[::1]:3000');
  });
});
