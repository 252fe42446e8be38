/**
 * Runs `dst run --single` as a separate process for end-to-end tests: starts it from the TypeScript
 * sources (node --import tsx, so the pid is the node process itself), waits for its "rpc listening"
 * log line, and stops or kills it by pid. Also a minimal JSON-RPC client (fetch) and the reference
 * checks shared by the end-to-end tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as blst from '@chainsafe/blst';
import { keccak_256 } from '@noble/hashes/sha3.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface NodeProcess {
  pid: number;
  url: string;
  wsUrl: string;
  groupPublicKey: string;
  /** Every log line, parsed. */
  logs: Array<Record<string, any>>;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
  /** Sends a signal to the process by pid. */
  signal(signal: NodeJS.Signals): void;
}

export async function startNodeProcess(options: { dataDir: string; chainId: bigint; blockTimeMs: number }): Promise<NodeProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'run', '--single', '--data-dir', options.dataDir, '--chain-id', options.chainId.toString(),
      '--block-time', String(options.blockTimeMs), '--rpc-port', '0', '--log-level', 'info'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: Array<Record<string, any>> = [];
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
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
    void exited.then((code) => reject(new Error(`the node exited (${code}) before listening; stderr: ${stderr}`)));
  });
  const ready = await listening;
  return {
    pid: child.pid!,
    url: ready.url,
    wsUrl: ready.wsUrl,
    groupPublicKey: ready.groupPublicKey,
    logs,
    exited,
    signal: (signal) => process.kill(child.pid!, signal),
  };
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

/** The block signature domain as docs and the README define it: ASCII "dst.block.v1", zero-padded to 32 bytes. */
const BLOCK_DOMAIN = Buffer.concat([Buffer.from('dst.block.v1', 'ascii'), Buffer.alloc(20)]);

const uint256 = (value: bigint): Uint8Array => Uint8Array.from(Buffer.from(value.toString(16).padStart(64, '0'), 'hex'));
export const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'));

/**
 * Checks a `dst_getSignedBlock` result independently of src/: the block hash is noble keccak-256 of the
 * header RLP, the signing root is recomputed (domain ‖ chainId ‖ round ‖ hash), and blst verifies the
 * signature against the group public key.
 */
export function verifySignedBlock(signed: { chainId: string; hash: string; header: string; round: number; signingRoot: string; signature: string }, groupPublicKey: string): boolean {
  const hash = keccak_256(bytes(signed.header));
  if (Buffer.from(hash).toString('hex') !== signed.hash.slice(2)) return false;
  const root = keccak_256(Buffer.concat([BLOCK_DOMAIN, uint256(BigInt(signed.chainId)), uint256(BigInt(signed.round)), hash]));
  if (Buffer.from(root).toString('hex') !== signed.signingRoot.slice(2)) return false;
  return blst.verify(root, blst.PublicKey.fromBytes(bytes(groupPublicKey)), blst.Signature.fromBytes(bytes(signed.signature)));
}
