/**
 * Reading a node's log: the pino JSON lines `dst run` writes on standard output (the cluster node
 * contract of issue 7) turned into the few events the node supervisor (./supervisor.ts) and the devnet
 * act on. Lines that are not JSON, or not one of these messages, are ignored; a field of the wrong type
 * makes the line ignored too, never a crash.
 */

/** pino's numeric level for "error"; "fatal" is 60. */
const ERROR_LEVEL = 50;

export type NodeEvent =
  | { kind: 'listening'; url: string; chainId: string | undefined; peerId: string | undefined }
  | { kind: 'block'; block: StoredBlock }
  | { kind: 'synced'; head: number }
  | { kind: 'stopped'; exitCode: number }
  /** An error or fatal line: `message` is the error's message when there is one, else the line's `msg`. */
  | { kind: 'error'; message: string };

export interface StoredBlock {
  number: number;
  hash: string;
  round: number;
  transactions: number;
  /** 1-based share index of the node that built the block. */
  proposer: number;
  /** From the proposal seen to the combined signature verified, on the node that logged it. */
  timeToSignatureMs: number;
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** The event one log line stands for, or undefined for any other line. */
export function parseNodeLine(line: string): NodeEvent | undefined {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return undefined;
  }
  return nodeEvent(entry);
}

/** The event of a log line already parsed from JSON, or undefined for any other value. */
export function nodeEvent(value: unknown): NodeEvent | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const entry = value as Record<string, unknown>;
  switch (entry.msg) {
    case 'rpc listening':
      if (typeof entry.url !== 'string') return undefined;
      return {
        kind: 'listening',
        url: entry.url,
        chainId: typeof entry.chainId === 'string' ? entry.chainId : undefined,
        peerId: typeof entry.peerId === 'string' ? entry.peerId : undefined,
      };
    case 'block signed and stored': {
      const { number, hash, round, transactions, proposer, timeToSignatureMs } = entry;
      if (!isCount(number) || typeof hash !== 'string' || !isCount(round) || !isCount(transactions) || !isCount(proposer)) return undefined;
      if (typeof timeToSignatureMs !== 'number' || !(timeToSignatureMs >= 0)) return undefined;
      return { kind: 'block', block: { number, hash, round, transactions, proposer, timeToSignatureMs } };
    }
    case 'sync: done': {
      return isCount(entry.head) ? { kind: 'synced', head: entry.head } : undefined;
    }
    case 'stopped':
      return isCount(entry.exitCode) ? { kind: 'stopped', exitCode: entry.exitCode } : undefined;
  }
  if (typeof entry.level === 'number' && entry.level >= ERROR_LEVEL) {
    const err = entry.err as { message?: unknown } | undefined;
    const message = typeof err?.message === 'string' ? `${entry.msg}: ${err.message}` : String(entry.msg);
    return { kind: 'error', message };
  }
  return undefined;
}
