/**
 * The ceremony state machine shared by the DKG and the resharing: joint-Feldman verifiable secret
 * sharing with complaints and disqualification (GJKR 1999, "Secure Distributed Key Generation for
 * Discrete-Log Based Cryptosystems", §3 Joint-Feldman and Fig. 2's complaint phase; resharing after
 * Desmedt–Jajodia 1997 and Wong–Wing–Wang 2002, ./reshare.ts). Pure: no I/O and no timers — the runner
 * (./run.ts) moves it from phase to phase, feeds it every envelope that arrives and sends what it
 * returns; the tests drive it directly too.
 *
 * Phases (each dealer is an operator of the old set — all operators in a DKG —, each receiver one of
 * the new set; messages in ./messages.ts):
 *   1. deal       every dealer draws a degree-(t−1) polynomial (constant: random in a DKG, its old share
 *                 when resharing), broadcasts its commitments, sends each receiver its share;
 *   2. respond    every receiver broadcasts the commitments it holds (echoes) and a complaint per dealer
 *                 whose share failed its check (with the dealer-signed share as evidence) or never came;
 *   3. justify    a dealer accused of withholding reveals those shares;
 *   4. decide     every participant computes the same qualified set QUAL from the same signed
 *                 messages: a dealer is disqualified, with the evidence named, for two different signed
 *                 commitment broadcasts (equivocation), malformed commitments, a commitment rule of the
 *                 mode (resharing: C₀ must be its old public share), a share whose signed evidence fails
 *                 the Feldman check, or a withheld share it did not reveal validly. A dealer nobody holds
 *                 commitments of did not take part. With weights w_D over QUAL (./dkg.ts: 1; ./reshare.ts:
 *                 Lagrange at 0), share_j = Σ w_D·f_D(j), public share_j = Σₖ jᵏ·Σ_D w_D·C_{D,k}, group
 *                 key = Σ_D w_D·C_{D,0}.
 * Agreement on the outcome is checked afterwards by the RESULT messages (./run.ts): every receiver signs
 * the lock it computed, and the ceremony succeeds only if every lock hash is the same.
 */
import type { PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { bigIntToBytes, bytesToBigInt, equalBytes, hex } from '../../bytes/index.js';
import { keccak256 } from '../../wasm/keccak.js';
import { PUBLIC_KEY_LENGTH, SECRET_KEY_LENGTH, type KeyShare, type PublicShare } from '../../crypto/index.js';
import { compressG1, FR_MODULUS } from '../../wasm/index.js';
import { MessageCodec, type CeremonyMessage, type Complaint, type Envelope, type SignedMessage } from './messages.js';
import { combineCommitments, commitPolynomial, decodeCommitments, evaluateCommitments, evaluateShares, publicKeyOfScalar, randomPolynomial, verifyShare, verifySharesBatch } from './polynomial.js';

export interface Party {
  /** Share index in its set (1-based). */
  readonly index: number;
  readonly peerId: string;
}

/** What differs between a DKG and a resharing (./dkg.ts, ./reshare.ts). */
export interface CeremonyMode {
  readonly kind: 'dkg' | 'reshare';
  /** A problem with dealer `dealer`'s commitments beyond their form (resharing: C₀ is not its old public share). */
  checkCommitments(dealer: number, commitments: readonly Uint8Array[]): string | undefined;
  /** Fewest qualified dealers the ceremony needs. */
  readonly minimumQualified: number;
  /** The weight of each qualified dealer (same order as `qualified`). */
  weights(qualified: readonly number[]): bigint[];
  /** A problem with the outcome's group key (resharing: it must be the old one), checked before anything is written. */
  checkGroupKey(groupPublicKey: Uint8Array): string | undefined;
}

export interface CeremonySetup {
  readonly ceremonyId: Uint8Array;
  readonly dealers: readonly Party[];
  readonly receivers: readonly Party[];
  /** The new threshold t: polynomials of degree t − 1. */
  readonly threshold: number;
  readonly mode: CeremonyMode;
}

export interface Disqualification {
  readonly dealer: number;
  readonly peerId: string;
  readonly reason: string;
  /** Digests (keccak-256 of the bodies, hex) of the signed messages that prove it. */
  readonly evidence: readonly string[];
}

export interface CeremonyOutcome {
  readonly qualified: readonly number[];
  readonly disqualified: readonly Disqualification[];
  /** Dealers nobody holds commitments of. */
  readonly absent: readonly number[];
  readonly groupPublicKey: Uint8Array;
  /** By receiver index 1..n. */
  readonly publicShares: readonly PublicShare[];
  /** This node's new share, if it is a receiver. */
  readonly share: KeyShare | undefined;
}

/** What one phase sends: broadcasts to every participant, and private envelopes to one. */
export interface Outgoing {
  readonly broadcast: readonly SignedMessage[];
  readonly direct: readonly { readonly to: string; readonly message: SignedMessage }[];
}

type Commitments = SignedMessage<Extract<CeremonyMessage, { type: 'commitments' }>> & { readonly points: Uint8Array[] | string };

/** The ceremony failed in a way no honest participant can repair (too few qualified dealers, a bad outcome). */
export class CeremonyError extends Error {
  override readonly name = 'CeremonyError';
}

export class Ceremony {
  readonly codec: MessageCodec;
  readonly peerId: string;
  /** This node's index as a dealer and as a receiver (undefined: not in that role). */
  readonly dealerIndex: number | undefined;
  readonly receiverIndex: number | undefined;
  /** Every broadcast envelope seen, by digest, in arrival order (the transcript). */
  readonly transcript = new Map<string, Envelope>();
  /** Messages that were malformed or did not verify, with why (for the log; never fatal). */
  readonly rejected: string[] = [];

  private readonly commitments = new Map<number, Map<string, Commitments>>();
  private readonly shares = new Map<number, SignedMessage<Extract<CeremonyMessage, { type: 'share' }>>>();
  private readonly responses = new Map<number, SignedMessage<Extract<CeremonyMessage, { type: 'response' }>>>();
  private readonly justifications = new Map<number, SignedMessage<Extract<CeremonyMessage, { type: 'justification' }>>>();
  private readonly results = new Map<number, SignedMessage<Extract<CeremonyMessage, { type: 'result' }>>>();

  /**
   * @param secret the dealer's constant term (resharing: its old share); drawn at random when absent
   */
  constructor(readonly setup: CeremonySetup, identity: PrivateKey, private readonly secret?: bigint) {
    this.peerId = peerIdFromPrivateKey(identity).toString();
    this.dealerIndex = setup.dealers.find((p) => p.peerId === this.peerId)?.index;
    this.receiverIndex = setup.receivers.find((p) => p.peerId === this.peerId)?.index;
    if (this.dealerIndex === undefined && this.receiverIndex === undefined) throw new CeremonyError(`identity ${this.peerId} is neither a dealer nor a receiver of this ceremony`);
    this.codec = new MessageCodec(setup.ceremonyId, identity, new Map(setup.dealers.map((p) => [p.index, p.peerId])), new Map(setup.receivers.map((p) => [p.index, p.peerId])));
  }

  /** Phase 1: this dealer's commitments and shares (nothing for a receiver that is no dealer). */
  deal(): Outgoing {
    if (this.dealerIndex === undefined) return { broadcast: [], direct: [] };
    const polynomial = randomPolynomial(this.setup.threshold, this.secret);
    return this.dealPolynomial(polynomial, polynomial);
  }

  /** This dealer's own SHARE messages, kept to reveal them if a receiver complains it got none. */
  private readonly dealt = new Map<number, bigint>();

  /**
   * The deal of a polynomial: commitments of `committed`, shares of `shared` (the same for an honest
   * dealer; tests pass others to play a dealer whose shares do not match its commitments).
   */
  protected dealPolynomial(committed: readonly bigint[], shared: readonly bigint[]): Outgoing {
    const commitments = this.codec.seal({ type: 'commitments', dealer: this.dealerIndex!, commitments: commitPolynomial(committed) });
    const maxIndex = Math.max(...this.setup.receivers.map((p) => p.index));
    const values = evaluateShares(shared, maxIndex);
    const direct = this.setup.receivers.map((receiver) => {
      this.dealt.set(receiver.index, values[receiver.index - 1]!);
      return { to: receiver.peerId, message: this.shareMessage(receiver.index, commitments.digest, values[receiver.index - 1]!) };
    });
    return { broadcast: [commitments], direct };
  }

  /** A signed SHARE message of this dealer. */
  protected shareMessage(receiver: number, commitmentsDigest: string, share: bigint): SignedMessage {
    return this.codec.seal({ type: 'share', dealer: this.dealerIndex!, receiver, commitmentsDigest: Buffer.from(commitmentsDigest, 'hex'), share: bigIntToBytes(share, SECRET_KEY_LENGTH) });
  }

  /** Takes in an envelope from anyone (its own included); a bad one is noted in `rejected`, never thrown. */
  receive(value: unknown): void {
    let signed: SignedMessage;
    try {
      signed = this.codec.open(value);
    } catch (error) {
      this.rejected.push((error as Error).message);
      return;
    }
    this.take(signed);
  }

  private take(signed: SignedMessage): void {
    const m = signed.message;
    if (m.type !== 'share') this.transcript.set(signed.digest, signed.envelope);
    switch (m.type) {
      case 'commitments': {
        const versions = this.commitments.get(m.dealer) ?? new Map<string, Commitments>();
        if (!versions.has(signed.digest)) versions.set(signed.digest, { ...(signed as Commitments), points: decodeCommitments(m.commitments, this.setup.threshold) });
        this.commitments.set(m.dealer, versions);
        return;
      }
      case 'share':
        if (m.receiver === this.receiverIndex && !this.shares.has(m.dealer)) this.shares.set(m.dealer, signed as never);
        return;
      case 'response':
        if (this.responses.has(m.receiver)) return;
        this.responses.set(m.receiver, signed as never);
        // n responses echo n commitments each: an echo of bytes already taken (same body, same
        // signature) is skipped without a second signature check and decoding.
        for (const echo of m.echoes) if (!this.holds(echo)) this.receive(echo);
        return;
      case 'justification':
        if (!this.justifications.has(m.dealer)) this.justifications.set(m.dealer, signed as never);
        return;
      case 'result':
        if (!this.results.has(m.receiver)) this.results.set(m.receiver, signed as never);
        return;
    }
  }

  /** Whether this exact envelope (body and signature) is in the transcript already. */
  private holds(envelope: Envelope): boolean {
    const held = this.transcript.get(hex(keccak256(envelope[0])));
    return held !== undefined && equalBytes(held[0], envelope[0]) && equalBytes(held[1], envelope[1]);
  }

  /** Dealers whose deal this node still lacks (commitments, and its share if it is a receiver). */
  missingDeals(): Party[] {
    return this.setup.dealers.filter((d) => !this.commitments.has(d.index) || (this.receiverIndex !== undefined && !this.shares.has(d.index)));
  }

  /** Phase 2: this receiver's response (nothing for a dealer that is no receiver). */
  respond(): Outgoing {
    if (this.receiverIndex === undefined) return { broadcast: [], direct: [] };
    const echoes = [...this.commitments.values()].flatMap((versions) => [...versions.values()].map((c) => c.envelope));
    const complaints: Complaint[] = [];
    // Every share held is checked at once (verifySharesBatch); only if that fails one by one, to find the dealers to accuse.
    const batch = this.setup.dealers.flatMap((dealer) => {
      const share = this.shares.get(dealer.index);
      const bound = share && this.commitments.get(dealer.index)?.get(hex(share.message.commitmentsDigest));
      return bound && typeof bound.points !== 'string' ? [{ points: bound.points, share: bytesToBigInt(share.message.share) }] : [];
    });
    const allValid = batch.length === this.shares.size && verifySharesBatch(batch, this.receiverIndex);
    for (const dealer of this.setup.dealers) {
      const versions = this.commitments.get(dealer.index);
      if (versions === undefined) continue;
      const share = this.shares.get(dealer.index);
      if (share === undefined) complaints.push({ dealer: dealer.index, kind: 'no-share' });
      else if (!allValid && this.shareProblem(share) !== undefined) complaints.push({ dealer: dealer.index, kind: 'bad-share', evidence: share.envelope });
    }
    return { broadcast: [this.codec.seal({ type: 'response', receiver: this.receiverIndex, echoes, complaints })], direct: [] };
  }

  /** Why a dealer's signed share for its receiver fails (bound to commitments it did not broadcast, or off them), or undefined. */
  private shareProblem(share: SignedMessage<Extract<CeremonyMessage, { type: 'share' }>>): string | undefined {
    const versions = this.commitments.get(share.message.dealer);
    const bound = versions?.get(hex(share.message.commitmentsDigest));
    if (bound === undefined) return `its share for receiver ${share.message.receiver} is bound to commitments ${hex(share.message.commitmentsDigest)} it never broadcast`;
    if (typeof bound.points === 'string') return `its commitments are malformed: ${bound.points}`;
    if (!verifyShare(bound.points, share.message.receiver, bytesToBigInt(share.message.share))) return `its share for receiver ${share.message.receiver} fails the Feldman check against its commitments`;
    return undefined;
  }

  /** Receivers whose response this node still lacks. */
  missingResponses(): Party[] {
    return this.setup.receivers.filter((r) => !this.responses.has(r.index));
  }

  /** Dealer → the receivers that complained of no share, over the responses received. */
  private withheldComplaints(): Map<number, number[]> {
    const accused = new Map<number, number[]>();
    for (const response of this.responses.values()) {
      for (const complaint of response.message.complaints) {
        if (complaint.kind === 'no-share') accused.set(complaint.dealer, [...(accused.get(complaint.dealer) ?? []), response.message.receiver]);
      }
    }
    return accused;
  }

  /** Phase 3: this dealer's justification, if receivers complained that its share did not come. */
  justify(): Outgoing {
    if (this.dealerIndex === undefined) return { broadcast: [], direct: [] };
    const receivers = this.withheldComplaints().get(this.dealerIndex);
    if (receivers === undefined) return { broadcast: [], direct: [] };
    const revealed = receivers.flatMap((receiver) => {
      const share = this.dealt.get(receiver);
      return share === undefined ? [] : [{ receiver, share: bigIntToBytes(share, SECRET_KEY_LENGTH) }];
    });
    return { broadcast: [this.codec.seal({ type: 'justification', dealer: this.dealerIndex, revealed })], direct: [] };
  }

  /** Accused dealers whose justification this node still lacks. */
  missingJustifications(): Party[] {
    const accused = this.withheldComplaints();
    return this.setup.dealers.filter((d) => accused.has(d.index) && !this.justifications.has(d.index));
  }

  /** Phase 4: QUAL, the disqualifications with their evidence, and the outcome. Throws CeremonyError if it cannot succeed. */
  decide(): CeremonyOutcome {
    const disqualified: Disqualification[] = [];
    const absent: number[] = [];
    const qualified: { index: number; points: Uint8Array[] }[] = [];
    for (const dealer of this.setup.dealers) {
      const result = this.judge(dealer);
      if (result === 'absent') absent.push(dealer.index);
      else if ('reason' in result) disqualified.push({ dealer: dealer.index, peerId: dealer.peerId, ...result });
      else qualified.push({ index: dealer.index, points: result.points });
    }
    const { mode } = this.setup;
    if (qualified.length < mode.minimumQualified) {
      const why = [...disqualified.map((d) => `dealer ${d.dealer} (${d.peerId}) disqualified: ${d.reason}`), ...absent.map((a) => `dealer ${a} did not deal`)];
      throw new CeremonyError(`only ${qualified.length} dealers qualified, the ceremony needs ${mode.minimumQualified}${why.length > 0 ? `: ${why.join('; ')}` : ''}`);
    }
    const indices = qualified.map((q) => q.index);
    const weights = mode.weights(indices);
    const combined = combineCommitments(qualified.map((q) => q.points), weights);
    const groupPublicKey = compressG1(combined[0]!);
    const keyProblem = mode.checkGroupKey(groupPublicKey);
    if (keyProblem !== undefined) throw new CeremonyError(keyProblem);
    const publicShares = [...this.setup.receivers].sort((a, b) => a.index - b.index).map((r) => ({ index: r.index, publicKey: evaluateCommitments(combined, r.index) }));
    let share: KeyShare | undefined;
    if (this.receiverIndex !== undefined) {
      let sum = 0n;
      qualified.forEach((q, i) => {
        sum = (sum + weights[i]! * this.myShareFrom(q.index)) % FR_MODULUS;
      });
      const publicKey = publicShares.find((p) => p.index === this.receiverIndex)!.publicKey;
      if (sum === 0n || hex(publicKeyOfScalar(sum)) !== hex(publicKey)) throw new CeremonyError(`the combined share of receiver ${this.receiverIndex} does not match its public share: a qualified dealer's share was not checked (a bug)`);
      share = { index: this.receiverIndex, secretKey: bigIntToBytes(sum, SECRET_KEY_LENGTH) };
    }
    if (groupPublicKey.length !== PUBLIC_KEY_LENGTH) throw new CeremonyError('the group key is not a compressed G1 point');
    return { qualified: indices, disqualified, absent, groupPublicKey, publicShares, share };
  }

  /** This receiver's share from a qualified dealer: the one it was sent, or the one the dealer revealed. */
  private myShareFrom(dealer: number): bigint {
    const sent = this.shares.get(dealer);
    if (sent !== undefined) return bytesToBigInt(sent.message.share);
    const revealed = this.justifications.get(dealer)?.message.revealed.find((r) => r.receiver === this.receiverIndex);
    return bytesToBigInt(revealed!.share);
  }

  /** The verdict on one dealer from the signed messages held. */
  private judge(dealer: Party): 'absent' | { points: Uint8Array[] } | { reason: string; evidence: string[] } {
    const versions = [...(this.commitments.get(dealer.index)?.values() ?? [])];
    if (versions.length === 0) return 'absent';
    if (versions.length > 1) {
      return { reason: `equivocation: ${versions.length} different signed commitment broadcasts`, evidence: versions.map((v) => v.digest) };
    }
    const commitments = versions[0]!;
    if (typeof commitments.points === 'string') return { reason: `malformed commitments: ${commitments.points}`, evidence: [commitments.digest] };
    const modeProblem = this.setup.mode.checkCommitments(dealer.index, commitments.message.commitments);
    if (modeProblem !== undefined) return { reason: modeProblem, evidence: [commitments.digest] };
    const justification = this.justifications.get(dealer.index);
    for (const response of [...this.responses.values()].sort((a, b) => a.message.receiver - b.message.receiver)) {
      const receiver = response.message.receiver;
      for (const complaint of response.message.complaints) {
        if (complaint.dealer !== dealer.index) continue;
        if (complaint.kind === 'bad-share') {
          let evidence: SignedMessage;
          try {
            evidence = this.codec.open(complaint.evidence);
          } catch {
            continue; // not the dealer's signed share: an unfounded complaint, ignored
          }
          const m = evidence.message;
          if (m.type !== 'share' || m.dealer !== dealer.index || m.receiver !== receiver) continue;
          const problem = this.shareProblem(evidence as never);
          if (problem !== undefined) return { reason: `${problem} (complaint of receiver ${receiver})`, evidence: [commitments.digest, response.digest, evidence.digest] };
        } else {
          const revealed = justification?.message.revealed.find((r) => r.receiver === receiver);
          if (revealed === undefined) {
            return { reason: `withheld the share of receiver ${receiver} and did not reveal it when it complained`, evidence: [commitments.digest, response.digest, ...(justification ? [justification.digest] : [])] };
          }
          if (!verifyShare(commitments.points, receiver, bytesToBigInt(revealed.share))) {
            return { reason: `revealed a share for receiver ${receiver} that fails the Feldman check`, evidence: [commitments.digest, response.digest, justification!.digest] };
          }
        }
      }
    }
    return { points: commitments.points };
  }

  /** Phase 5: the RESULT of this receiver (its lock hash and its signature over it). */
  result(lockHash: Uint8Array, lockSignature: Uint8Array): Outgoing {
    if (this.receiverIndex === undefined) return { broadcast: [], direct: [] };
    return { broadcast: [this.codec.seal({ type: 'result', receiver: this.receiverIndex, lockHash, lockSignature })], direct: [] };
  }

  /** Receivers whose RESULT this node still lacks. */
  missingResults(): Party[] {
    return this.setup.receivers.filter((r) => !this.results.has(r.index));
  }

  /** The RESULTs received, by receiver index. */
  resultsByReceiver(): ReadonlyMap<number, { lockHash: Uint8Array; lockSignature: Uint8Array }> {
    return new Map([...this.results].map(([index, signed]) => [index, { lockHash: signed.message.lockHash, lockSignature: signed.message.lockSignature }]));
  }
}
