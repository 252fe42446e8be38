/** Raw TCP clients for tests that attack a host's listener (idle, half-open and stranger sockets). */
import { connect, type Socket } from 'node:net';

/** The first line a libp2p dialer sends: multistream-select's header, varint-length-prefixed. */
export const MULTISTREAM_HEADER = new Uint8Array([0x13, ...new TextEncoder().encode('/multistream/1.0.0\n')]);

/** A client socket and what happened to it: bytes received, and when the server closed it. */
export interface Probe {
  readonly socket: Socket;
  /** Whether the TCP connection was established (false: refused, nothing listening). */
  connected: boolean;
  /** The socket's error code, if it had one (ECONNREFUSED: nothing listening; ECONNRESET: the server
   * reset it, possibly before the connect was reported here). */
  error: string | undefined;
  /** Bytes received from the server. */
  received: number;
  /** performance.now() at connect, and at close (undefined while open). */
  readonly openedAt: number;
  closedAt: number | undefined;
  /** Resolves when the socket has closed (by either side). */
  readonly closed: Promise<void>;
}

/**
 * Open a TCP connection to 127.0.0.1:`port` from `localAddress` (any 127.0.0.0/8 address is local on
 * Linux), send `send` if given once connected, then stay idle. Never rejects: errors just close it.
 */
export function probe(port: number, localAddress: string, send?: Uint8Array): Promise<Probe> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    let markClosed!: () => void;
    const result: Probe = {
      socket,
      connected: false,
      error: undefined,
      received: 0,
      openedAt: performance.now(),
      closedAt: undefined,
      closed: new Promise<void>((done) => (markClosed = done)),
    };
    socket.on('data', (chunk: Buffer) => (result.received += chunk.length));
    socket.on('error', (error: NodeJS.ErrnoException) => (result.error ??= error.code ?? error.message));
    socket.on('close', () => {
      result.closedAt = performance.now();
      markClosed();
      resolve(result); // if it never connected
    });
    socket.on('connect', () => {
      result.connected = true;
      if (send) socket.write(send);
      resolve(result);
    });
  });
}

/** Whether the probe's TCP connection was made: connected, or reset by the server (a close at accept)
 * before the connect was reported here. False when nothing listened (ECONNREFUSED). */
export function reachedServer(p: Probe): boolean {
  return p.connected || p.error === 'ECONNRESET';
}

/** Wait for `probe` to close, for at most `ms`; true if it closed. */
export async function closedWithin(p: Probe, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    p.closed.then(() => true),
    new Promise<boolean>((done) => (timer = setTimeout(() => done(false), ms))),
  ]);
  clearTimeout(timer);
  return closed;
}
