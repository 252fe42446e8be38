/**
 * Runs one ceremony (./ceremony.ts: GJKR 1999 joint-Feldman with complaints; resharing after
 * Desmedt–Jajodia 1997 / Wong–Wing–Wang 2002) over a transport (./transport.ts) and ends with a signed
 * lock every receiver agrees on.
 *
 * Flow and timeouts:
 *   connect    wait until every required participant is connected (DKG: every operator; resharing:
 *              every new operator and at least t old ones, then up to `dealerGraceMs` more for the other
 *              old ones); at `timeoutMs` fail naming who is missing;
 *   deal       send this dealer's commitments (broadcast) and shares (each to its receiver only); wait for
 *              the deals of every connected dealer, at most `phaseTimeoutMs` (what is missing then
 *              becomes a complaint);
 *   respond    broadcast the response; wait for every receiver's until the ceremony's deadline
 *              (`timeoutMs` from the start, at least `phaseTimeoutMs`), else fail naming who did not;
 *   justify    an accused dealer reveals; wait for the accused dealers, at most `phaseTimeoutMs`
 *              (silence disqualifies);
 *   decide     QUAL and the outcome (a resharing checks the group key here, before anything is written);
 *   result     build the lock, sign its hash, broadcast RESULT; wait for every receiver's as for the
 *              responses; any other lock hash fails the ceremony naming who computed it.
 * Nothing is written here: the caller writes the output only when this resolves (./output.ts).
 * The log names phases, participants and disqualifications; never a share or a secret.
 */
import type { PrivateKey } from '@libp2p/interface';
import type { Logger } from 'pino';
import { equalBytes, hex, prefixedHex } from '../../bytes/index.js';
import { signLockHash, verifyLockSignature, type ClusterLock } from '../lock.js';
import { Ceremony, CeremonyError, type CeremonyOutcome, type Outgoing, type Party } from './ceremony.js';
import type { TranscriptFile } from './messages.js';
import type { CeremonyTransport } from './transport.js';

/** Charon's default DKG timeout. */
export const DEFAULT_CEREMONY_TIMEOUT_MS = 120_000;
export const DEFAULT_PHASE_TIMEOUT_MS = 15_000;
export const DEFAULT_DEALER_GRACE_MS = 5_000;
/** How long a node stays up after it has every RESULT, so that its own reaches the slower ones. */
const LINGER_MS = 1_000;
/**
 * A frame on a connection that closes under it (two operators dialling each other at once, a restart of
 * the stream) is lost, and the ceremony has no round to recover it: so while a node waits it sends
 * everything it sent so far again to every participant whose RESULT it lacks, after 1 s, then 2 s, 4 s,
 * … (receivers keep the first copy of each message; a copy costs a signature check).
 */
const RESEND_FIRST_MS = 1_000;
const RESEND_MAX_MS = 8_000;

export interface RunCeremonyOptions {
  readonly ceremony: Ceremony;
  readonly transport: CeremonyTransport;
  readonly identity: PrivateKey;
  /** The unsigned lock of an outcome (the caller knows the chain, the addresses, the epoch). */
  readonly lockOf: (outcome: CeremonyOutcome) => ClusterLock;
  readonly timeoutMs?: number;
  readonly phaseTimeoutMs?: number;
  readonly dealerGraceMs?: number;
  readonly logger?: Logger;
  /** Called as each phase starts ('deal', 'respond', 'justify', 'decide', 'result', 'linger') and at 'done' (the benchmark's per-stage CPU). */
  readonly onPhase?: (phase: CeremonyPhase) => void;
}

export type CeremonyPhase = 'deal' | 'respond' | 'justify' | 'decide' | 'result' | 'linger' | 'done';

export interface CeremonyResult {
  readonly outcome: CeremonyOutcome;
  /** The lock with every receiver's signature. */
  readonly lock: ClusterLock;
  readonly transcript: TranscriptFile;
}

const names = (parties: readonly Party[]): string => parties.map((p) => `${p.index} (${p.peerId})`).join(', ');

export async function runCeremony(options: RunCeremonyOptions): Promise<CeremonyResult> {
  const { ceremony, transport } = options;
  const log = options.logger;
  const timeoutMs = options.timeoutMs ?? DEFAULT_CEREMONY_TIMEOUT_MS;
  const phaseTimeoutMs = options.phaseTimeoutMs ?? DEFAULT_PHASE_TIMEOUT_MS;
  const { setup } = ceremony;
  const started = Date.now();
  const deadline = started + timeoutMs;

  let wake: () => void = () => {};
  const sent: Outgoing[] = [];
  let resendDelay = RESEND_FIRST_MS;
  let nextResend = Date.now() + resendDelay;
  const resend = (all: boolean): void => {
    const results = ceremony.resultsByReceiver();
    const receiverIndex = new Map(setup.receivers.map((r) => [r.peerId, r.index]));
    for (const peer of participants) {
      const index = receiverIndex.get(peer.peerId);
      if (!all && index !== undefined && results.has(index)) continue;
      for (const outgoing of sent) {
        for (const signed of outgoing.broadcast) void transport.send(peer.peerId, signed.envelope).catch(() => {});
        for (const { to, message } of outgoing.direct) if (to === peer.peerId) void transport.send(to, message.envelope).catch(() => {});
      }
    }
  };
  const tick = (): void => {
    if (Date.now() < nextResend) return;
    resend(false);
    resendDelay = Math.min(2 * resendDelay, RESEND_MAX_MS);
    nextResend = Date.now() + resendDelay;
  };
  transport.onEnvelope((envelope) => {
    ceremony.receive(envelope);
    wake();
  });
  /** Resolves when `done()` holds (true) or at `deadline` (false), re-checked on every arrival and every 100 ms. */
  const until = (done: () => boolean, deadline: number): Promise<boolean> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (done()) finish(true);
        else if (Date.now() >= deadline) finish(false);
      };
      const timer = setInterval(() => {
        tick();
        check();
      }, 100);
      const finish = (value: boolean): void => {
        clearInterval(timer);
        wake = () => {};
        resolve(value);
      };
      wake = check;
      check();
    });
  const send = async (outgoing: Outgoing): Promise<void> => {
    sent.push(outgoing);
    for (const signed of outgoing.broadcast) {
      ceremony.receive(signed.envelope);
      await transport.broadcast(signed.envelope);
    }
    for (const { to, message } of outgoing.direct) {
      if (to === ceremony.peerId) ceremony.receive(message.envelope);
      else await transport.send(to, message.envelope);
    }
  };
  const participants = [...new Map([...setup.dealers, ...setup.receivers].map((p) => [p.peerId, p])).values()].filter((p) => p.peerId !== ceremony.peerId);
  const notConnected = (parties: readonly Party[]): Party[] => {
    const connected = transport.connected();
    return parties.filter((p) => p.peerId !== ceremony.peerId && !connected.has(p.peerId));
  };
  const rejectedHint = (): string =>
    ceremony.rejected.length === 0 ? '' : `; ${ceremony.rejected.length} messages were rejected, the first: ${ceremony.rejected[0]} (do all operators run the same definition, lock and flags?)`;

  // Connect.
  const dealersNeeded = setup.mode.minimumQualified;
  const connectedDealers = (): number => setup.dealers.length - notConnected(setup.dealers).length;
  const requiredConnected = (): boolean =>
    setup.mode.kind === 'dkg' ? notConnected(participants).length === 0 : notConnected(setup.receivers).length === 0 && connectedDealers() >= dealersNeeded;
  if (!(await until(requiredConnected, deadline))) {
    const missing = setup.mode.kind === 'dkg' ? notConnected(participants) : notConnected(setup.receivers);
    const refused = transport.connectionsRefused();
    const refusedNote = Object.values(refused).some((count) => count > 0) ? `; this node refused inbound connections: ${Object.entries(refused).map(([why, count]) => `${why} ${count}`).join(', ')}` : '';
    const dealerNote = setup.mode.kind === 'reshare' && connectedDealers() < dealersNeeded ? `; only ${connectedDealers()} of the old operators are here, ${dealersNeeded} needed (missing: ${names(notConnected(setup.dealers))})` : '';
    throw new CeremonyError(`timed out after ${timeoutMs} ms waiting for operators to connect: ${missing.length > 0 ? `not connected: ${names(missing)}` : 'the receivers are all here'}${dealerNote}${refusedNote}`);
  }
  if (setup.mode.kind === 'reshare') await until(() => notConnected(setup.dealers).length === 0, Math.min(started + timeoutMs, Date.now() + (options.dealerGraceMs ?? DEFAULT_DEALER_GRACE_MS)));
  const expectedDealers = setup.dealers.filter((d) => !notConnected([d]).length);
  log?.info({ phase: 'deal', dealers: expectedDealers.map((d) => d.index), receivers: setup.receivers.map((r) => r.index) }, 'every operator needed is connected: dealing');

  const phase = options.onPhase ?? (() => {});
  // Deal.
  phase('deal');
  await send(ceremony.deal());
  const dealsIn = await until(() => ceremony.missingDeals().every((d) => !expectedDealers.includes(d)), Date.now() + phaseTimeoutMs);
  if (!dealsIn) log?.warn({ missing: ceremony.missingDeals().map((d) => d.index) }, 'deals missing at the end of the deal phase: complaining');

  // Respond.
  phase('respond');
  await send(ceremony.respond());
  // Every response is needed: wait for them to the ceremony's deadline (the phase timeout bounds only the optional waits).
  if (!(await until(() => ceremony.missingResponses().length === 0, Math.max(deadline, Date.now() + phaseTimeoutMs)))) {
    throw new CeremonyError(`timed out waiting for the responses of ${names(ceremony.missingResponses())}${rejectedHint()}`);
  }

  // Justify.
  phase('justify');
  await send(ceremony.justify());
  await until(() => ceremony.missingJustifications().length === 0, Date.now() + phaseTimeoutMs);

  // Decide.
  phase('decide');
  const outcome = ceremony.decide();
  for (const d of outcome.disqualified) log?.warn({ dealer: d.dealer, peerId: d.peerId, reason: d.reason, evidence: d.evidence }, 'dealer disqualified');
  if (outcome.absent.length > 0) log?.warn({ absent: outcome.absent }, 'dealers that did not deal');
  const lock = options.lockOf(outcome);
  const signature = signLockHash(options.identity, lock.lockHash);
  phase('result');
  await send(ceremony.result(lock.lockHash, signature));
  log?.info({ phase: 'result', lockHash: prefixedHex(lock.lockHash), qualified: outcome.qualified }, 'outcome computed: waiting for every receiver to sign the same lock');
  if (!(await until(() => ceremony.missingResults().length === 0, Math.max(deadline, Date.now() + phaseTimeoutMs)))) {
    throw new CeremonyError(`timed out waiting for the signed lock of ${names(ceremony.missingResults())}`);
  }
  const results = ceremony.resultsByReceiver();
  const disagree = setup.receivers.filter((r) => !equalBytes(results.get(r.index)!.lockHash, lock.lockHash));
  if (disagree.length > 0) {
    throw new CeremonyError(`the operators did not compute the same lock: this node's hash is ${prefixedHex(lock.lockHash)}, ` +
      disagree.map((r) => `${r.index} (${r.peerId}) has ${prefixedHex(results.get(r.index)!.lockHash)}`).join(', '));
  }
  const badSignature = setup.receivers.filter((r) => !verifyLockSignature(r.peerId, lock.lockHash, results.get(r.index)!.lockSignature));
  if (badSignature.length > 0) throw new CeremonyError(`the lock signatures of ${names(badSignature)} do not verify`);
  const signatures = [...setup.receivers].sort((a, b) => a.index - b.index).map((r) => results.get(r.index)!.lockSignature);
  phase('linger');
  if (participants.length > 0) {
    resend(true);
    await new Promise((resolve) => setTimeout(resolve, LINGER_MS));
  }
  phase('done');
  return {
    outcome,
    lock: { ...lock, signatures },
    transcript: {
      version: 1,
      kind: setup.mode.kind,
      ceremonyId: prefixedHex(setup.ceremonyId),
      envelopes: [...ceremony.transcript.values()].map(([body, sig]) => [hex(body), hex(sig)] as const),
    },
  };
}
