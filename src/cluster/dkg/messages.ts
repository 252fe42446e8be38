/**
 * The signed messages of the DKG and resharing ceremonies, and the transcript they make.
 *
 * GJKR 1999 ("Secure Distributed Key Generation for Discrete-Log Based Cryptosystems") assumes a
 * broadcast channel and private channels. DST has neither as such, so (as Charon's and drand's DKGs do)
 * every message is signed with the sender's Ed25519 identity key, which makes a broadcast
 * *attributable*: two different signed bodies of one sender for one slot are proof that it
 * equivocated, and a receiver can show others the dealer-signed share it got (a complaint that carries
 * its own evidence). Private shares travel only on the Noise-encrypted libp2p connection to their
 * receiver (./transport.ts).
 *
 * Envelope: the msgpack array `[body, signature]`, body = msgpack of the tuple below, signature =
 * Ed25519 (RFC 8032) over `DKG_SIGNING_DOMAIN ‖ body`; its digest is keccak-256(body). Tuples
 * (indices: a dealer's is its share index in the old set — the DKG's operators, or the old lock's —,
 * a receiver's its share index in the new set; byte strings as msgpack bin):
 *
 *   COMMITMENTS    [1, ceremonyId, dealer, [C₀ … C_{t−1}]]            broadcast, 48-byte G1 points
 *   SHARE          [2, ceremonyId, dealer, receiver, commitmentsDigest, share]   to the receiver only;
 *                  share = f(receiver), 32 bytes big-endian; bound to the COMMITMENTS it belongs to
 *   RESPONSE       [3, ceremonyId, receiver, echoes, complaints]        broadcast; echoes = every
 *                  COMMITMENTS envelope it holds (so an equivocation reaches everyone), complaints =
 *                  [dealer, 1, SHARE envelope] (the share fails its check: the evidence) or
 *                  [dealer, 2, nil] (no share came)
 *   JUSTIFICATION  [4, ceremonyId, dealer, [[receiver, share] …]]       broadcast by a dealer accused
 *                  of withholding: it reveals those shares (GJKR's complaint answer)
 *   RESULT         [5, ceremonyId, receiver, lockHash, lockSignature]   broadcast: the lock it computed,
 *                  with its signature over the lock hash (./../lock.ts, LOCK_SIGNING_DOMAIN)
 *
 * `ceremonyId` is the definition hash (DKG) or the reshare proposal's hash: a message of another
 * ceremony never verifies. The transcript (`dkg-transcript.json` next to the lock) is every broadcast
 * envelope (types 1, 3, 4, 5) in hex, so any operator can audit the ceremony; SHARE envelopes appear
 * in it only as complaint evidence against a dealer that the evidence disqualifies.
 */
import type { PrivateKey } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { concatBytes, equalBytes, hex } from '../../bytes/index.js';
import { ed25519Signer, ed25519Verifier } from '../../p2p/ed25519.js';
import { decodeMsgpack, encodeMsgpack, FrameError } from '../../p2p/framing.js';
import { keccak256 } from '../../wasm/keccak.js';

/** Domain of the ceremony messages' signatures (the identity key also signs consensus messages, Noise handshakes and locks). */
export const DKG_SIGNING_DOMAIN = new TextEncoder().encode('DST/dkg-message/v1\0');

export type Envelope = readonly [body: Uint8Array, signature: Uint8Array];

export type Complaint =
  | { readonly dealer: number; readonly kind: 'bad-share'; readonly evidence: Envelope }
  | { readonly dealer: number; readonly kind: 'no-share' };

export type CeremonyMessage =
  | { readonly type: 'commitments'; readonly dealer: number; readonly commitments: readonly Uint8Array[] }
  | { readonly type: 'share'; readonly dealer: number; readonly receiver: number; readonly commitmentsDigest: Uint8Array; readonly share: Uint8Array }
  | { readonly type: 'response'; readonly receiver: number; readonly echoes: readonly Envelope[]; readonly complaints: readonly Complaint[] }
  | { readonly type: 'justification'; readonly dealer: number; readonly revealed: readonly { readonly receiver: number; readonly share: Uint8Array }[] }
  | { readonly type: 'result'; readonly receiver: number; readonly lockHash: Uint8Array; readonly lockSignature: Uint8Array };

/** A verified message with its envelope, its digest and who signed it. */
export interface SignedMessage<M extends CeremonyMessage = CeremonyMessage> {
  readonly message: M;
  readonly envelope: Envelope;
  /** keccak-256 of the body, lower-case hex without 0x. */
  readonly digest: string;
  readonly signer: string;
}

const CODES = { commitments: 1, share: 2, response: 3, justification: 4, result: 5 } as const;
const TYPES = ['', 'commitments', 'share', 'response', 'justification', 'result'] as const;
/** Messages signed in the dealer role (the others in the receiver role). */
const DEALER_SIGNED = new Set(['commitments', 'share', 'justification']);

/** A well-formed envelope that does not verify (bad signature, unknown signer, other ceremony). */
export class MessageRejected extends Error {
  override readonly name = 'MessageRejected';
}

const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;

function bytesField(name: string, value: unknown, length?: number): Uint8Array {
  if (!isBytes(value) || (length !== undefined && value.length !== length)) throw new FrameError(`malformed ceremony message: ${name}: expected ${length ?? 'some'} bytes`);
  return value;
}

function indexField(name: string, value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) throw new FrameError(`malformed ceremony message: ${name}: expected a share index`);
  return value as number;
}

function envelopeField(name: string, value: unknown): Envelope {
  if (!Array.isArray(value) || value.length !== 2 || !isBytes(value[0]) || !isBytes(value[1])) throw new FrameError(`malformed ceremony message: ${name}: expected [body, signature]`);
  return [value[0], value[1]];
}

function listField(name: string, value: unknown, max: number): unknown[] {
  if (!Array.isArray(value) || value.length > max) throw new FrameError(`malformed ceremony message: ${name}: expected a list of at most ${max}`);
  return value;
}

/**
 * Signs and opens the messages of one ceremony. `dealers` and `receivers` map a role index to the
 * peer id that signs in that role.
 */
export class MessageCodec {
  private readonly sign: (message: Uint8Array) => Uint8Array;
  private readonly verifiers = new Map<string, (message: Uint8Array, signature: Uint8Array) => boolean>();

  constructor(
    readonly ceremonyId: Uint8Array,
    identity: PrivateKey,
    private readonly dealers: ReadonlyMap<number, string>,
    private readonly receivers: ReadonlyMap<number, string>,
  ) {
    this.sign = ed25519Signer(identity);
    for (const peerId of new Set([...dealers.values(), ...receivers.values()])) {
      const key = peerIdFromString(peerId).publicKey;
      if (key === undefined) throw new Error(`peer id ${peerId} carries no public key`);
      this.verifiers.set(peerId, ed25519Verifier(key, peerId));
    }
  }

  /** The signed envelope of one of this node's messages. */
  seal(message: CeremonyMessage): SignedMessage {
    const body = encodeMsgpack(this.tuple(message));
    const envelope: Envelope = [body, this.sign(concatBytes([DKG_SIGNING_DOMAIN, body]))];
    return { message, envelope, digest: hex(keccak256(body)), signer: this.signerOf(message) ?? '' };
  }

  /** Decodes and verifies an envelope: FrameError if malformed, MessageRejected if it does not verify. */
  open(value: unknown): SignedMessage {
    const envelope = envelopeField('envelope', value);
    const fields = decodeMsgpack(envelope[0]);
    if (!Array.isArray(fields) || fields.length < 4) throw new FrameError('malformed ceremony message: expected a tuple [type, ceremonyId, index, ...]');
    if (!isBytes(fields[1]) || !equalBytes(fields[1], this.ceremonyId)) throw new MessageRejected('a message of another ceremony (its ceremony id differs)');
    const message = this.parse(fields);
    const signer = this.signerOf(message);
    if (signer === undefined) {
      const role = DEALER_SIGNED.has(message.type) ? 'dealer' : 'receiver';
      throw new MessageRejected(`a ${message.type} message of ${role} ${role === 'dealer' ? (message as { dealer: number }).dealer : (message as { receiver: number }).receiver}, which is not one`);
    }
    if (!this.verifiers.get(signer)!(concatBytes([DKG_SIGNING_DOMAIN, envelope[0]]), envelope[1])) {
      throw new MessageRejected(`bad signature on a ${message.type} message claiming to be from ${signer}`);
    }
    return { message, envelope, digest: hex(keccak256(envelope[0])), signer };
  }

  private signerOf(message: CeremonyMessage): string | undefined {
    return DEALER_SIGNED.has(message.type) ? this.dealers.get((message as { dealer: number }).dealer) : this.receivers.get((message as { receiver: number }).receiver);
  }

  private tuple(m: CeremonyMessage): unknown[] {
    const head = [CODES[m.type], this.ceremonyId];
    switch (m.type) {
      case 'commitments': return [...head, m.dealer, [...m.commitments]];
      case 'share': return [...head, m.dealer, m.receiver, m.commitmentsDigest, m.share];
      case 'response': return [...head, m.receiver, m.echoes.map((e) => [...e]), m.complaints.map((c) => [c.dealer, c.kind === 'bad-share' ? 1 : 2, c.kind === 'bad-share' ? [...c.evidence] : null])];
      case 'justification': return [...head, m.dealer, m.revealed.map((r) => [r.receiver, r.share])];
      case 'result': return [...head, m.receiver, m.lockHash, m.lockSignature];
    }
  }

  private parse(fields: unknown[]): CeremonyMessage {
    const type = TYPES[fields[0] as number];
    const limit = 4096;
    const expect = (length: number): void => {
      if (fields.length !== length) throw new FrameError(`malformed ceremony message: a ${type} tuple has ${length} fields, got ${fields.length}`);
    };
    switch (type) {
      case 'commitments':
        expect(4);
        return { type, dealer: indexField('dealer', fields[2]), commitments: listField('commitments', fields[3], limit).map((c, k) => bytesField(`commitment ${k}`, c, 48)) };
      case 'share':
        expect(6);
        return { type, dealer: indexField('dealer', fields[2]), receiver: indexField('receiver', fields[3]), commitmentsDigest: bytesField('commitmentsDigest', fields[4], 32), share: bytesField('share', fields[5], 32) };
      case 'response':
        expect(5);
        return {
          type,
          receiver: indexField('receiver', fields[2]),
          echoes: listField('echoes', fields[3], limit).map((e, i) => envelopeField(`echo ${i}`, e)),
          complaints: listField('complaints', fields[4], limit).map((c, i) => {
            const item = listField(`complaint ${i}`, c, 3);
            if (item[1] === 1) return { dealer: indexField('complaint dealer', item[0]), kind: 'bad-share', evidence: envelopeField(`complaint ${i} evidence`, item[2]) } as const;
            if (item[1] === 2) return { dealer: indexField('complaint dealer', item[0]), kind: 'no-share' } as const;
            throw new FrameError(`malformed ceremony message: complaint ${i}: unknown kind ${String(item[1])}`);
          }),
        };
      case 'justification':
        expect(4);
        return {
          type,
          dealer: indexField('dealer', fields[2]),
          revealed: listField('revealed', fields[3], limit).map((r, i) => {
            const item = listField(`revealed ${i}`, r, 2);
            return { receiver: indexField('revealed receiver', item[0]), share: bytesField('revealed share', item[1], 32) };
          }),
        };
      case 'result':
        expect(5);
        return { type, receiver: indexField('receiver', fields[2]), lockHash: bytesField('lockHash', fields[3], 32), lockSignature: bytesField('lockSignature', fields[4], 64) };
      default:
        throw new FrameError(`malformed ceremony message: unknown type ${String(fields[0])}`);
    }
  }
}

/** The transcript file's contents: the ceremony id and every broadcast envelope, hex. */
export interface TranscriptFile {
  readonly version: 1;
  readonly kind: 'dkg' | 'reshare';
  readonly ceremonyId: string;
  /** `[bodyHex, signatureHex]` in the order this operator received them. */
  readonly envelopes: readonly (readonly [string, string])[];
}
