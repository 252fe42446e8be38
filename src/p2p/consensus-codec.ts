/**
 * Signed envelopes for QBFT messages (docs/architecture.md §5 "Wire": every consensus message is signed by its
 * sender's operator identity key, so justifications can be forwarded and checked).
 *
 * Envelope (what travels, and what a justification embeds): the msgpack array `[body, signature]`,
 *   body      = msgpack bytes of the message's canonical tuple (below),
 *   signature = Ed25519 (RFC 8032) by the sender's identity key over `CONSENSUS_SIGNING_DOMAIN ‖ body`.
 * A verifier checks the signature over the body bytes as received and never re-encodes, so a
 * forwarded envelope stays valid byte for byte.
 *
 * Canonical tuple: a msgpack array in a fixed order per type (integers in msgpack's shortest form,
 * as msgpackr writes them; strings UTF-8; bytes as bin; absent optionals as nil):
 *   PRE-PREPARE  [1, height, round, sender, value, justification | nil]
 *                justification = [roundChangeEnvelopes[], prepareEnvelopes[]]
 *   PREPARE      [2, height, round, sender, valueId]
 *   COMMIT       [3, height, round, sender, valueId, partialSignature]
 *   ROUND-CHANGE [4, height, round, sender, prepared | nil]
 *                prepared = [preparedRound, value, prepareEnvelopes[]]
 *   DECIDED      [5, height, round, sender, value, commitEnvelopes[]]
 * Nested messages are embedded as their own envelopes, each signed by its own sender.
 * `value` is the consensus value in the form a `ValueCodec` gives it (the identity by default: the value
 * itself as msgpack). The node's codec sends a block as `[headerRlp, rawTransactions[]]` and rebuilds
 * (and checks) the block while the envelope is opened, so a value that does not decode is a malformed
 * frame and the message objects handed up are still the ones whose envelopes are remembered.
 *
 * Forwarding: the QBFT machine forwards the very message objects it received (types.ts), so the
 * codec remembers the envelope of every message it opened, by object identity, and reuses it when
 * that object is embedded in an outgoing message; a message of this node is signed afresh.
 *
 * Verified once: an envelope seen again — a PREPARE or COMMIT first received alone and then inside a
 * justification, a ROUND-CHANGE or a DECIDED — is not verified again. The codec keeps the last
 * `VERIFIED_ENVELOPES` envelopes whose signature checked out, by their signature (the message's id),
 * with sender and body; an envelope counts as verified only when all three are byte for byte the
 * ones that were checked, so nothing unverified can pass as verified.
 */
import './polyfill.js';
import type { PrivateKey, PublicKey } from '@libp2p/interface';
import { concatBytes, equalBytes } from '../bytes/index.js';
import type { Commit, Prepare, QbftMessage, RoundChange } from '../consensus/qbft/types.js';
import { ed25519Signer, ed25519Verifier } from './ed25519.js';
import { FrameError, decodeMsgpack, encodeMsgpack } from './framing.js';

/** Domain separation for the identity key's consensus signatures (the key also signs noise handshakes). */
export const CONSENSUS_SIGNING_DOMAIN = new TextEncoder().encode('DST/consensus-message/v1\0');

/** `[body, signature]`; see the module docblock. */
export type Envelope = readonly [body: Uint8Array, signature: Uint8Array];

/** How consensus values travel: `encode` gives a msgpack-encodable form, `decode` rebuilds the value
 * from what was received and throws (any Error) if it is not a well-formed value. */
export interface ValueCodec<V> {
  encode(value: V): unknown;
  decode(wire: unknown): V;
}

const IDENTITY_VALUES: ValueCodec<never> = { encode: (value) => value, decode: (wire) => wire as never };

/** A well-formed message whose signature or sender does not check out. */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
}

const TYPE_CODE = { 'PRE-PREPARE': 1, PREPARE: 2, COMMIT: 3, 'ROUND-CHANGE': 4, DECIDED: 5 } as const;

/**
 * Envelopes whose signature was verified, remembered so a re-seen one is not verified again: a few
 * heights' messages of a large cluster (n messages of each kind per round, each re-seen at most in a
 * justification or a DECIDED of the same height or round).
 */
export const VERIFIED_ENVELOPES = 1_024;

export class ConsensusCodec<V> {
  private readonly envelopes = new WeakMap<object, Envelope>();
  /** Each operator's identity key, and this node's, made once (ed25519.ts). */
  private readonly verifiers: readonly ((message: Uint8Array, signature: Uint8Array) => boolean)[];
  private readonly signer: (message: Uint8Array) => Uint8Array;
  /** Verified envelopes by signature (hex), oldest first (a Map keeps insertion order); see the module docblock. */
  private readonly verified = new Map<string, { sender: number; body: Uint8Array }>();
  private signatureChecks = 0;

  /**
   * @param identity this node's identity key (signs its messages)
   * @param self this node's operator index
   * @param operatorKeys identity public key of every operator, by index
   * @param values how values travel (default: as they are)
   */
  constructor(
    identity: PrivateKey,
    private readonly self: number,
    private readonly operatorKeys: readonly PublicKey[],
    private readonly values: ValueCodec<V> = IDENTITY_VALUES,
  ) {
    this.signer = ed25519Signer(identity);
    this.verifiers = operatorKeys.map((key, index) => ed25519Verifier(key, `operator ${index}`));
  }

  /** Ed25519 verifications done so far (envelopes re-seen after they verified are not verified again). */
  get signaturesVerified(): number {
    return this.signatureChecks;
  }

  /** The envelope of `message`: remembered if it was received, otherwise signed by this node. */
  async seal(message: QbftMessage<V>): Promise<Envelope> {
    const known = this.envelopes.get(message);
    if (known) return known;
    if (message.sender !== this.self) {
      throw new Error(
        `cannot send a ${message.type} of sender ${message.sender} without its signature: expected a message ` +
          `this node received (its envelope is kept) or one of its own (sender ${this.self})`,
      );
    }
    const body = encodeMsgpack(await this.tuple(message));
    const signature = this.signer(concatBytes([CONSENSUS_SIGNING_DOMAIN, body]));
    const envelope: Envelope = [body, signature];
    this.envelopes.set(message, envelope);
    // Its own signature: a peer forwarding it back inside a justification needs no check here.
    this.rememberVerified(this.self, body, signature);
    return envelope;
  }

  /**
   * Decode and authenticate an envelope received from operator `from`: its sender must be `from`, and
   * it and every nested message must carry a valid signature of its own sender.
   * Throws FrameError for a malformed envelope, AuthenticationError for a bad signature or sender.
   */
  async open(envelope: unknown, from: number): Promise<QbftMessage<V>> {
    const message = await this.openEnvelope(envelope);
    if (message.sender !== from) {
      throw new AuthenticationError(`message claims sender ${message.sender} but came from operator ${from}`);
    }
    return message;
  }

  private async tuple(message: QbftMessage<V>): Promise<unknown[]> {
    const head = [TYPE_CODE[message.type], message.height, message.round, message.sender];
    switch (message.type) {
      case 'PRE-PREPARE': {
        const j = message.justification;
        const justification = j
          ? [await this.sealAll(j.roundChanges), await this.sealAll(j.prepares)]
          : null;
        return [...head, this.values.encode(message.value), justification];
      }
      case 'PREPARE':
        return [...head, message.valueId];
      case 'COMMIT':
        return [...head, message.valueId, message.signature];
      case 'ROUND-CHANGE': {
        const p = message.prepared;
        return [...head, p ? [p.round, this.values.encode(p.value), await this.sealAll(p.prepares)] : null];
      }
      case 'DECIDED':
        return [...head, this.values.encode(message.value), await this.sealAll(message.commits)];
    }
  }

  private decodeValue(wire: unknown): V {
    try {
      return this.values.decode(wire);
    } catch (error) {
      throw new FrameError(`malformed consensus value: ${(error as Error).message}`);
    }
  }

  private sealAll(messages: readonly QbftMessage<V>[]): Promise<Envelope[]> {
    return Promise.all(messages.map((m) => this.seal(m)));
  }

  private async openEnvelope(envelope: unknown): Promise<QbftMessage<V>> {
    if (!Array.isArray(envelope) || envelope.length !== 2 || !isBytes(envelope[0]) || !isBytes(envelope[1])) {
      throw new FrameError('malformed consensus envelope: expected [body: bin, signature: bin]');
    }
    const [body, signature] = envelope as [Uint8Array, Uint8Array];
    const fields = decodeMsgpack(body);
    if (!Array.isArray(fields) || fields.length < 5) {
      throw new FrameError('malformed consensus message: expected a tuple [type, height, round, sender, ...]');
    }
    const [code, height, round, sender] = fields as unknown[];
    for (const [name, value] of [['height', height], ['round', round], ['sender', sender]] as const) {
      if (!Number.isSafeInteger(value) || (value as number) < 0) {
        throw new FrameError(`malformed consensus message: expected ${name} a non-negative integer, got ${String(value)}`);
      }
    }
    const senderIndex = sender as number;
    if (senderIndex >= this.operatorKeys.length) {
      throw new AuthenticationError(`unknown sender ${senderIndex}: the cluster has ${this.operatorKeys.length} operators`);
    }
    if (!this.verifiedBefore(senderIndex, body, signature)) {
      this.signatureChecks++;
      const valid = this.verifiers[senderIndex]!(concatBytes([CONSENSUS_SIGNING_DOMAIN, body]), signature);
      if (!valid) throw new AuthenticationError(`bad signature on a message of sender ${senderIndex}`);
      this.rememberVerified(senderIndex, body, signature);
    }

    const h = height as number;
    const r = round as number;
    const s = senderIndex;
    let message: QbftMessage<V>;
    switch (code) {
      case TYPE_CODE['PRE-PREPARE']: {
        expectLength(fields, 6, 'PRE-PREPARE');
        const j = fields[5];
        let justification;
        if (j !== null && j !== undefined) {
          if (!Array.isArray(j) || j.length !== 2) throw new FrameError('malformed PRE-PREPARE justification');
          justification = {
            roundChanges: await this.openAll(j[0], 'ROUND-CHANGE'),
            prepares: await this.openAll(j[1], 'PREPARE'),
          };
        }
        message = { type: 'PRE-PREPARE', height: h, round: r, sender: s, value: this.decodeValue(fields[4]), ...(justification && { justification }) };
        break;
      }
      case TYPE_CODE.PREPARE:
        expectLength(fields, 5, 'PREPARE');
        message = { type: 'PREPARE', height: h, round: r, sender: s, valueId: expectString(fields[4]) };
        break;
      case TYPE_CODE.COMMIT:
        expectLength(fields, 6, 'COMMIT');
        if (!isBytes(fields[5])) throw new FrameError('malformed COMMIT: expected its partial signature as bin');
        message = { type: 'COMMIT', height: h, round: r, sender: s, valueId: expectString(fields[4]), signature: fields[5] };
        break;
      case TYPE_CODE['ROUND-CHANGE']: {
        expectLength(fields, 5, 'ROUND-CHANGE');
        const p = fields[4];
        let prepared;
        if (p !== null && p !== undefined) {
          if (!Array.isArray(p) || p.length !== 3 || !Number.isSafeInteger(p[0]) || p[0] < 0) {
            throw new FrameError('malformed ROUND-CHANGE: expected prepared = [round, value, prepares]');
          }
          prepared = { round: p[0] as number, value: this.decodeValue(p[1]), prepares: await this.openAll(p[2], 'PREPARE') };
        }
        message = { type: 'ROUND-CHANGE', height: h, round: r, sender: s, ...(prepared && { prepared }) };
        break;
      }
      case TYPE_CODE.DECIDED:
        expectLength(fields, 6, 'DECIDED');
        message = { type: 'DECIDED', height: h, round: r, sender: s, value: this.decodeValue(fields[4]), commits: await this.openAll(fields[5], 'COMMIT') };
        break;
      default:
        throw new FrameError(`malformed consensus message: unknown type code ${String(code)}`);
    }
    this.envelopes.set(message, [body, signature]);
    return message;
  }

  /** Whether exactly this (sender, body, signature) was verified before (module docblock, "Verified once"). */
  private verifiedBefore(sender: number, body: Uint8Array, signature: Uint8Array): boolean {
    const known = this.verified.get(Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength).toString('hex'));
    return known !== undefined && known.sender === sender && equalBytes(known.body, body);
  }

  private rememberVerified(sender: number, body: Uint8Array, signature: Uint8Array): void {
    const key = Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength).toString('hex');
    this.verified.delete(key);
    // A copy: the body may be a view into a frame buffer that is reused.
    this.verified.set(key, { sender, body: Uint8Array.from(body) });
    if (this.verified.size > VERIFIED_ENVELOPES) this.verified.delete(this.verified.keys().next().value!);
  }

  private async openAll(list: unknown, type: 'PREPARE'): Promise<Prepare[]>;
  private async openAll(list: unknown, type: 'COMMIT'): Promise<Commit[]>;
  private async openAll(list: unknown, type: 'ROUND-CHANGE'): Promise<RoundChange<V>[]>;
  private async openAll(list: unknown, type: QbftMessage<V>['type']): Promise<QbftMessage<V>[]> {
    if (!Array.isArray(list)) throw new FrameError(`malformed justification: expected a list of ${type} envelopes`);
    const messages: QbftMessage<V>[] = [];
    for (const envelope of list) {
      const message = await this.openEnvelope(envelope);
      if (message.type !== type) {
        throw new FrameError(`malformed justification: expected ${type} envelopes, got a ${message.type}`);
      }
      messages.push(message);
    }
    return messages;
  }
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

function expectLength(fields: unknown[], length: number, type: string): void {
  if (fields.length !== length) {
    throw new FrameError(`malformed ${type}: expected ${length} fields, got ${fields.length}`);
  }
}

function expectString(value: unknown): string {
  if (typeof value !== 'string') throw new FrameError(`malformed message: expected valueId a string, got ${typeof value}`);
  return value;
}
