/**
 * The batch work of `src/crypto` — verifying many signature sets, combining the partial signatures of
 * many blocks — as tasks made only of bytes, so that the same code runs on the main thread and in a
 * worker (Lodestar's habit): a task is a few typed arrays that can be moved to a worker
 * with a transfer list, and its result is an `{ ok: true, … }` / `{ ok: false, error }` union, never
 * an exception thrown across the thread boundary.
 *
 * Batch verification follows "Fast verification of multiple BLS signatures" (Vitalik Buterin,
 * ethresear.ch/t/5407), as implemented by blst's `verifyMultipleAggregateSignatures`: each set's
 * pairing equation is multiplied by a fresh random 64-bit scalar and all are checked with one shared
 * final exponentiation, so a batch verifies at about the cost of its Miller loops, and an invalid set
 * makes the whole batch fail except with probability 2⁻⁶⁴. When a batch fails, its sets are verified
 * one by one to say which are invalid.
 */
import * as blst from '@chainsafe/blst';
import { assertArray, assertBytes, describe } from '../bytes/index.js';
import { ADDRESS_LENGTH, RECOVERY_HASH_LENGTH, RECOVERY_SIGNATURE_LENGTH, recoverAddress, type RecoveryItem } from './secp256k1.js';
import { PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH, combine, type PartialSignature } from './threshold.js';

/** One signature to check: a compressed public key, the message, a compressed signature. */
export interface SignatureSet {
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * Most signature sets verified in one randomized batch (one task). Each set costs about one Miller
 * loop plus hashing its message to G2, the batch one final exponentiation (about one set's worth):
 * at 128 sets that shared part is under 1%, so larger batches gain nothing. Smaller batches keep a
 * failed batch cheap to search (its sets are then checked one by one, about twice a set's batched
 * cost each) and give the pool several tasks per worker to balance load; 128 is Lodestar's choice
 * (`MAX_SIGNATURE_SETS_PER_JOB`) for the same reasons.
 */
export const MAX_SETS_PER_CHUNK = 128;
/**
 * Fewest sets worth a task of their own: below about 16, a task's fixed costs (the final
 * exponentiation, posting to a worker and back, roughly one to two sets' worth) exceed 10% of it, so
 * small batches are not split further just to occupy idle workers.
 */
export const MIN_SETS_PER_CHUNK = 16;
/**
 * Blocks combined per task: one combine (t deserializations with subgroup checks, a t-point G2
 * multi-scalar multiplication, one serialization) costs about a millisecond, against roughly 0.1 ms
 * to post a task and collect its result; 8 blocks bring that overhead near 1% while a catch-up of a
 * few dozen blocks still spreads over every worker.
 */
export const COMBINES_PER_TASK = 8;

/**
 * Sender recoveries per task: one costs about 70 µs with native libsecp256k1, against roughly 0.1 ms
 * to post a task and collect its result; 256 recoveries (≈ 18 ms) bring that overhead under 1% while a
 * block of a few thousand transactions still spreads over every worker.
 */
export const RECOVERIES_PER_TASK = 256;

/** Splits `total` items into contiguous [start, end) chunks of near-equal size for `workers` workers. */
export function chunkRanges(total: number, workers: number): Array<[number, number]> {
  if (total === 0) return [];
  const chunkCount = Math.max(
    Math.ceil(total / MAX_SETS_PER_CHUNK),
    Math.min(workers, Math.floor(total / MIN_SETS_PER_CHUNK)),
    1,
  );
  const ranges: Array<[number, number]> = [];
  for (let c = 0; c < chunkCount; c++) {
    ranges.push([Math.floor((c * total) / chunkCount), Math.floor(((c + 1) * total) / chunkCount)]);
  }
  return ranges;
}

/** Public-boundary check of signature sets (shapes only; bad points are invalid sets, not errors). */
export function assertSignatureSets(name: string, sets: readonly SignatureSet[]): void {
  assertArray(name, sets, { of: 'signature sets' });
  sets.forEach((set, i) => {
    if (typeof set !== 'object' || set === null) throw new TypeError(`${name}: sets[${i}]: expected { publicKey, message, signature }, got ${describe(set)}`);
    assertBytes(`${name}: sets[${i}].publicKey`, set.publicKey, PUBLIC_KEY_LENGTH);
    assertBytes(`${name}: sets[${i}].message`, set.message);
    assertBytes(`${name}: sets[${i}].signature`, set.signature, SIGNATURE_LENGTH);
  });
}

/**
 * Positions of the invalid sets among `sets` (shapes already checked): one randomized batch check,
 * then one by one if it fails. A public key or signature that blst cannot deserialize with subgroup
 * and infinity checks makes its set invalid.
 */
export function findInvalidSets(sets: readonly SignatureSet[]): number[] {
  const invalid: number[] = [];
  const decoded: Array<{ position: number; set: blst.SignatureSet }> = [];
  sets.forEach((set, position) => {
    try {
      decoded.push({
        position,
        set: { msg: set.message, pk: blst.PublicKey.fromBytes(set.publicKey, true), sig: blst.Signature.fromBytes(set.signature, true) },
      });
    } catch {
      invalid.push(position);
    }
  });
  // Points were validated on deserialization, so the batch call skips repeating those checks.
  if (decoded.length > 0 && !blst.verifyMultipleAggregateSignatures(decoded.map((d) => d.set), false, false)) {
    for (const { position, set } of decoded) {
      if (!blst.verify(set.msg, set.pk, set.sig, false, false)) invalid.push(position);
    }
    invalid.sort((a, b) => a - b);
  }
  return invalid;
}

/** A verify task: the sets of one chunk packed into four transferable arrays. */
export interface VerifyTask {
  readonly kind: 'verify';
  /** `count` × 48 bytes. */
  readonly publicKeys: Uint8Array;
  /** `count` × 96 bytes. */
  readonly signatures: Uint8Array;
  /** The messages, concatenated. */
  readonly messages: Uint8Array;
  /** End offset of each message in `messages`; `count` entries. */
  readonly messageEnds: Uint32Array;
}

/** A combine task: the partial signatures of several blocks. */
export interface CombineTask {
  readonly kind: 'combine';
  /** Share index of every partial, block after block. */
  readonly indices: Uint32Array;
  /** The partials' compressed signatures, 96 bytes each, in the same order. */
  readonly signatures: Uint8Array;
  /** End (in partials) of each block's run in `indices`; one entry per block. */
  readonly blockEnds: Uint32Array;
}

/** A recovery task: signatures over hashes, for sender recovery. */
export interface RecoverTask {
  readonly kind: 'recover';
  /** `count` × 32-byte signed hashes. */
  readonly hashes: Uint8Array;
  /** `count` × 64-byte signatures (r ‖ s). */
  readonly signatures: Uint8Array;
  /** `count` recovery ids (0 or 1). */
  readonly recoveries: Uint8Array;
}

export type Task = VerifyTask | CombineTask | RecoverTask;

/** Outcome of a verify task: chunk-relative positions of the invalid sets. */
export type VerifyTaskResult = { readonly ok: true; readonly invalid: number[] } | { readonly ok: false; readonly error: string };

/** Outcome of combining one block's partials. */
export type CombineOutcome = { readonly ok: true; readonly signature: Uint8Array } | { readonly ok: false; readonly error: string };

export type CombineTaskResult = { readonly ok: true; readonly outcomes: CombineOutcome[] } | { readonly ok: false; readonly error: string };

/** Outcome of a recovery task: `count` × 20-byte addresses, and 1 where recovery succeeded, 0 where not. */
export type RecoverTaskResult =
  | { readonly ok: true; readonly addresses: Uint8Array; readonly recovered: Uint8Array }
  | { readonly ok: false; readonly error: string };

export type TaskResult = VerifyTaskResult | CombineTaskResult | RecoverTaskResult;

/** Packs sets[start, end) into a verify task whose arrays are fresh, hence safe to transfer. */
export function packVerifyTask(sets: readonly SignatureSet[], start: number, end: number): VerifyTask {
  const count = end - start;
  const publicKeys = new Uint8Array(count * PUBLIC_KEY_LENGTH);
  const signatures = new Uint8Array(count * SIGNATURE_LENGTH);
  const messageEnds = new Uint32Array(count);
  let messageBytes = 0;
  for (let i = 0; i < count; i++) {
    messageBytes += sets[start + i]!.message.length;
    messageEnds[i] = messageBytes;
  }
  const messages = new Uint8Array(messageBytes);
  for (let i = 0; i < count; i++) {
    const set = sets[start + i]!;
    publicKeys.set(set.publicKey, i * PUBLIC_KEY_LENGTH);
    signatures.set(set.signature, i * SIGNATURE_LENGTH);
    messages.set(set.message, i === 0 ? 0 : messageEnds[i - 1]!);
  }
  return { kind: 'verify', publicKeys, signatures, messages, messageEnds };
}

/** Packs blocks' partial signatures into a combine task with fresh arrays. */
export function packCombineTask(blocks: readonly (readonly PartialSignature[])[]): CombineTask {
  const total = blocks.reduce((sum, partials) => sum + partials.length, 0);
  const indices = new Uint32Array(total);
  const signatures = new Uint8Array(total * SIGNATURE_LENGTH);
  const blockEnds = new Uint32Array(blocks.length);
  let k = 0;
  blocks.forEach((partials, b) => {
    for (const partial of partials) {
      indices[k] = partial.index;
      signatures.set(partial.signature, k * SIGNATURE_LENGTH);
      k++;
    }
    blockEnds[b] = k;
  });
  return { kind: 'combine', indices, signatures, blockEnds };
}

/** Public-boundary check of recovery items (shapes only; a signature that recovers nothing is a result). */
export function assertRecoveryItems(name: string, items: readonly RecoveryItem[]): void {
  assertArray(name, items, { of: '{ hash, signature, recovery }' });
  items.forEach((item, i) => {
    if (typeof item !== 'object' || item === null) throw new TypeError(`${name}: items[${i}]: expected { hash, signature, recovery }, got ${describe(item)}`);
    assertBytes(`${name}: items[${i}].hash`, item.hash, RECOVERY_HASH_LENGTH);
    assertBytes(`${name}: items[${i}].signature`, item.signature, RECOVERY_SIGNATURE_LENGTH);
    if (item.recovery !== 0 && item.recovery !== 1) throw new RangeError(`${name}: items[${i}].recovery: expected 0 or 1, got ${describe(item.recovery)}`);
  });
}

/** Packs items[start, end) into a recovery task with fresh arrays. */
export function packRecoverTask(items: readonly RecoveryItem[], start: number, end: number): RecoverTask {
  const count = end - start;
  const hashes = new Uint8Array(count * RECOVERY_HASH_LENGTH);
  const signatures = new Uint8Array(count * RECOVERY_SIGNATURE_LENGTH);
  const recoveries = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const item = items[start + i]!;
    hashes.set(item.hash, i * RECOVERY_HASH_LENGTH);
    signatures.set(item.signature, i * RECOVERY_SIGNATURE_LENGTH);
    recoveries[i] = item.recovery;
  }
  return { kind: 'recover', hashes, signatures, recoveries };
}

/** Runs a recovery task; never throws. */
export function runRecoverTask(task: RecoverTask): RecoverTaskResult {
  try {
    const count = task.recoveries.length;
    const addresses = new Uint8Array(count * ADDRESS_LENGTH);
    const recovered = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const address = recoverAddress({
        hash: task.hashes.subarray(i * RECOVERY_HASH_LENGTH, (i + 1) * RECOVERY_HASH_LENGTH),
        signature: task.signatures.subarray(i * RECOVERY_SIGNATURE_LENGTH, (i + 1) * RECOVERY_SIGNATURE_LENGTH),
        recovery: task.recoveries[i]!,
      });
      if (address !== undefined) {
        addresses.set(address, i * ADDRESS_LENGTH);
        recovered[i] = 1;
      }
    }
    return { ok: true, addresses, recovered };
  } catch (error) {
    return { ok: false, error: messageOf(error) };
  }
}

/** A recovery task's result as one entry per item: the address, or undefined where none recovers. */
export function unpackRecovered(result: { addresses: Uint8Array; recovered: Uint8Array }): Array<Uint8Array | undefined> {
  return Array.from(result.recovered, (ok, i) => (ok === 1 ? result.addresses.slice(i * ADDRESS_LENGTH, (i + 1) * ADDRESS_LENGTH) : undefined));
}

/** The buffers of a task, for its transfer list. */
export function transferListOf(task: Task): ArrayBuffer[] {
  const views =
    task.kind === 'verify'
      ? [task.publicKeys, task.signatures, task.messages, task.messageEnds]
      : task.kind === 'combine'
        ? [task.indices, task.signatures, task.blockEnds]
        : [task.hashes, task.signatures, task.recoveries];
  return views.map((v) => v.buffer as ArrayBuffer);
}

/** Runs a verify task; never throws. */
export function runVerifyTask(task: VerifyTask): VerifyTaskResult {
  try {
    const sets: SignatureSet[] = [];
    for (let i = 0; i < task.messageEnds.length; i++) {
      sets.push({
        publicKey: task.publicKeys.subarray(i * PUBLIC_KEY_LENGTH, (i + 1) * PUBLIC_KEY_LENGTH),
        message: task.messages.subarray(i === 0 ? 0 : task.messageEnds[i - 1]!, task.messageEnds[i]!),
        signature: task.signatures.subarray(i * SIGNATURE_LENGTH, (i + 1) * SIGNATURE_LENGTH),
      });
    }
    return { ok: true, invalid: findInvalidSets(sets) };
  } catch (error) {
    return { ok: false, error: messageOf(error) };
  }
}

/** Runs a combine task; never throws. A block whose partials cannot be combined gets its own error. */
export function runCombineTask(task: CombineTask): CombineTaskResult {
  try {
    const outcomes: CombineOutcome[] = [];
    let start = 0;
    for (const end of task.blockEnds) {
      const partials: PartialSignature[] = [];
      for (let k = start; k < end; k++) {
        partials.push({ index: task.indices[k]!, signature: task.signatures.subarray(k * SIGNATURE_LENGTH, (k + 1) * SIGNATURE_LENGTH) });
      }
      outcomes.push(combineOutcome(partials));
      start = end;
    }
    return { ok: true, outcomes };
  } catch (error) {
    return { ok: false, error: messageOf(error) };
  }
}

/** `combine` as an ok/error union. */
export function combineOutcome(partials: readonly PartialSignature[]): CombineOutcome {
  try {
    return { ok: true, signature: combine(partials) };
  } catch (error) {
    return { ok: false, error: messageOf(error) };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
