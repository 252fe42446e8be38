/**
 * The Ethereum transactions-trie root of a block, computed in one call from the block's raw
 * transactions, together with every transaction's hash.
 *
 * The trie is the Merkle-Patricia trie of the Yellow Paper (appendix D) mapping `rlp(i)` to the i-th
 * raw transaction (legacy: its RLP list; typed, EIP-2718: type byte ‖ RLP payload). Nodes are RLP
 * lists: a leaf `[hexPrefix(rest of path, leaf), value]`, an extension
 * `[hexPrefix(shared path, extension), child]` and a branch of 17 items (16 children and a value,
 * always empty here because no key is a prefix of another: the first byte of `rlp(i)` fixes its
 * length). A child whose RLP is shorter than 32 bytes is embedded as is; a longer one is referenced
 * by its keccak-256. The root is always hashed; the root of no transactions is keccak(rlp("")) =
 * keccak(0x80).
 *
 * No insertion, no node objects: the trie is built bottom-up in one recursive pass over the keys in
 * trie order (lexicographic order of their nibbles), which for keys `rlp(i)` is known without
 * sorting: 1..127 (single bytes 0x01..0x7f), then 0 (0x80), then 128.. in numeric order (0x81 xx,
 * then 0x82 xx xx, both big-endian). A key is kept as its RLP bytes left-aligned in a u64, so the
 * first nibble where a run of sorted keys differs is `clz(first ^ last) / 4`, and a subtrie is a
 * contiguous run of positions. Each branch depth has its own fixed node buffer, children write their
 * references straight into their parent's buffer, and a leaf is hashed as `prefix ‖ transaction`
 * without copying the transaction.
 *
 * Hashing is nearly all the work, so it is done two nodes per Keccak-f[1600] call with the 2-way
 * SIMD sponge (../hash/sponge-x2.ts). In a block of two or more transactions every leaf reference
 * is made before that pass (`hashLeaves`: a leaf's depth follows from its sorted neighbours' keys),
 * the leaves hashed in pairs of the same block count, and the pass copies them in. A branch's
 * children that are branches or extensions are queued as they are written and hashed in pairs
 * before the branch itself is referenced (`hashQueued`). Nodes under 32 bytes are embedded as
 * before, never hashed; the root is always hashed.
 *
 * Memory regions (fixed at compile time, see src/wasm/core.ts for the contract): the raw
 * transactions (TRIE_DATA_CAPACITY bytes), their offsets and lengths (u32 each), the output hashes
 * (32 bytes each, in block order) and root, and the scratch space of the keys, the node buffers, the
 * leaf records (64 bytes per transaction) and the queues of child nodes (16 per branch depth).
 * `transactionsRoot` returns 0, or one of the negative TRIE_ERR_* statuses below.
 */
import { keccak256Into, keccak256PrefixedInto, DIGEST_BYTES, RATE } from '../hash/sponge';
import { keccak256PrefixedX2 } from '../hash/sponge-x2';
import { headerLength, stringHeaderLength, writeListHeader, writeStringHeader } from './rlp';

/**
 * 16 MiB of raw transactions per block: above any block Ethereum accepts (EIP-7934 caps a whole
 * RLP-encoded execution block at 10 MiB), and 5x a block of 10,000 typical (~300-byte) transactions.
 */
const TRIE_DATA_CAPACITY: i32 = 16 << 20;
/**
 * 65,536 transactions per block: every transaction costs at least 21,000 gas, so a block this full
 * needs a gas limit of 1.38 billion, some 30 times Ethereum's. It also bounds keys to `rlp(65535)` =
 * 0x82 ff ff, 6 nibbles.
 */
const TRIE_MAX_TRANSACTIONS: i32 = 1 << 16;
/** Nibbles in the longest key, `rlp(TRIE_MAX_TRANSACTIONS - 1)`. */
const MAX_KEY_NIBBLES: i32 = 6;
/** A branch: 3 header bytes, 16 references of at most 33 bytes, the empty value; rounded up to 16. */
const NODE_BUFFER_BYTES: i32 = 544;
/** Header, path and value header of a leaf: at most 4 + 5 + 4 bytes (payloads are under 16 MiB). */
const LEAF_PREFIX_BYTES: i32 = 16;
/** A node reference: 0xa0 followed by the 32-byte hash, or an embedded node of under 32 bytes. */
const REFERENCE_BYTES: i32 = 1 + DIGEST_BYTES;

const TRIE_OK: i32 = 0;
/** The count is negative or above TRIE_MAX_TRANSACTIONS. */
const TRIE_ERR_COUNT: i32 = -1;
/** A transaction has length zero. */
const TRIE_ERR_EMPTY_TRANSACTION: i32 = -2;
/** A transaction lies (partly) outside the data region. */
const TRIE_ERR_TRANSACTION_RANGE: i32 = -3;

const DATA: usize = memory.data(TRIE_DATA_CAPACITY, 16);
const OFFSETS: usize = memory.data(TRIE_MAX_TRANSACTIONS * 4, 16);
const LENGTHS: usize = memory.data(TRIE_MAX_TRANSACTIONS * 4, 16);
const HASHES: usize = memory.data(TRIE_MAX_TRANSACTIONS * DIGEST_BYTES, 16);
const ROOT: usize = memory.data(DIGEST_BYTES, 16);
/** Keys in trie order, each `rlp(index)` left-aligned in a u64. */
const SORTED_KEYS: usize = memory.data(TRIE_MAX_TRANSACTIONS * 8, 16);
/** The transaction index of each sorted key. */
const SORTED_INDICES: usize = memory.data(TRIE_MAX_TRANSACTIONS * 4, 16);
/** One node buffer per nibble depth (branches and extensions at that depth). */
const NODES: usize = memory.data(MAX_KEY_NIBBLES * NODE_BUFFER_BYTES, 16);
const LEAF_PREFIX: usize = memory.data(LEAF_PREFIX_BYTES, 16);
/**
 * One record per sorted position, for blocks of two or more transactions: the leaf's reference (at
 * 0, REFERENCE_BYTES), its length, and the leaf node's prefix (header, path, value header) kept
 * until the leaf is hashed.
 */
const LEAF_RECORD_BYTES: i32 = 64;
const RECORD_REFERENCE_LENGTH: usize = 40;
const RECORD_PREFIX_LENGTH: usize = 41;
const RECORD_PREFIX: usize = 48;
const LEAF_RECORDS: usize = memory.data(TRIE_MAX_TRANSACTIONS * LEAF_RECORD_BYTES, 16);
/** The sorted positions of the leaves to hash, grouped by their number of keccak blocks. */
const HASH_ORDER: usize = memory.data(TRIE_MAX_TRANSACTIONS * 4, 16);
/** Leaves are grouped by block count 1, 2, …, BLOCK_CLASSES - 1, and BLOCK_CLASSES or more. */
const BLOCK_CLASSES: i32 = 16;
const CLASS_STARTS: usize = memory.data(BLOCK_CLASSES * 4, 16);
/**
 * The queue of each branch depth: the child nodes (branches and extensions) written but not yet
 * hashed, at most 16 per branch, each with its length and where its hash goes; and the order in
 * which `hashQueued` pairs them.
 */
const QUEUE_NODES: usize = memory.data(MAX_KEY_NIBBLES * 16 * NODE_BUFFER_BYTES, 16);
const QUEUE_LENGTHS: usize = memory.data(MAX_KEY_NIBBLES * 16 * 4, 16);
const QUEUE_OUTS: usize = memory.data(MAX_KEY_NIBBLES * 16 * 4, 16);
const QUEUE_COUNTS: usize = memory.data(MAX_KEY_NIBBLES * 4, 16);
const QUEUE_ORDER: usize = memory.data(16, 16);
const ROOT_REFERENCE: usize = memory.data(REFERENCE_BYTES, 16);
/** rlp(""): the root of the empty trie is its hash. */
const EMPTY_STRING_RLP: usize = memory.data<u8>([0x80]);

export function trieDataOffset(): usize {
  return DATA;
}
export function trieDataCapacity(): i32 {
  return TRIE_DATA_CAPACITY;
}
export function trieOffsetsOffset(): usize {
  return OFFSETS;
}
export function trieLengthsOffset(): usize {
  return LENGTHS;
}
export function trieMaxTransactions(): i32 {
  return TRIE_MAX_TRANSACTIONS;
}
export function trieHashesOffset(): usize {
  return HASHES;
}
export function trieRootOffset(): usize {
  return ROOT;
}

/**
 * Hashes the `count` transactions laid out in the data region (transaction i: `lengths[i]` bytes at
 * `offsets[i]`), writing hash i at `hashes + 32·i`, and writes the transactions-trie root to the
 * root region. Every range is checked before anything is written.
 */
export function transactionsRoot(count: i32): i32 {
  return computeRoot(count, true);
}

/**
 * The transactions-trie root alone, as `transactionsRoot` but without the transaction hashes (the
 * hashes region is left untouched): what a verifier needs, and about half the keccak work, since
 * every leaf hashes its transaction again inside the leaf node.
 */
export function transactionsRootOnly(count: i32): i32 {
  return computeRoot(count, false);
}

function computeRoot(count: i32, withHashes: bool): i32 {
  if (count < 0 || count > TRIE_MAX_TRANSACTIONS) return TRIE_ERR_COUNT;
  for (let i = 0; i < count; i++) {
    const length = load<u32>(LENGTHS + (<usize>i << 2));
    if (length == 0) return TRIE_ERR_EMPTY_TRANSACTION;
    if (<u64>load<u32>(OFFSETS + (<usize>i << 2)) + <u64>length > <u64>TRIE_DATA_CAPACITY) {
      return TRIE_ERR_TRANSACTION_RANGE;
    }
  }
  if (withHashes) {
    for (let i = 0; i < count; i++) {
      keccak256Into(transaction(i), transactionLength(i), HASHES + (<usize>i << 5));
    }
  }
  if (count == 0) {
    keccak256Into(EMPTY_STRING_RLP, 1, ROOT);
    return TRIE_OK;
  }
  sortKeys(count);
  if (count > 1) hashLeaves(count);
  subtrie(0, count, 0, ROOT_REFERENCE, true, -1);
  memory.copy(ROOT, ROOT_REFERENCE + 1, DIGEST_BYTES);
  return TRIE_OK;
}

@inline
function transaction(index: i32): usize {
  return DATA + <usize>load<u32>(OFFSETS + (<usize>index << 2));
}

@inline
function transactionLength(index: i32): i32 {
  return <i32>load<u32>(LENGTHS + (<usize>index << 2));
}

@inline
function sortedKey(position: i32): u64 {
  return load<u64>(SORTED_KEYS + (<usize>position << 3));
}

@inline
function leafRecord(position: i32): usize {
  return LEAF_RECORDS + <usize>(position * LEAF_RECORD_BYTES);
}

@inline
function sortedIndex(position: i32): i32 {
  return <i32>load<u32>(SORTED_INDICES + (<usize>position << 2));
}

/** `rlp(index)` left-aligned in a u64 (index < 65,536). */
function keyOf(index: u32): u64 {
  if (index == 0) return <u64>0x80 << 56;
  if (index < 0x80) return <u64>index << 56;
  if (index < 0x100) return (<u64>0x81 << 56) | (<u64>index << 48);
  return (<u64>0x82 << 56) | (<u64>index << 40);
}

/** Number of nibbles of a key: 2 for the single-byte keys 0x00..0x80, else 2 per RLP byte. */
@inline
function keyNibbles(key: u64): i32 {
  const first = <i32>(key >> 56);
  return first <= 0x80 ? 2 : 2 + 2 * (first - 0x80);
}

@inline
function nibbleAt(key: u64, depth: i32): u32 {
  return <u32>(key >> (60 - 4 * <u64>depth)) & 15;
}

/** Lays the keys out in trie order: indices 1..127, then 0, then 128 and up. */
function sortKeys(count: i32): void {
  let position = 0;
  const singleByteEnd = min(count, 0x80);
  for (let index = 1; index < singleByteEnd; index++) placeKey(position++, index);
  placeKey(position++, 0);
  for (let index = 0x80; index < count; index++) placeKey(position++, index);
}

@inline
function placeKey(position: i32, index: i32): void {
  store<u64>(SORTED_KEYS + (<usize>position << 3), keyOf(<u32>index));
  store<u32>(SORTED_INDICES + (<usize>position << 2), <u32>index);
}

/**
 * Writes the reference to the subtrie of sorted positions [from, to), whose keys share their first
 * `depth` nibbles, at `out`, and returns its length. With `mustHash` (the root) the node is hashed
 * whatever its size.
 */
function subtrie(from: i32, to: i32, depth: i32, out: usize, mustHash: bool, parent: i32): i32 {
  if (to - from == 1) return leaf(from, depth, out, mustHash);
  // Sorted keys: the first nibble where the run differs is where its first and last keys differ.
  const split = <i32>clz(sortedKey(from) ^ sortedKey(to - 1)) >> 2;
  if (split == depth) return branch(from, to, depth, out, mustHash, parent);
  // An extension over the shared nibbles depth..split; its RLP is under 56 bytes (one header byte).
  const node = NODES + <usize>(depth * NODE_BUFFER_BYTES);
  let end = node + 1;
  end += writePath(end, sortedKey(from), depth, split, false);
  end += branch(from, to, split, end, false, -1);
  writeListHeader(node, <u32>(end - node - 1));
  return reference(node, <i32>(end - node), out, mustHash, parent);
}

/**
 * A branch at `depth`: 16 children by the nibble at `depth`, then the empty value. The children
 * that are branches or extensions to hash are queued (`reference`) and hashed in pairs once all 16
 * are written, just before the branch itself is referenced.
 */
function branch(from: i32, to: i32, depth: i32, out: usize, mustHash: bool, parent: i32): i32 {
  const node = NODES + <usize>(depth * NODE_BUFFER_BYTES);
  // The payload starts after room for the longest list header (3 bytes); the header goes just before.
  const payload = node + 3;
  let end = payload;
  let start = from;
  for (let nibble: u32 = 0; nibble < 16; nibble++) {
    let stop = start;
    while (stop < to && nibbleAt(sortedKey(stop), depth) == nibble) stop++;
    if (stop == start) {
      store<u8>(end++, 0x80);
    } else {
      end += subtrie(start, stop, depth + 1, end, false, depth);
    }
    start = stop;
  }
  store<u8>(end++, 0x80);
  hashQueued(depth);
  const payloadLength = <u32>(end - payload);
  const header = headerLength(payloadLength);
  writeListHeader(payload - header, payloadLength);
  return reference(payload - header, header + <i32>payloadLength, out, mustHash, parent);
}

/**
 * The reference to the leaf of sorted position `position`, whose path is its key's nibbles from
 * `depth` on. In a block of two or more transactions it was made by `hashLeaves`; the leaf of a
 * single transaction is the root and is hashed here whatever its size (`mustHash`).
 */
function leaf(position: i32, depth: i32, out: usize, mustHash: bool): i32 {
  if (!mustHash) {
    const record = leafRecord(position);
    const length = <i32>load<u8>(record + RECORD_REFERENCE_LENGTH);
    if (length == REFERENCE_BYTES) {
      store<u64>(out, load<u64>(record), 0);
      store<u64>(out, load<u64>(record, 8), 8);
      store<u64>(out, load<u64>(record, 16), 16);
      store<u64>(out, load<u64>(record, 24), 24);
      store<u8>(out, load<u8>(record, 32), 32);
    } else {
      memory.copy(out, record, length);
    }
    return length;
  }
  const index = sortedIndex(position);
  const value = transaction(index);
  const valueLength = transactionLength(index);
  const prefixLength = writeLeafPrefix(LEAF_PREFIX, sortedKey(position), depth, value, valueLength);
  store<u8>(out, 0xa0);
  keccak256PrefixedInto(LEAF_PREFIX, prefixLength, value, valueLength, out + 1);
  return REFERENCE_BYTES;
}

/**
 * Writes the prefix of a leaf node (list header, hex-prefix path of the key's nibbles from `depth`
 * on, header of the value string) at `out` and returns its length; the node is prefix ‖ value.
 */
function writeLeafPrefix(out: usize, key: u64, depth: i32, value: usize, valueLength: i32): i32 {
  const first = load<u8>(value);
  const nibbles = keyNibbles(key);
  const payloadLength = pathLength(nibbles - depth) + stringHeaderLength(<u32>valueLength, first) + valueLength;
  let prefixLength = writeListHeader(out, <u32>payloadLength);
  prefixLength += writePath(out + <usize>prefixLength, key, depth, nibbles, true);
  prefixLength += writeStringHeader(out + <usize>prefixLength, <u32>valueLength, first);
  return prefixLength;
}

/**
 * Makes the reference of every leaf of a block of `count` ≥ 2 transactions before the trie pass, so
 * the leaves can be hashed two at a time (./sponge-x2.ts) in an order of their own. A leaf hangs
 * one nibble below the deepest branch over it, which is where its key and one of its sorted
 * neighbours first differ, so its depth is known from the keys alone. A leaf node under 32 bytes is
 * its own reference (embedded, not hashed); the others are hashed in pairs of leaves with the same
 * number of keccak blocks (grouped by a counting sort), the odd one out alone.
 */
function hashLeaves(count: i32): void {
  memory.fill(CLASS_STARTS, 0, BLOCK_CLASSES * 4);
  let previous: u64 = 0;
  let key = sortedKey(0);
  for (let position = 0; position < count; position++) {
    const next = position + 1 < count ? sortedKey(position + 1) : 0;
    let shared: i32 = 0;
    if (position > 0) shared = <i32>clz(key ^ previous) >> 2;
    if (position + 1 < count) shared = max(shared, <i32>clz(key ^ next) >> 2);
    const record = leafRecord(position);
    const index = sortedIndex(position);
    const value = transaction(index);
    const valueLength = transactionLength(index);
    const prefixLength = writeLeafPrefix(record + RECORD_PREFIX, key, shared + 1, value, valueLength);
    store<u8>(record + RECORD_PREFIX_LENGTH, <u8>prefixLength);
    const nodeLength = prefixLength + valueLength;
    if (nodeLength < DIGEST_BYTES) {
      memory.copy(record, record + RECORD_PREFIX, prefixLength);
      memory.copy(record + <usize>prefixLength, value, valueLength);
      store<u8>(record + RECORD_REFERENCE_LENGTH, <u8>nodeLength);
    } else {
      store<u8>(record, 0xa0);
      store<u8>(record + RECORD_REFERENCE_LENGTH, <u8>REFERENCE_BYTES);
      const counter = CLASS_STARTS + (<usize>blockClass(nodeLength) << 2);
      store<u32>(counter, load<u32>(counter) + 1);
    }
    previous = key;
    key = next;
  }
  // Counts to start offsets, then each hashed leaf into its class.
  let start: u32 = 0;
  for (let c = 0; c < BLOCK_CLASSES; c++) {
    const counter = CLASS_STARTS + (<usize>c << 2);
    const size = load<u32>(counter);
    store<u32>(counter, start);
    start += size;
  }
  const hashed = <i32>start;
  for (let position = 0; position < count; position++) {
    const record = leafRecord(position);
    if (load<u8>(record + RECORD_REFERENCE_LENGTH) != <u8>REFERENCE_BYTES) continue;
    const index = sortedIndex(position);
    const nodeLength = <i32>load<u8>(record + RECORD_PREFIX_LENGTH) + transactionLength(index);
    const counter = CLASS_STARTS + (<usize>blockClass(nodeLength) << 2);
    const slot = load<u32>(counter);
    store<u32>(counter, slot + 1);
    store<u32>(HASH_ORDER + (<usize>slot << 2), <u32>position);
  }
  let i = 0;
  for (; i + 1 < hashed; i += 2) {
    const a = <i32>load<u32>(HASH_ORDER + (<usize>i << 2));
    const b = <i32>load<u32>(HASH_ORDER + (<usize>(i + 1) << 2));
    const recordA = leafRecord(a);
    const recordB = leafRecord(b);
    const indexA = sortedIndex(a);
    const indexB = sortedIndex(b);
    keccak256PrefixedX2(
      recordA + RECORD_PREFIX, <i32>load<u8>(recordA + RECORD_PREFIX_LENGTH), transaction(indexA), transactionLength(indexA), recordA + 1,
      recordB + RECORD_PREFIX, <i32>load<u8>(recordB + RECORD_PREFIX_LENGTH), transaction(indexB), transactionLength(indexB), recordB + 1,
    );
  }
  if (i < hashed) {
    const a = <i32>load<u32>(HASH_ORDER + (<usize>i << 2));
    const record = leafRecord(a);
    const index = sortedIndex(a);
    keccak256PrefixedInto(record + RECORD_PREFIX, <i32>load<u8>(record + RECORD_PREFIX_LENGTH), transaction(index), transactionLength(index), record + 1);
  }
}

/** The class of a node of `length` bytes: its number of keccak blocks less one, capped. */
@inline
function blockClass(length: i32): i32 {
  return min(length / RATE, BLOCK_CLASSES - 1);
}

/**
 * Writes the reference to the node RLP at `node`: the node itself if under 32 bytes, else 0xa0 ‖ hash.
 * With `parent` ≥ 0 (a child of the branch at that depth, which is still being written) the hash is
 * left to that branch: the node is copied into the branch's queue and its hash lands at `out + 1`
 * when the branch calls `hashQueued`. With `parent` -1 it is hashed at once.
 */
function reference(node: usize, length: i32, out: usize, mustHash: bool, parent: i32): i32 {
  if (length < DIGEST_BYTES && !mustHash) {
    memory.copy(out, node, length);
    return length;
  }
  store<u8>(out, 0xa0);
  if (parent < 0) {
    keccak256Into(node, length, out + 1);
  } else {
    const slot = <i32>load<u32>(QUEUE_COUNTS + (<usize>parent << 2));
    store<u32>(QUEUE_COUNTS + (<usize>parent << 2), <u32>(slot + 1));
    const entry = parent * 16 + slot;
    memory.copy(QUEUE_NODES + <usize>(entry * NODE_BUFFER_BYTES), node, length);
    store<u32>(QUEUE_LENGTHS + (<usize>entry << 2), <u32>length);
    store<u32>(QUEUE_OUTS + (<usize>entry << 2), <u32>(out + 1));
  }
  return REFERENCE_BYTES;
}

/**
 * Hashes the nodes queued by the children of the branch at `depth`, two at a time, those of the same
 * number of keccak blocks together (an insertion sort of at most 16), the odd one out alone.
 */
function hashQueued(depth: i32): void {
  const count = <i32>load<u32>(QUEUE_COUNTS + (<usize>depth << 2));
  if (count == 0) return;
  store<u32>(QUEUE_COUNTS + (<usize>depth << 2), 0);
  const first = depth * 16;
  for (let i = 0; i < count; i++) {
    const entry = first + i;
    const blocks = load<u32>(QUEUE_LENGTHS + (<usize>entry << 2)) / <u32>RATE;
    let j = i;
    while (j > 0) {
      const before = <i32>load<u8>(QUEUE_ORDER + <usize>(j - 1));
      if (load<u32>(QUEUE_LENGTHS + (<usize>(first + before) << 2)) / <u32>RATE <= blocks) break;
      store<u8>(QUEUE_ORDER + <usize>j, <u8>before);
      j--;
    }
    store<u8>(QUEUE_ORDER + <usize>j, <u8>i);
  }
  let i = 0;
  for (; i + 1 < count; i += 2) {
    const a = first + <i32>load<u8>(QUEUE_ORDER + <usize>i);
    const b = first + <i32>load<u8>(QUEUE_ORDER + <usize>(i + 1));
    const nodeA = QUEUE_NODES + <usize>(a * NODE_BUFFER_BYTES);
    const nodeB = QUEUE_NODES + <usize>(b * NODE_BUFFER_BYTES);
    keccak256PrefixedX2(
      nodeA, 0, nodeA, <i32>load<u32>(QUEUE_LENGTHS + (<usize>a << 2)), <usize>load<u32>(QUEUE_OUTS + (<usize>a << 2)),
      nodeB, 0, nodeB, <i32>load<u32>(QUEUE_LENGTHS + (<usize>b << 2)), <usize>load<u32>(QUEUE_OUTS + (<usize>b << 2)),
    );
  }
  if (i < count) {
    const a = first + <i32>load<u8>(QUEUE_ORDER + <usize>i);
    keccak256Into(QUEUE_NODES + <usize>(a * NODE_BUFFER_BYTES), <i32>load<u32>(QUEUE_LENGTHS + (<usize>a << 2)), <usize>load<u32>(QUEUE_OUTS + (<usize>a << 2)));
  }
}

/** Length of the RLP string of the hex-prefix encoding of `count` nibbles. */
@inline
function pathLength(count: i32): i32 {
  const encoded = 1 + (count >> 1);
  return encoded == 1 ? 1 : 1 + encoded;
}

/**
 * Writes nibbles [from, to) of `key` hex-prefix encoded (Yellow Paper appendix C: flag nibble 2 for a
 * leaf, 0 for an extension, plus 1 with the first nibble packed beside it if the count is odd) as
 * an RLP string, and returns its length. A one-byte encoding is below 0x40, hence its own RLP.
 */
function writePath(out: usize, key: u64, from: i32, to: i32, isLeaf: bool): i32 {
  const count = to - from;
  const encoded = 1 + (count >> 1);
  let end = out;
  if (encoded > 1) store<u8>(end++, <u8>(0x80 + encoded));
  const flag: u32 = isLeaf ? 2 : 0;
  let nibble = from;
  if (count & 1) {
    store<u8>(end++, <u8>(((flag + 1) << 4) | nibbleAt(key, nibble)));
    nibble++;
  } else {
    store<u8>(end++, <u8>(flag << 4));
  }
  for (; nibble < to; nibble += 2) {
    store<u8>(end++, <u8>((nibbleAt(key, nibble) << 4) | nibbleAt(key, nibble + 1)));
  }
  return <i32>(end - out);
}
