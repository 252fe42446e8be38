/**
 * What a ceremony runs on (the idea is Charon's cluster definition): the public proposal every
 * operator checks before it takes part, and whose hash becomes the ceremony id and the lock's
 * `definitionHash` (../lock.ts).
 *
 * `definition.json` (`dst create definition`, for the DKG):
 *
 * ```json
 * {
 *   "version": 1,
 *   "chainId": "901", "blockTimeMs": 1000, "threshold": 3,
 *   "operators": [{ "peerId": "12D3KooW…", "addresses": ["/ip4/10.0.0.1/tcp/9000"] }, …],
 *   "alloc": { … },                          optional: the rollup's genesis alloc (geth's format, ../alloc.ts)
 *   "definitionHash": "0x…"
 * }
 * ```
 *
 * Operator i (1-based, in the listed order) gets share index i. The hash is keccak-256 of the canonical
 * JSON (../lock.ts) of the file without `definitionHash`; a definition whose hash does not match its
 * contents does not load. The alloc must be a valid geth-style alloc; it is hashed as written
 * (`dst create definition` writes it in canonical form), and the DKG's lock carries its canonical form
 * (`lockAllocOf`), covered by the lock hash. A reshare's lock carries the old lock's alloc unchanged.
 *
 * A reshare proposal is not a file: every participant derives it from the old lock and its
 * `--new-operators` and `--threshold`, `{ kind: "reshare", previousLockHash, threshold, operators }`, and
 * its hash is the ceremony id and the new lock's `definitionHash` — participants that were given
 * different flags are in different ceremonies, and their messages never verify for each other.
 */
import { describeJson, equalBytes, parseHex, prefixedHex } from '../../bytes/index.js';
import { keccak256 } from '../../wasm/keccak.js';
import { normaliseAlloc, type AllocJson } from '../alloc.js';
import { MAX_NODES } from '../create.js';
import {
  assertMembers,
  assertMultiaddr,
  assertPeerId,
  canonicalJson,
  integer,
  MAX_BLOCK_TIME_MS,
  MAX_CHAIN_ID,
  parseAddresses,
  thresholdProblem,
  type Canonical,
  type ClusterLock,
} from '../lock.js';

export const DEFINITION_VERSION = 1;
/** The definition's name in a node directory after the DKG. */
export const DEFINITION_FILE = 'cluster-definition.json';

export interface ProposedOperator {
  readonly peerId: string;
  readonly addresses: readonly string[];
}

export interface ClusterProposal {
  readonly chainId: bigint;
  readonly blockTimeMs: number;
  readonly threshold: number;
  readonly operators: readonly ProposedOperator[];
  /** The genesis allocation, carried as given. */
  readonly alloc?: { readonly [key: string]: Canonical };
}

export interface ClusterDefinitionFile extends ClusterProposal {
  readonly definitionHash: Uint8Array;
}

function body(proposal: ClusterProposal): { [key: string]: Canonical } {
  return {
    version: DEFINITION_VERSION,
    chainId: proposal.chainId.toString(),
    blockTimeMs: proposal.blockTimeMs,
    threshold: proposal.threshold,
    operators: proposal.operators.map((o) => ({ peerId: o.peerId, addresses: [...o.addresses] })),
    ...(proposal.alloc !== undefined && { alloc: proposal.alloc }),
  };
}

/** Checks the operators (Ed25519 peer ids, each once; canonical multiaddrs) and the threshold rule for them. */
function checkOperators(where: string, operators: readonly ProposedOperator[], threshold: number): void {
  if (operators.length === 0 || operators.length > MAX_NODES) throw new Error(`${where}: expected 1..${MAX_NODES} operators, got ${operators.length}`);
  const seen = new Set<string>();
  operators.forEach((operator, i) => {
    assertPeerId(`${where}[${i}].peerId`, operator.peerId);
    if (seen.has(operator.peerId)) throw new Error(`${where}[${i}].peerId: ${operator.peerId} appears twice`);
    seen.add(operator.peerId);
    if (operator.addresses.length === 0) throw new Error(`${where}[${i}].addresses: expected at least one multiaddr`);
    operator.addresses.forEach((address, k) => assertMultiaddr(`${where}[${i}].addresses[${k}]`, address));
  });
  const problem = thresholdProblem(operators.length, threshold);
  if (problem !== undefined) throw new Error(`threshold: ${problem}`);
}

/** The alloc a DKG's lock carries for `definition`: its alloc in canonical form (empty when it has none). */
export function lockAllocOf(definition: ClusterProposal): AllocJson {
  return definition.alloc === undefined ? {} : normaliseAlloc(definition.alloc);
}

/** A definition for `proposal` with its hash; throws on a proposal that breaks a rule (the message says which). */
export function createDefinition(proposal: ClusterProposal): ClusterDefinitionFile {
  if (proposal.alloc !== undefined) lockAllocOf(proposal);
  if (proposal.chainId < 1n || proposal.chainId > MAX_CHAIN_ID) throw new Error(`chainId: expected an integer in 1..2^64-1, got ${proposal.chainId}`);
  integer('blockTimeMs', proposal.blockTimeMs, 0, MAX_BLOCK_TIME_MS);
  checkOperators('operators', proposal.operators, proposal.threshold);
  return { ...proposal, definitionHash: keccak256(new TextEncoder().encode(canonicalJson(body(proposal)))) };
}

export function formatDefinition(definition: ClusterDefinitionFile): string {
  return `${JSON.stringify({ ...body(definition), definitionHash: prefixedHex(definition.definitionHash) }, null, 2)}\n`;
}

/** Parses and checks a definition file's text; every error names `file`. */
export function parseDefinition(text: string, file: string): ClusterDefinitionFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new Error(`${file}: not valid JSON (${(cause as Error).message})`, { cause });
  }
  const keys = ['version', 'chainId', 'blockTimeMs', 'threshold', 'operators', 'definitionHash'];
  const withAlloc = typeof json === 'object' && json !== null && 'alloc' in json;
  assertMembers(file, json, withAlloc ? [...keys, 'alloc'] : keys);
  if (json.version !== DEFINITION_VERSION) throw new Error(`${file}: version: expected ${DEFINITION_VERSION}, got ${describeJson(json.version)}`);
  if (typeof json.chainId !== 'string' || !/^[1-9]\d*$/.test(json.chainId) || BigInt(json.chainId) > MAX_CHAIN_ID) {
    throw new Error(`${file}: chainId: expected a decimal string of an integer in 1..2^64-1, got ${describeJson(json.chainId)}`);
  }
  if (!Array.isArray(json.operators)) throw new Error(`${file}: operators: expected an array, got ${describeJson(json.operators)}`);
  const operators = json.operators.map((entry: unknown, i: number) => {
    assertMembers(`${file}: operators[${i}]`, entry, ['peerId', 'addresses']);
    assertPeerId(`${file}: operators[${i}].peerId`, entry.peerId);
    return { peerId: entry.peerId, addresses: parseAddresses(`${file}: operators[${i}].addresses`, entry.addresses) };
  });
  if (withAlloc && (typeof json.alloc !== 'object' || json.alloc === null || Array.isArray(json.alloc))) {
    throw new Error(`${file}: alloc: expected a JSON object (the genesis allocation), got ${describeJson(json.alloc)}`);
  }
  let definition: ClusterDefinitionFile;
  try {
    definition = createDefinition({
      chainId: BigInt(json.chainId),
      blockTimeMs: integer('blockTimeMs', json.blockTimeMs, 0, MAX_BLOCK_TIME_MS),
      threshold: integer('threshold', json.threshold, 1, MAX_NODES),
      operators,
      ...(withAlloc && { alloc: json.alloc as { [key: string]: Canonical } }),
    });
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
  }
  const stated = parseHex(`${file}: definitionHash`, json.definitionHash, { length: 32, lowerCase: true });
  if (!equalBytes(stated, definition.definitionHash)) {
    throw new Error(`${file}: definitionHash ${prefixedHex(stated)} does not match the hash of its contents ${prefixedHex(definition.definitionHash)}: the file was edited after it was made`);
  }
  return definition;
}

/** `PEER_ID@MULTIADDR,…` (the `--operators` and `--new-operators` flags) as operators. */
export function parseOperatorList(flag: string, text: string): ProposedOperator[] {
  return text.split(',').map((item, i) => {
    const at = item.indexOf('@');
    if (at < 1) throw new Error(`${flag}: entry ${i + 1}: expected PEER_ID@MULTIADDR, got ${JSON.stringify(item)}`);
    const peerId = item.slice(0, at);
    const address = item.slice(at + 1);
    assertPeerId(`${flag}: entry ${i + 1}`, peerId);
    assertMultiaddr(`${flag}: entry ${i + 1}`, address);
    return { peerId, addresses: [address] };
  });
}

export interface ReshareProposal {
  readonly previous: ClusterLock;
  readonly threshold: number;
  readonly operators: readonly ProposedOperator[];
}

/** Checks a reshare proposal (the threshold rule for the new set; not the old set again) and returns its hash. */
export function reshareProposalHash(proposal: ReshareProposal): Uint8Array {
  checkOperators('new operators', proposal.operators, proposal.threshold);
  return keccak256(new TextEncoder().encode(canonicalJson({
    version: DEFINITION_VERSION,
    kind: 'reshare',
    previousLockHash: prefixedHex(proposal.previous.lockHash),
    threshold: proposal.threshold,
    operators: proposal.operators.map((o) => ({ peerId: o.peerId, addresses: [...o.addresses] })),
  })));
}
