import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import crypto from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { LocalStorage, ObjectNotFoundError, StorageKeyError, StorageLimitError, randomObjectName } from '../../src/platform/storage.js';

const root = () => fs.mkdtempSync(path.join(os.tmpdir(), 'agora-storage-'));
const files = (dir: string) =>
  fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)));

describe('LocalStorage', () => {
  it('stores a stream, reports size and sha256, reads it back and deletes it', async () => {
    const dir = root();
    const s = new LocalStorage(dir);
    const body = 'hello agora '.repeat(1000);
    const stored = await s.put('posts/1/abc.txt', Readable.from([Buffer.from(body)]));
    expect(stored).toEqual({ key: 'posts/1/abc.txt', size: body.length, sha256: crypto.createHash('sha256').update(body).digest('hex') });
    expect(await s.exists('posts/1/abc.txt')).toBe(true);
    expect(await text(await s.read('posts/1/abc.txt'))).toBe(body);
    await s.delete('posts/1/abc.txt');
    await s.delete('posts/1/abc.txt'); // idempotent
    expect(await s.exists('posts/1/abc.txt')).toBe(false);
    await expect(s.read('posts/1/abc.txt')).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('leaves no file behind when a write goes over the limit or the source fails', async () => {
    const dir = root();
    const s = new LocalStorage(dir);
    await expect(s.put('a/big.bin', Buffer.alloc(2048), { maxBytes: 1024 })).rejects.toBeInstanceOf(StorageLimitError);
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(100));
        this.destroy(new Error('client went away'));
      },
    });
    await expect(s.put('a/partial.bin', failing)).rejects.toThrow('client went away');
    expect(files(dir)).toEqual([]);
  });

  it.each(['../etc/passwd', '/abs', 'a/../../b', 'a//b', '', '.hidden', 'a/./b', 'a\\b'])('rejects the key %j', async (key) => {
    const s = new LocalStorage(root());
    await expect(s.put(key, Buffer.from('x'))).rejects.toBeInstanceOf(StorageKeyError);
  });

  it('makes random names with nothing of a client’s name', () => {
    expect(randomObjectName()).toMatch(/^[0-9a-f]{32}$/);
    expect(randomObjectName()).not.toBe(randomObjectName());
  });
});
