/** Loopback helpers for tests that start real hosts and servers (127.0.0.1 only). */
import { createServer } from 'node:net';

/**
 * A loopback port nothing listens on now, below the kernel's ephemeral range (32768–60999 by default):
 * a port the kernel hands out for listen(0) is also what it may give the next outgoing connection's
 * local end, so between this call and the caller's own listen another test's connect could take it
 * (seen: EADDRINUSE in a 10-operator DKG while other files ran). Random in FREE_PORTS, checked by binding.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = FREE_PORTS.from + Math.floor(Math.random() * (FREE_PORTS.to - FREE_PORTS.from));
    if (await canListen(port)) return port;
  }
  throw new Error(`freePort: no free loopback port found in ${FREE_PORTS.from}..${FREE_PORTS.to - 1}`);
}

/** Where freePort looks: clear of the ephemeral range and of the fixed base ports tests and the devnet use (7000, 9100, 18xxx). */
export const FREE_PORTS = { from: 20_000, to: 32_000 };

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Polls `condition` every 20 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Polls `probe` every 100 ms until it answers something; a probe that throws (a connection reset on a loaded machine) is asked again. Fails naming `what` and the last error. */
export async function waitForValue<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < until) {
    const value = await probe().catch((error: unknown) => void (lastError = error));
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
}
