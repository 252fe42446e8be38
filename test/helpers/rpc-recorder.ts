/**
 * A real JSON-RPC 2.0 server over HTTP on 127.0.0.1 that records every request it gets (its body and
 * the forwarding header) and answers each call with the test's `answer(method, params)`: a result, or
 * `{ error }` to answer an error object, or `{ delayMs }` to hold the HTTP answer that long. The
 * upstream the forwarding tests point a DST node at (the part under test is the forwarder).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Answer = unknown | { error: { code: number; message: string; data?: unknown } };

export interface RecordedRequest {
  /** The methods of the HTTP request (one, or a batch's, in order). */
  methods: string[];
  batch: boolean;
  forwardedHeader: string | undefined;
}

export interface RpcRecorder {
  url: string;
  requests: RecordedRequest[];
  /** Milliseconds to hold every HTTP answer (0: none). */
  delayMs: number;
  close(): Promise<void>;
}

export async function startRpcRecorder(answer: (method: string, params: unknown[]) => Answer): Promise<RpcRecorder> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const recorder: RpcRecorder = { url: '', requests, delayMs: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      const calls = (Array.isArray(body) ? body : [body]) as Array<{ id: unknown; method: string; params: unknown[] }>;
      const header = req.headers['x-dst-forwarded'];
      requests.push({ methods: calls.map((c) => c.method), batch: Array.isArray(body), forwardedHeader: typeof header === 'string' ? header : undefined });
      const replies = calls.map((call) => {
        const value = answer(call.method, call.params ?? []);
        const isError = typeof value === 'object' && value !== null && 'error' in value;
        return isError ? { jsonrpc: '2.0', id: call.id, error: (value as { error: unknown }).error } : { jsonrpc: '2.0', id: call.id, result: value };
      });
      const text = JSON.stringify(Array.isArray(body) ? replies : replies[0]);
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(text);
      }, recorder.delayMs);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  recorder.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  recorder.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return recorder;
}
