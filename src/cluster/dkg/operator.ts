/**
 * One operator's side of the two ceremonies, from files to files: `runDkgCeremony` (GJKR 1999
 * joint-Feldman, ./dkg.ts) from a definition, and `runReshareCeremony` (Desmedt–Jajodia 1997 /
 * Wong–Wing–Wang 2002, ./reshare.ts) from the old lock and the new operator set. Each checks its
 * inputs and the node directory BEFORE it connects to anyone (an operator that cannot write its output
 * must not make the others fail late), runs the ceremony over libp2p (./transport.ts, ./run.ts) and
 * writes the node directory all-or-nothing (./output.ts). The CLI is src/cli/dkg.ts.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { bytesToBigInt } from '../../bytes/index.js';
import { readShareKeystores, type KeyShare } from '../../crypto/index.js';
import { KEYS_DIR } from '../create.js';
import { IDENTITY_KEY_FILE, peerIdOf, readIdentityKey, type Ed25519PrivateKey } from '../identity.js';
import { CLUSTER_LOCK_FILE, sealClusterLock, type ClusterLock } from '../lock.js';
import { Ceremony, CeremonyError, type CeremonyOutcome, type CeremonySetup } from './ceremony.js';
import { formatDefinition, lockAllocOf, reshareProposalHash, type ClusterDefinitionFile, type ProposedOperator } from './definition.js';
import { dkgMode } from './dkg.js';
import { exists, writeCeremonyOutput } from './output.js';
import { reshareMode } from './reshare.js';
import { runCeremony, type CeremonyPhase, type CeremonyResult } from './run.js';
import { createCeremonyTransport, type Participant } from './transport.js';

export interface CeremonyRunOptions {
  /** The node directory: holds p2p-identity.key; the output goes here. */
  readonly dir: string;
  /** Listen here instead of this operator's addresses in the definition / new operator list. */
  readonly listen?: readonly string[];
  /** Accept connections from any address (NAT); default only the participants'. */
  readonly acceptAny?: boolean;
  readonly timeoutMs?: number;
  readonly phaseTimeoutMs?: number;
  readonly dealerGraceMs?: number;
  readonly logger?: Logger;
  /** Called as each phase of the ceremony starts (./run.ts). */
  readonly onPhase?: (phase: CeremonyPhase) => void;
  /** Write the node directory (default true; the benchmark runs the ceremony alone). */
  readonly write?: boolean;
  /** Tests: the ceremony object this operator runs (a misbehaving one). */
  readonly makeCeremony?: (setup: CeremonySetup, identity: Ed25519PrivateKey, secret: bigint | undefined) => Ceremony;
}

export interface OperatorResult extends CeremonyResult {
  /** This operator's index in the new lock, undefined if it left. */
  readonly index: number | undefined;
}

async function loadIdentity(dir: string): Promise<{ identity: Ed25519PrivateKey; peerId: string }> {
  const identity = await readIdentityKey(join(dir, IDENTITY_KEY_FILE));
  return { identity, peerId: peerIdOf(identity) };
}

async function run(options: CeremonyRunOptions, setup: CeremonySetup, identity: Ed25519PrivateKey, secret: bigint | undefined, participants: Participant[], listen: readonly string[], lockOf: (outcome: CeremonyOutcome) => ClusterLock): Promise<CeremonyResult> {
  const ceremony = options.makeCeremony?.(setup, identity, secret) ?? new Ceremony(setup, identity, secret);
  const transport = await createCeremonyTransport({ identity, listen, participants, acceptFrom: options.acceptAny ? 'any' : 'operators', logger: options.logger?.child({ module: 'p2p' }) });
  try {
    return await runCeremony({ ceremony, transport, identity, lockOf, timeoutMs: options.timeoutMs, phaseTimeoutMs: options.phaseTimeoutMs, dealerGraceMs: options.dealerGraceMs, logger: options.logger, onPhase: options.onPhase });
  } finally {
    await transport.stop();
  }
}

/** The DKG for `definition`, run by the operator whose identity is in `options.dir`. */
export async function runDkgCeremony(definition: ClusterDefinitionFile, options: CeremonyRunOptions): Promise<OperatorResult> {
  const { identity, peerId } = await loadIdentity(options.dir);
  const position = definition.operators.findIndex((o) => o.peerId === peerId);
  if (position < 0) throw new CeremonyError(`${join(options.dir, IDENTITY_KEY_FILE)}: its peer id ${peerId} is not an operator of the definition`);
  for (const name of [CLUSTER_LOCK_FILE, KEYS_DIR]) {
    if (await exists(join(options.dir, name))) throw new CeremonyError(`${options.dir} already holds ${name}: it is the node directory of a cluster; use a directory with only the identity key`);
  }
  const parties = definition.operators.map((o, i) => ({ index: i + 1, peerId: o.peerId }));
  const setup: CeremonySetup = { ceremonyId: definition.definitionHash, dealers: parties, receivers: parties, threshold: definition.threshold, mode: dkgMode(definition.threshold) };
  const result = await run(options, setup, identity, undefined, [...definition.operators], options.listen ?? definition.operators[position]!.addresses, (outcome) =>
    sealClusterLock({
      chainId: definition.chainId,
      blockTimeMs: definition.blockTimeMs,
      threshold: definition.threshold,
      groupPublicKey: outcome.groupPublicKey,
      operators: definition.operators.map((o, i) => ({ index: i + 1, peerId: o.peerId, addresses: o.addresses, publicShare: outcome.publicShares[i]!.publicKey })),
      epoch: 0,
      definitionHash: definition.definitionHash,
      alloc: lockAllocOf(definition),
    }));
  if (options.write !== false) await writeCeremonyOutput({ dir: options.dir, lock: result.lock, share: result.outcome.share, transcript: result.transcript, definitionText: formatDefinition(definition) });
  return { ...result, index: position + 1 };
}

export interface ReshareInput {
  readonly previous: ClusterLock;
  readonly operators: readonly ProposedOperator[];
  /** Default: the old threshold if the rule allows it for the new size, else the new quorum (the CLI decides). */
  readonly threshold: number;
}

/** This old operator's share of `previous`, from `dir/keys` (undefined when the identity is not an old operator). */
async function oldShare(dir: string, previous: ClusterLock, peerId: string): Promise<KeyShare | undefined> {
  const operator = previous.operators.find((o) => o.peerId === peerId);
  if (operator === undefined) return undefined;
  const keysDir = join(dir, KEYS_DIR);
  const names = (await exists(keysDir)) ? await readdir(keysDir) : [];
  if (!names.includes(`keystore-share-${operator.index}.json`)) {
    throw new CeremonyError(`${keysDir}: expected the keystore keystore-share-${operator.index}.json of old operator ${operator.index} (${peerId}): an old operator reshares its share`);
  }
  const [share] = await readShareKeystores(keysDir, [{ index: operator.index, publicKey: operator.publicShare }]);
  return share;
}

/** A reshare of `input.previous` to `input.operators`, run by the operator whose identity is in `options.dir`. */
export async function runReshareCeremony(input: ReshareInput, options: CeremonyRunOptions): Promise<OperatorResult> {
  const { previous, operators, threshold } = input;
  const { identity, peerId } = await loadIdentity(options.dir);
  const ceremonyId = reshareProposalHash({ previous, operators, threshold });
  const newPosition = operators.findIndex((o) => o.peerId === peerId);
  const share = await oldShare(options.dir, previous, peerId);
  if (share === undefined && newPosition < 0) throw new CeremonyError(`${join(options.dir, IDENTITY_KEY_FILE)}: its peer id ${peerId} is neither an operator of the lock nor one of the new operators`);
  if (share === undefined && (await exists(join(options.dir, KEYS_DIR)))) {
    throw new CeremonyError(`${join(options.dir, KEYS_DIR)}: a new operator's directory must hold no key shares (these are not of an operator of the lock); use a directory with only the identity key`);
  }
  const participants = new Map<string, Participant>();
  for (const o of operators) participants.set(o.peerId, o);
  for (const o of previous.operators) if (!participants.has(o.peerId)) participants.set(o.peerId, { peerId: o.peerId, addresses: o.addresses });
  const setup: CeremonySetup = {
    ceremonyId,
    dealers: previous.operators.map((o) => ({ index: o.index, peerId: o.peerId })),
    receivers: operators.map((o, i) => ({ index: i + 1, peerId: o.peerId })),
    threshold,
    mode: reshareMode({ threshold: previous.threshold, groupPublicKey: previous.groupPublicKey, publicShares: new Map(previous.operators.map((o) => [o.index, o.publicShare])) }),
  };
  const listen = options.listen ?? participants.get(peerId)!.addresses;
  const result = await run(options, setup, identity, share && bytesToBigInt(share.secretKey), [...participants.values()], listen, (outcome) =>
    sealClusterLock({
      chainId: previous.chainId,
      blockTimeMs: previous.blockTimeMs,
      threshold,
      groupPublicKey: outcome.groupPublicKey,
      operators: operators.map((o, i) => ({ index: i + 1, peerId: o.peerId, addresses: o.addresses, publicShare: outcome.publicShares[i]!.publicKey })),
      epoch: (previous.epoch ?? 0) + 1,
      definitionHash: ceremonyId,
      // The genesis state is the chain's, not the key's: unchanged by a reshare.
      alloc: previous.alloc,
    }));
  if (options.write !== false) await writeCeremonyOutput({ dir: options.dir, lock: result.lock, share: result.outcome.share, transcript: result.transcript });
  return { ...result, index: newPosition < 0 ? undefined : newPosition + 1 };
}
