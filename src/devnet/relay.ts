/**
 * The delaying relay (issue 18, "Distance, made in userspace"): distance between processes on one
 * machine whose kernel has no `netem`. One relay per directed link i → j listens on a loopback port;
 * node i dials node j there (`dst run --p2p-dial j=<relay>`), and the relay connects on to node j's
 * real listen address. Each chunk read from one side is held for that direction's one-way delay before
 * it is written to the other — i → j bytes for d(i, j), the answers j → i for d(j, i) — so whichever
 * node dialled, a connection between i and j sees the profile's delays both ways (./latency.ts).
 *
 * Like a TCP path: bytes stay in order (a chunk is never released before the one read before it), so
 * jitter (uniform 0..jitterMs extra per chunk) delays what follows it too; a "lost" chunk (probability
 * lossRate) is not dropped — TCP would retransmit it — but stalls its direction for a retransmission
 * timeout, max(200 ms, 2 × the one-way delay) + the delay (Linux's minimum RTO is 200 ms), head-of-line
 * blocking everything behind it. Timers have 1 ms resolution, so sub-millisecond delays (the `lan`
 * profile's 0.2 ms) come out as about 1 ms.
 *
 * What it does not model: bandwidth (loopback's), and the kernel's own TCP behaviour between relay and
 * node (loopback, instant). Back-pressure: a direction holding more than 8 MiB pauses its reader.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { LatencyProfile } from './latency.js';

export interface RelayLinkOptions {
  /** Where the relay forwards to (node j's p2p port on 127.0.0.1). */
  targetPort: number;
  targetHost?: string;
  /** Delay of bytes from the dialling side (i → j) and of the answers (j → i), ms. */
  forwardMs: number;
  backwardMs: number;
  jitterMs?: number;
  lossRate?: number;
  /** Random numbers in [0, 1) (seeded by the caller for repeatable runs); default Math.random. */
  random?: () => number;
}

export interface RelayLink {
  readonly port: number;
  /** Bytes relayed each way so far. */
  readonly bytes: { forward: number; backward: number };
  close(): Promise<void>;
}

const PAUSE_ABOVE_BYTES = 8 * 1024 * 1024;
const RESUME_BELOW_BYTES = 1024 * 1024;
const MIN_RTO_MS = 200;

/** One direction of one relayed connection: chunks released in order, each after its delay. */
class DelayedPipe {
  private readonly queue: Array<{ at: number; chunk: Buffer }> = [];
  private queuedBytes = 0;
  private lastAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly delayMs: number,
    private readonly options: RelayLinkOptions,
    private readonly count: (bytes: number) => void,
  ) {
    from.on('data', (chunk: Buffer) => this.push(chunk));
    from.on('end', () => {
      this.ended = true;
      this.flush();
    });
  }

  private push(chunk: Buffer): void {
    const { jitterMs = 0, lossRate = 0, random = Math.random } = this.options;
    let at = performance.now() + this.delayMs + (jitterMs > 0 ? random() * jitterMs : 0);
    if (lossRate > 0 && random() < lossRate) at += Math.max(MIN_RTO_MS, 2 * this.delayMs);
    // In order, as TCP delivers: never before the chunk read before it.
    at = Math.max(at, this.lastAt);
    this.lastAt = at;
    this.queue.push({ at, chunk });
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > PAUSE_ABOVE_BYTES) this.from.pause();
    this.arm();
  }

  private arm(): void {
    if (this.timer !== undefined || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, Math.max(0, this.queue[0]!.at - performance.now()));
  }

  private flush(): void {
    const now = performance.now();
    while (this.queue.length > 0 && this.queue[0]!.at <= now) {
      const { chunk } = this.queue.shift()!;
      this.queuedBytes -= chunk.length;
      this.count(chunk.length);
      if (!this.to.destroyed) this.to.write(chunk);
    }
    if (this.queuedBytes < RESUME_BELOW_BYTES && this.from.isPaused()) this.from.resume();
    if (this.queue.length > 0) this.arm();
    else if (this.ended && !this.to.destroyed) this.to.end();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
  }
}

/** Starts one relay on 127.0.0.1 (port 0: any free one). */
export function startRelayLink(options: RelayLinkOptions, listenPort = 0): Promise<RelayLink> {
  const sockets = new Set<Socket>();
  const pipes = new Set<DelayedPipe>();
  const bytes = { forward: 0, backward: 0 };
  const server: Server = createServer((client) => {
    const upstream = connect({ host: options.targetHost ?? '127.0.0.1', port: options.targetPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => sockets.delete(socket));
      // Either side failing ends the relayed connection, as a reset would.
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    const forward = new DelayedPipe(client, upstream, options.forwardMs, options, (n) => (bytes.forward += n));
    const backward = new DelayedPipe(upstream, client, options.backwardMs, options, (n) => (bytes.backward += n));
    pipes.add(forward).add(backward);
    const done = (): void => {
      if (!client.destroyed || !upstream.destroyed) return;
      forward.stop();
      backward.stop();
      pipes.delete(forward);
      pipes.delete(backward);
    };
    client.on('close', () => {
      upstream.end();
      done();
    });
    upstream.on('close', () => {
      client.end();
      done();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : listenPort;
      resolve({
        port,
        bytes,
        close: () =>
          new Promise<void>((done) => {
            for (const pipe of pipes) pipe.stop();
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Every directed link of a cluster: `ports[i][j]` is where node i dials node j (undefined on the diagonal). */
export interface RelayMesh {
  readonly ports: ReadonlyArray<ReadonlyArray<number | undefined>>;
  readonly links: readonly RelayLink[];
  close(): Promise<void>;
}

/** Relays for every ordered pair of nodes, the profile's delays, forwarding to `p2pPorts` (node i's is p2pPorts[i]). */
export async function startRelayMesh(profile: LatencyProfile, p2pPorts: readonly number[], random?: () => number): Promise<RelayMesh> {
  const n = p2pPorts.length;
  if (profile.oneWayMs.length !== n) throw new RangeError(`relay mesh: the profile ${profile.name} has ${profile.oneWayMs.length} nodes, the cluster ${n}`);
  const links: RelayLink[] = [];
  const ports: Array<Array<number | undefined>> = [];
  try {
    for (let i = 0; i < n; i++) {
      const row: Array<number | undefined> = [];
      for (let j = 0; j < n; j++) {
        if (i === j) {
          row.push(undefined);
          continue;
        }
        const link = await startRelayLink({
          targetPort: p2pPorts[j]!,
          forwardMs: profile.oneWayMs[i]![j]!,
          backwardMs: profile.oneWayMs[j]![i]!,
          jitterMs: profile.jitterMs,
          lossRate: profile.lossRate,
          random,
        });
        links.push(link);
        row.push(link.port);
      }
      ports.push(row);
    }
  } catch (error) {
    await Promise.all(links.map((link) => link.close()));
    throw error;
  }
  return { ports, links, close: async () => void (await Promise.all(links.map((link) => link.close()))) };
}

/** The `dst run` flags that make node i (0-based) dial every peer through the mesh. */
export function relayDialFlags(mesh: RelayMesh, node: number): string[] {
  return mesh.ports[node]!.flatMap((port, j) => (port === undefined ? [] : ['--p2p-dial', `${j + 1}=/ip4/127.0.0.1/tcp/${port}`]));
}
