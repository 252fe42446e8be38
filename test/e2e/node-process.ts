/**
 * Runs `dst` as a separate process for end-to-end tests: `spawnDst` starts any `dst` command from the
 * TypeScript sources (node --import tsx, so the pid is the node process itself) and parses its log
 * lines; `startNodeProcess` runs `dst run --single` and waits for its "rpc listening" line (the
 * cluster harness, ./cluster-process.ts, starts `dst run --dir` the same way). Processes are stopped
 * or killed by pid. Also a minimal JSON-RPC client (fetch) and the reference checks shared by the
 * end-to-end tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as blst from '@chainsafe/blst';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { referenceSigningRoot } from '../helpers/signing-root.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A `dst` process started from the sources, with its log lines parsed as they arrive. */
export interface DstProcess {
  pid: number;
  /** Every JSON log line (stdout), parsed, in order. */
  logs: Array<Record<string, any>>;
  /** Everything the process wrote to stderr so far (usage errors, crashes). */
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
  /** Resolves with the "rpc listening" line; rejects if the process exits before logging it. */
  listening: Promise<Record<string, any>>;
  /** Sends a signal to the process by pid (nothing if it has exited). */
  signal(signal: NodeJS.Signals): void;
}

/** A node that is listening: its RPC URLs and group public key from the "rpc listening" line. */
export interface NodeProcess extends DstProcess {
  url: string;
  wsUrl: string;
  groupPublicKey: string;
}

/**
 * Spawns `node --import tsx src/cli/main.ts <args>` from the repository root (so the pid is the node
 * process itself) and parses its stdout as pino JSON lines. Never throws for the process's behaviour:
 * callers wait on `listening` or `exited`.
 */
export function spawnDst(args: readonly string[]): DstProcess {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Array<Record<string, any>> = [];
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  let hasExited = false;
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      hasExited = true;
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  const listening = new Promise<Record<string, any>>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, any>;
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      logs.push(entry);
      if (entry.msg === 'rpc listening') resolve(entry);
    });
    void exited.then((code) => reject(new Error(`dst ${args.join(' ')}: exited (${code}) before listening; stderr: ${stderr}; last log: ${JSON.stringify(logs.at(-1))}`)));
  });
  // A caller that only waits for the exit (a node expected to fail) must not leave this unhandled.
  listening.catch(() => {});
  return {
    pid: child.pid!,
    logs,
    stderr: () => stderr,
    exited,
    listening,
    signal: (signal) => {
      if (!hasExited) process.kill(child.pid!, signal);
    },
  };
}

/** Waits for a spawned process's "rpc listening" line and returns it as a listening node. */
export async function whenListening(started: DstProcess): Promise<NodeProcess> {
  const ready = await started.listening;
  return Object.assign(started, { url: ready.url as string, wsUrl: ready.wsUrl as string, groupPublicKey: ready.groupPublicKey as string });
}

export async function startNodeProcess(options: { dataDir: string; chainId: bigint; blockTimeMs: number }): Promise<NodeProcess> {
  return whenListening(
    spawnDst(['run', '--single', '--data-dir', options.dataDir, '--chain-id', options.chainId.toString(), '--block-time', String(options.blockTimeMs), '--rpc-port', '0', '--log-level', 'info']),
  );
}

let nextId = 1;

/** One JSON-RPC call over HTTP; resolves with the whole response object. */
export async function rpc(url: string, method: string, params: unknown[] = []): Promise<{ result?: any; error?: { code: number; message: string } }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
  });
  return (await response.json()) as { result?: any; error?: { code: number; message: string } };
}

export const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'));

/**
 * Checks a `dst_getSignedBlock` result independently of src/: the block hash is noble keccak-256 of the
 * header RLP, the signing root is recomputed (domain ‖ chainId ‖ round ‖ hash), and blst verifies the
 * signature against the group public key.
 */
export function verifySignedBlock(signed: { chainId: string; hash: string; header: string; round: number; signingRoot: string; signature: string }, groupPublicKey: string): boolean {
  const hash = keccak_256(bytes(signed.header));
  if (Buffer.from(hash).toString('hex') !== signed.hash.slice(2)) return false;
  const root = referenceSigningRoot(BigInt(signed.chainId), signed.round, hash);
  if (Buffer.from(root).toString('hex') !== signed.signingRoot.slice(2)) return false;
  return blst.verify(root, blst.PublicKey.fromBytes(bytes(groupPublicKey)), blst.Signature.fromBytes(bytes(signed.signature)));
}
