/**
 * Handing received messages up to the node's handlers (consensus messages, gossiped transactions).
 * A failing handler is the node's bug, not the peer's: its exception is logged and the stream it came
 * from stays open, so nothing a handler throws reaches the stream reader (streams.ts).
 */
import type { Logger } from 'pino';

/** Run `handle`; log what it throws instead of throwing it. */
export function deliver(log: Logger | undefined, handle: () => void): void {
  try {
    handle();
  } catch (error) {
    log?.error({ err: (error as Error).message }, 'message handler threw');
  }
}
