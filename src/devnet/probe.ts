/**
 * How the devnet (./devnet.ts) looks at a node from outside, whoever started it: `probeRpc` (GET
 * /livez on the node's RPC port: up with its head, or why not), `tcpAccepts` (whether its p2p port
 * takes connections) and `portInUse` (whether a port is taken before the devnet starts a node on it).
 * All on 127.0.0.1, each on a connection of its own.
 */
import http from 'node:http';
import { connect, createServer } from 'node:net';

/** A probe (GET /livez, or a TCP connect to a p2p port) without an answer by then failed. */
const PROBE_TIMEOUT_MS = 2_000;

/** Whether something already listens on 127.0.0.1:`port`. */
export async function portInUse(port: number): Promise<boolean> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' || error.code === 'EACCES' ? done(true) : fail(error)));
    server.listen(port, '127.0.0.1', () => server.close(() => done(false)));
  });
}

/** What one GET /livez found: up with the node's head, or why not. */
export type RpcProbe = { up: true; head: number | undefined } | { up: false; refused: boolean; reason: string };

/**
 * GET http://127.0.0.1:<port>/livez on a connection of its own: up when it answers 200 with the node's
 * health JSON (`live` true; its `head` is passed on), else why not — `refused` when nothing listens.
 */
export function probeRpc(port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<RpcProbe> {
  return new Promise((done) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/livez', agent: false, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) => done({ up: false, refused: false, reason: error.message }));
      response.on('end', () => {
        let health: { live?: unknown; reasons?: unknown; head?: unknown } | undefined;
        try {
          health = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          health = undefined;
        }
        if (typeof health?.live !== 'boolean') return done({ up: false, refused: false, reason: `GET /livez answered HTTP ${response.statusCode} without a node's health` });
        if (response.statusCode === 200 && health.live) {
          const head = typeof health.head === 'string' && /^0x[0-9a-f]+$/i.test(health.head) ? Number(health.head) : undefined;
          return done({ up: true, head: head !== undefined && Number.isSafeInteger(head) ? head : undefined });
        }
        const reasons = Array.isArray(health.reasons) && health.reasons.length > 0 ? `: ${health.reasons.join('; ')}` : '';
        done({ up: false, refused: false, reason: `not live (GET /livez answered HTTP ${response.statusCode}${reasons})` });
      });
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    request.on('error', (error: NodeJS.ErrnoException) =>
      done({ up: false, refused: error.code === 'ECONNREFUSED', reason: error.code === 'ECONNREFUSED' ? 'does not answer (connection refused)' : `does not answer (${error.message})` }),
    );
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port` (connects and closes at once; never binds it). */
export function tcpAccepts(port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    const finish = (accepts: boolean) => {
      socket.destroy();
      done(accepts);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}
