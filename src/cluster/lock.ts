/**
 * `cluster-lock.json`: the public definition of a DST cluster, written by the dealer (`dst create
 * cluster`, ./create.ts) and copied into every node directory; every node checks it at start-up
 * (./load.ts). The idea and the name follow Charon's cluster lock; the encoding is DST's own.
 *
 * Contents (public data only; no secret ever enters this file):
 *
 * ```json
 * {
 *   "version": 1,
 *   "chainId": "901",                       decimal string, 1 .. 2^64 − 1
 *   "blockTimeMs": 1000,                    integer, 0 .. 3,600,000
 *   "threshold": 3,                         t, quorum(n) ≤ t ≤ n (docs/architecture.md §4)
 *   "groupPublicKey": "0x…",                48-byte compressed G1 point, lower-case hex
 *   "operators": [                          n ≥ 1 entries, entry i − 1 has index i
 *     {
 *       "index": 1,                         1-based share index, x = i of the Shamir polynomial
 *       "peerId": "12D3KooW…",              the operator's libp2p peer id (an Ed25519 identity key)
 *       "addresses": ["/ip4/127.0.0.1/tcp/9001"],   libp2p multiaddrs, at least one
 *       "publicShare": "0x…"                48-byte compressed G1 public key of share i
 *     }
 *   ],
 *   "lockHash": "0x…"                       see below
 * }
 * ```
 *
 * **Lock hash** = keccak-256 of the canonical JSON of the lock without its `lockHash` member: the
 * UTF-8 bytes of the JSON text in which every object's members are sorted by key (ascending UTF-16
 * code units, i.e. ASCII order for these keys), there is no whitespace outside strings, strings are
 * written as ECMAScript `JSON.stringify` writes them, integers in shortest decimal form, byte strings
 * as `0x` + lower-case hex, and arrays keep their order. The hash is lower-case hex with `0x`. For
 * the example above the hashed text starts
 * `{"blockTimeMs":1000,"chainId":"901","groupPublicKey":"0x…","operators":[{"addresses":[…],…`.
 * A reader rejects members it does not know (they would not be covered by the hash).
 *
 * **Version 2** (a lock made by a ceremony, `dst dkg` or `dst reshare`, src/cluster/dkg/) has three
 * members more, and version 1 locks (the dealer's, `dst create cluster`) keep loading unchanged:
 *
 * ```json
 *   "version": 2,
 *   "epoch": 0,                             0 for the DKG, one more for each reshare of the key
 *   "definitionHash": "0x…",                keccak-256 of what the ceremony ran on: the definition
 *                                           (epoch 0) or the reshare proposal (later epochs), 32 bytes
 *   "signatures": ["0x…", …]                one per operator, in operator order: Ed25519 (RFC 8032)
 *                                           by its identity key over LOCK_SIGNING_DOMAIN ‖ lockHash
 * ```
 *
 * `epoch` and `definitionHash` are covered by the lock hash; `signatures`, which sign it, are not.
 * `parseClusterLock` checks every signature: a lock every operator did not sign does not load.
 *
 * **Genesis alloc** (either version, issue 14): `"alloc": { "0x…": { "balance": "0x…", … } }`, the
 * execution chain's genesis state in geth's `alloc` format, in the canonical form of ./alloc.ts
 * (lower-case addresses, quantities without leading zeros, default fields left out). It is covered by
 * the lock hash like every other member, so every execution node (`dst execute`, which takes it from
 * the lock) starts from the same state. An empty alloc is no member at all: a lock made before locks
 * carried an alloc keeps its hash and means an empty genesis state. A reader refuses an `alloc` that is
 * empty, invalid or not in canonical form (the hash is over the text as written, so one state has one
 * lock). `dst create cluster --alloc`, the DKG (from its definition's `alloc`) and a reshare (from the
 * old lock, unchanged) write it.
 *
 * Consistency of the shares (checked by `parseClusterLock`): the group public key must equal the
 * Lagrange interpolation at 0 of the public shares {1, …, t}, and for every j in t+1..n of the shares
 * {1, …, t−1, j}. The first subset fixes the degree-(t−1) polynomial through shares 1..t; each
 * further subset holds only if share j lies on that same polynomial; so together they prove that
 * every public share belongs to one sharing of the group key with threshold t.
 */
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import type { PrivateKey } from '@libp2p/interface';
import { concatBytes, describeJson, equalBytes, parseHex, prefixedHex } from '../bytes/index.js';
import { quorumSize } from '../consensus/index.js';
import { groupPublicKeyFromShares, PUBLIC_KEY_LENGTH } from '../crypto/index.js';
import { ed25519Signer, ed25519Verifier } from '../p2p/ed25519.js';
import { keccak256 } from '../wasm/keccak.js';
import { AllocError, normaliseAlloc, type AllocJson } from './alloc.js';

/** The dealer's lock version; ceremonies write `CEREMONY_LOCK_VERSION`. */
export const CLUSTER_LOCK_VERSION = 1;
export const CEREMONY_LOCK_VERSION = 2;
/** Domain of the operators' signatures over a lock hash (the identity key signs other things too). */
export const LOCK_SIGNING_DOMAIN = new TextEncoder().encode('DST/cluster-lock/v1\0');
export const CLUSTER_LOCK_FILE = 'cluster-lock.json';
export const MAX_CHAIN_ID = 2n ** 64n - 1n;
export const MAX_BLOCK_TIME_MS = 3_600_000;

export interface Operator {
  /** 1-based share index. */
  readonly index: number;
  /** libp2p peer id of the operator's Ed25519 identity key, base58btc (`12D3KooW…`). */
  readonly peerId: string;
  /** libp2p multiaddrs the operator listens on. */
  readonly addresses: readonly string[];
  /** The public key of share `index`, 48 bytes compressed. */
  readonly publicShare: Uint8Array;
}

/** The contents of a cluster lock, without its hash. */
export interface ClusterDefinition {
  readonly chainId: bigint;
  readonly blockTimeMs: number;
  readonly threshold: number;
  readonly groupPublicKey: Uint8Array;
  readonly operators: readonly Operator[];
  /** Version 2 only (a ceremony's lock): the key's epoch, 0 from the DKG, +1 per reshare. */
  readonly epoch?: number;
  /** Version 2 only: hash of the definition or reshare proposal the ceremony ran on, 32 bytes. */
  readonly definitionHash?: Uint8Array;
  /** The genesis alloc in canonical form (./alloc.ts); undefined or empty: an empty genesis state. */
  readonly alloc?: AllocJson;
}

export interface ClusterLock extends ClusterDefinition {
  readonly version: typeof CLUSTER_LOCK_VERSION | typeof CEREMONY_LOCK_VERSION;
  /** keccak-256 of the canonical encoding, 32 bytes. */
  readonly lockHash: Uint8Array;
  /** Version 2: each operator's signature over the lock hash, in operator order (not covered by the hash). */
  readonly signatures?: readonly Uint8Array[];
}

export type Canonical = string | number | boolean | null | Canonical[] | { [key: string]: Canonical };

/** Canonical JSON (see the module docblock): members sorted by key, no whitespace; also used for the DKG's definition hash. */
export function canonicalJson(value: Canonical): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key]!)}`).join(',')}}`;
}

const isCeremonyLock = (definition: ClusterDefinition): boolean => definition.definitionHash !== undefined;
const hasAlloc = (definition: ClusterDefinition): boolean => definition.alloc !== undefined && Object.keys(definition.alloc).length > 0;

/**
 * The lock's `alloc` member checked: valid, non-empty and in canonical form (module docblock). `where`
 * names it in the error.
 */
export function parseLockAlloc(where: string, value: unknown): AllocJson {
  let normalised: AllocJson;
  try {
    normalised = normaliseAlloc(value);
  } catch (error) {
    if (error instanceof AllocError) throw new Error(`${where}: ${error.message}`, { cause: error });
    throw error;
  }
  if (Object.keys(normalised).length === 0) throw new Error(`${where}: an empty alloc is written by leaving the member out`);
  if (canonicalJson(normalised as unknown as Canonical) !== canonicalJson(value as Canonical)) {
    throw new Error(`${where}: not in canonical form (lower-case addresses, quantities without leading zeros, zero and empty fields left out), ` +
      `which the lock hash is taken over; the canonical form of this alloc is ${JSON.stringify(normalised).slice(0, 200)}`);
  }
  return normalised;
}

function lockBody(definition: ClusterDefinition): { [key: string]: Canonical } {
  return {
    version: isCeremonyLock(definition) ? CEREMONY_LOCK_VERSION : CLUSTER_LOCK_VERSION,
    ...(isCeremonyLock(definition) && { epoch: definition.epoch ?? 0, definitionHash: prefixedHex(definition.definitionHash!) }),
    chainId: definition.chainId.toString(),
    blockTimeMs: definition.blockTimeMs,
    threshold: definition.threshold,
    groupPublicKey: prefixedHex(definition.groupPublicKey),
    ...(hasAlloc(definition) && { alloc: definition.alloc as unknown as Canonical }),
    operators: definition.operators.map((operator) => ({
      index: operator.index,
      peerId: operator.peerId,
      addresses: [...operator.addresses],
      publicShare: prefixedHex(operator.publicShare),
    })),
  };
}

/** The canonical encoding the lock hash is taken over (UTF-8 bytes of canonical JSON, see above). */
export function canonicalLockEncoding(definition: ClusterDefinition): Uint8Array {
  return new TextEncoder().encode(canonicalJson(lockBody(definition)));
}

/** keccak-256 of the canonical encoding. */
export function computeLockHash(definition: ClusterDefinition): Uint8Array {
  return keccak256(canonicalLockEncoding(definition));
}

/** A lock for `definition`, with its hash (version 2 when it has a `definitionHash`, without signatures yet). */
export function sealClusterLock(definition: ClusterDefinition): ClusterLock {
  const version = isCeremonyLock(definition) ? CEREMONY_LOCK_VERSION : CLUSTER_LOCK_VERSION;
  if (hasAlloc(definition)) parseLockAlloc('alloc', definition.alloc);
  return { ...definition, ...(version === CEREMONY_LOCK_VERSION && { epoch: definition.epoch ?? 0 }), version, lockHash: computeLockHash(definition) };
}

/** An operator's signature over a lock hash (`LOCK_SIGNING_DOMAIN ‖ lockHash`, Ed25519). */
export function signLockHash(identity: PrivateKey, lockHash: Uint8Array): Uint8Array {
  return ed25519Signer(identity)(concatBytes([LOCK_SIGNING_DOMAIN, lockHash]));
}

/** Whether `signature` is the operator `peerId`'s signature over `lockHash`. */
export function verifyLockSignature(peerId: string, lockHash: Uint8Array, signature: Uint8Array): boolean {
  const key = peerIdFromString(peerId).publicKey;
  return key !== undefined && ed25519Verifier(key, peerId)(concatBytes([LOCK_SIGNING_DOMAIN, lockHash]), signature);
}

/** The file text of a lock: indented JSON (the hash does not depend on the layout). */
export function formatClusterLock(lock: ClusterLock): string {
  const signatures = lock.signatures === undefined ? {} : { signatures: lock.signatures.map(prefixedHex) };
  return `${JSON.stringify({ ...lockBody(lock), lockHash: prefixedHex(lock.lockHash), ...signatures }, null, 2)}\n`;
}

/**
 * Checks the threshold rule of docs/architecture.md §4 for n nodes: quorum(n) ≤ t ≤ n. Returns an explanation of
 * what is wrong, or undefined when t is allowed.
 */
export function thresholdProblem(nodes: number, threshold: number): string | undefined {
  const quorum = quorumSize(nodes);
  if (threshold > nodes) return `threshold ${threshold} is above the number of nodes ${nodes}: no ${threshold} shares exist to sign`;
  if (threshold < quorum) {
    return `threshold ${threshold} is below the quorum ${quorum} of ${nodes} nodes: partial signatures ride on COMMIT ` +
      `messages, and only t ≥ quorum = ⌈(n + f + 1)/2⌉ guarantees that t partials on a block exist only when a ` +
      `QBFT round decided it (docs/architecture.md §4); with fewer, the cluster could sign two blocks at one height`;
  }
  return undefined;
}

const LOCK_KEYS = ['version', 'chainId', 'blockTimeMs', 'threshold', 'groupPublicKey', 'operators', 'lockHash'];
const CEREMONY_LOCK_KEYS = [...LOCK_KEYS, 'epoch', 'definitionHash', 'signatures'];
const OPERATOR_KEYS = ['index', 'peerId', 'addresses', 'publicShare'];

/** Throws unless `value` is an object with exactly the members `keys`. */
export function assertMembers(where: string, value: unknown, keys: readonly string[]): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where}: expected a JSON object, got ${describeJson(value)}`);
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw new Error(`${where}: unknown member ${JSON.stringify(key)} (expected only ${keys.join(', ')})`);
  }
  for (const key of keys) {
    if (!(key in value)) throw new Error(`${where}: missing member ${JSON.stringify(key)}`);
  }
}

/** `value` as an integer in min..max, or an error naming `where`. */
export function integer(where: string, value: unknown, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    throw new Error(`${where}: expected an integer in ${min}..${max}, got ${describeJson(value)}`);
  }
  return value as number;
}

function parseOperator(where: string, value: unknown, position: number): Operator {
  assertMembers(where, value, OPERATOR_KEYS);
  if (value.index !== position + 1) throw new Error(`${where}.index: expected ${position + 1} (operators are listed by index), got ${describeJson(value.index)}`);
  assertPeerId(`${where}.peerId`, value.peerId);
  const addresses = parseAddresses(`${where}.addresses`, value.addresses);
  return { index: position + 1, peerId: value.peerId, addresses, publicShare: parseHex(`${where}.publicShare`, value.publicShare, { length: PUBLIC_KEY_LENGTH, lowerCase: true }) };
}

/** Throws unless `value` is the string of an Ed25519 libp2p peer id. */
export function assertPeerId(where: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new Error(`${where}: expected a libp2p peer id string, got ${describeJson(value)}`);
  let peerType: string;
  try {
    peerType = peerIdFromString(value).type;
  } catch (cause) {
    throw new Error(`${where}: not a libp2p peer id: ${describeJson(value)} (${(cause as Error).message})`, { cause });
  }
  if (peerType !== 'Ed25519') throw new Error(`${where}: expected the peer id of an Ed25519 key, got a ${peerType} peer id`);
}

/** A non-empty array of multiaddrs in canonical form. */
export function parseAddresses(where: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new Error(`${where}: expected a non-empty array of multiaddrs, got ${describeJson(value)}`);
  return value.map((address: unknown, i: number) => {
    if (typeof address !== 'string') throw new Error(`${where}[${i}]: expected a multiaddr string, got ${describeJson(address)}`);
    assertMultiaddr(`${where}[${i}]`, address);
    return address;
  });
}

/** Throws unless `address` is a multiaddr in canonical string form. */
export function assertMultiaddr(where: string, address: string): void {
  let canonical: string;
  try {
    canonical = multiaddr(address).toString();
  } catch (cause) {
    throw new Error(`${where}: not a multiaddr: ${describeJson(address)} (${(cause as Error).message})`, { cause });
  }
  if (canonical !== address) throw new Error(`${where}: expected a multiaddr in canonical form, got ${describeJson(address)} (canonical: ${canonical})`);
}

/**
 * Parses and checks the text of a cluster lock: its structure, its hash, the threshold rule and the
 * consistency of the public shares with the group key (see the module docblock). Every error message
 * starts with `file`, the path to name in it.
 */
export function parseClusterLock(text: string, file: string): ClusterLock {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new Error(`${file}: not valid JSON (${(cause as Error).message})`, { cause });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${file}: expected a JSON object, got ${describeJson(json)}`);
  const version = (json as Record<string, unknown>).version;
  if (version !== CLUSTER_LOCK_VERSION && version !== CEREMONY_LOCK_VERSION) {
    throw new Error(`${file}: version: expected ${CLUSTER_LOCK_VERSION} (a dealer's lock) or ${CEREMONY_LOCK_VERSION} (a ceremony's), got ${describeJson(version)}`);
  }
  const withAlloc = 'alloc' in json;
  const keys = version === CLUSTER_LOCK_VERSION ? LOCK_KEYS : CEREMONY_LOCK_KEYS;
  assertMembers(file, json, withAlloc ? [...keys, 'alloc'] : keys);
  if (typeof json.chainId !== 'string' || !/^[1-9]\d*$/.test(json.chainId) || BigInt(json.chainId) > MAX_CHAIN_ID) {
    throw new Error(`${file}: chainId: expected a decimal string of an integer in 1..2^64-1, got ${describeJson(json.chainId)}`);
  }
  if (!Array.isArray(json.operators) || json.operators.length === 0) {
    throw new Error(`${file}: operators: expected a non-empty array, got ${describeJson(json.operators)}`);
  }
  const operators = json.operators.map((operator: unknown, i: number) => parseOperator(`${file}: operators[${i}]`, operator, i));
  const peerIds = new Set<string>();
  for (const operator of operators) {
    if (peerIds.has(operator.peerId)) throw new Error(`${file}: operators[${operator.index - 1}].peerId: ${operator.peerId} appears twice`);
    peerIds.add(operator.peerId);
  }
  const ceremony = version === CEREMONY_LOCK_VERSION
    ? {
        epoch: integer(`${file}: epoch`, json.epoch, 0, Number.MAX_SAFE_INTEGER),
        definitionHash: parseHex(`${file}: definitionHash`, json.definitionHash, { length: 32, lowerCase: true }),
      }
    : {};
  const lock: ClusterLock = {
    version,
    ...ceremony,
    chainId: BigInt(json.chainId),
    blockTimeMs: integer(`${file}: blockTimeMs`, json.blockTimeMs, 0, MAX_BLOCK_TIME_MS),
    threshold: integer(`${file}: threshold`, json.threshold, 1, operators.length),
    groupPublicKey: parseHex(`${file}: groupPublicKey`, json.groupPublicKey, { length: PUBLIC_KEY_LENGTH, lowerCase: true }),
    ...(withAlloc && { alloc: parseLockAlloc(`${file}: alloc`, json.alloc) }),
    operators,
    lockHash: parseHex(`${file}: lockHash`, json.lockHash, { length: 32, lowerCase: true }),
  };
  const expectedHash = computeLockHash(lock);
  if (!equalBytes(expectedHash, lock.lockHash)) {
    throw new Error(`${file}: lockHash ${prefixedHex(lock.lockHash)} does not match the hash of the lock's contents ` +
      `${prefixedHex(expectedHash)}: the file was edited or corrupted after the cluster was created`);
  }
  const problem = thresholdProblem(operators.length, lock.threshold);
  if (problem !== undefined) throw new Error(`${file}: ${problem}`);
  assertSharesConsistent(file, lock);
  if (version === CLUSTER_LOCK_VERSION) return lock;
  return { ...lock, signatures: parseSignatures(file, json.signatures, lock) };
}

/** The operators' signatures of a version-2 lock, each checked against its operator's peer id. */
function parseSignatures(file: string, value: unknown, lock: ClusterLock): Uint8Array[] {
  if (!Array.isArray(value) || value.length !== lock.operators.length) {
    throw new Error(`${file}: signatures: expected one signature per operator (${lock.operators.length}), got ${describeJson(value)}`);
  }
  return value.map((text: unknown, i: number) => {
    const signature = parseHex(`${file}: signatures[${i}]`, text, { length: 64, lowerCase: true });
    const operator = lock.operators[i]!;
    if (!verifyLockSignature(operator.peerId, lock.lockHash, signature)) {
      throw new Error(`${file}: signatures[${i}]: not operator ${operator.index}'s (${operator.peerId}) signature over the lock hash ${prefixedHex(lock.lockHash)}`);
    }
    return signature;
  });
}

function assertSharesConsistent(file: string, lock: ClusterLock): void {
  const t = lock.threshold;
  const shares = lock.operators.map((operator) => ({ index: operator.index, publicKey: operator.publicShare }));
  const subsets = [shares.slice(0, t)];
  for (let j = t; j < shares.length; j++) subsets.push([...shares.slice(0, t - 1), shares[j]!]);
  const expected = prefixedHex(lock.groupPublicKey);
  for (const subset of subsets) {
    let interpolated: string;
    try {
      interpolated = prefixedHex(groupPublicKeyFromShares(subset));
    } catch (cause) {
      throw new Error(`${file}: the public shares are not valid G1 public keys (${(cause as Error).message})`, { cause });
    }
    if (interpolated !== expected) {
      const indices = subset.map((share) => share.index).join(', ');
      throw new Error(`${file}: the public shares {${indices}} interpolate to ${interpolated}, not to groupPublicKey ${expected}: ` +
        `the shares do not belong to one ${t}-of-${shares.length} sharing of the group key`);
    }
  }
}
