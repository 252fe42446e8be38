/** Starts a real API server on a free port over a `MemorySequencer`, with helpers to call it. */
import { Writable } from 'node:stream';
import { createLogger, startApiServer, type ApiServer } from '../../src/api/index.js';
import { MemorySequencer } from './memory-sequencer.js';

export const CHAIN_ID = 1337n;
export const MAX_BODY_BYTES = 64 * 1024;

export interface Fixture {
  sequencer: MemorySequencer;
  server: ApiServer;
  /** Log lines the server wrote (parsed JSON). */
  logs: Record<string, unknown>[];
  /** POSTs a raw body; returns status and parsed JSON (undefined for an empty body). */
  post(body: string | Uint8Array): Promise<{ status: number; json: any }>;
  /** One JSON-RPC call; returns the whole response object. */
  call(method: string, params?: unknown[]): Promise<any>;
}

export async function startFixture(): Promise<Fixture> {
  const sequencer = new MemorySequencer(CHAIN_ID);
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  const server = await startApiServer(sequencer, { host: '127.0.0.1', port: 0, maxBodyBytes: MAX_BODY_BYTES, logger });
  let nextId = 1;
  const post = async (body: string | Uint8Array) => {
    const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  };
  const call = async (method: string, params: unknown[] = []) => (await post(JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }))).json;
  return { sequencer, server, logs, post, call };
}

export const toHex = (bytes: Uint8Array): `0x${string}` => `0x${Buffer.from(bytes).toString('hex')}`;
