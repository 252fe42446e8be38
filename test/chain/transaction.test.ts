/**
 * Transaction decoding and sender recovery against @ethereumjs/tx (the independent implementation that
 * signed them), and every rejection reason with its message.
 */
import { describe, expect, it } from 'vitest';
import { decodeTransaction, parseTransaction, TransactionRejected, type TransactionRules } from '../../src/chain/index.js';
import { Hardfork, Mainnet, createCustomCommon } from '@ethereumjs/common';
import { createAccessList2930Tx, createFeeMarket1559Tx, createLegacyTx } from '@ethereumjs/tx';
import { makeSignedTransactionObjects, mutateTransaction, rlpInteger, SENDER_PRIVATE_KEYS } from '../helpers/transactions.js';

const CHAIN_ID = 901n;
const rules: TransactionRules = { chainId: CHAIN_ID, maxBytes: 128 * 1024 };
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const txs = makeSignedTransactionObjects(200, { chainId: Number(CHAIN_ID), seed: 11 });
const hex = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString('hex'));

function rejection(raw: Uint8Array, r: TransactionRules = rules): TransactionRejected {
  try {
    parseTransaction(raw, r);
  } catch (error) {
    if (error instanceof TransactionRejected) return error;
    throw error;
  }
  throw new Error('expected the transaction to be rejected');
}

describe('transactions', () => {
  it('decode with the fields, hash and sender @ethereumjs/tx gives, for every kind', () => {
    const kinds = new Set<string>();
    for (const tx of txs) {
      const parsed = parseTransaction(tx.serialize(), rules);
      kinds.add(`${parsed.type}/${parsed.chainId === null ? 'unprotected' : 'protected'}`);
      expect(hex(parsed.hash)).toBe(hex(tx.hash()));
      expect(hex(parsed.sender)).toBe(hex(tx.getSenderAddress().bytes));
      expect(hex(parsed.signingHash)).toBe(hex(tx.getHashedMessageToSign()));
      expect(parsed.type).toBe(tx.type);
      expect(parsed.nonce).toBe(tx.nonce);
      expect(parsed.gasLimit).toBe(tx.gasLimit);
      expect(parsed.value).toBe(tx.value);
      expect(hex(parsed.data)).toBe(hex(tx.data));
      expect(hex(parsed.to ?? undefined)).toBe(hex(tx.to?.bytes));
      expect(parsed.r).toBe(tx.r);
      expect(parsed.s).toBe(tx.s);
    }
    expect([...kinds].sort()).toEqual(['0/protected', '0/unprotected', '1/protected', '2/protected']);
  });

  it('signing hashes equal @ethereumjs/tx at every RLP header width (payload copied from the raw bytes, not re-encoded)', () => {
    // Data of 0..70,000 bytes moves both the data's header and the list's header through their short and
    // long forms (1, 2 and 3 length bytes); chain id 1 is a single byte with no header of its own.
    const dataLengths = [0, 1, 55, 56, 200, 255, 256, 70_000];
    const key = SENDER_PRIVATE_KEYS[0]!;
    for (const chainId of [1, 127, 128, 901, 1 << 20]) {
      const common = createCustomCommon({ chainId }, Mainnet, { hardfork: Hardfork.Prague });
      const unprotected = createCustomCommon({ chainId }, Mainnet, { hardfork: Hardfork.TangerineWhistle });
      for (const length of dataLengths) {
        for (const firstByte of length === 1 ? [0x05, 0xff] : [0xab]) {
          const data = new Uint8Array(length).fill(firstByte);
          const fields = { nonce: 3n, to: new Uint8Array(20).fill(1), value: 5n, gasLimit: 2_000_000n, data, gasPrice: 7n };
          const accessList = [{ address: `0x${'22'.repeat(20)}` as `0x${string}`, storageKeys: [`0x${'33'.repeat(32)}` as `0x${string}`] }];
          const signed = [
            createLegacyTx(fields, { common }).sign(key, false),
            createLegacyTx(fields, { common: unprotected }).sign(key, false),
            createAccessList2930Tx({ ...fields, accessList }, { common }).sign(key, false),
            createFeeMarket1559Tx({ ...fields, gasPrice: undefined, maxFeePerGas: 7n, maxPriorityFeePerGas: 1n, accessList: length % 2 ? accessList : [] }, { common }).sign(key, false),
          ];
          for (const tx of signed) {
            const decoded = decodeTransaction(tx.serialize(), { chainId: BigInt(chainId), maxBytes: 128 * 1024 });
            expect(hex(decoded.signingHash), `type ${tx.type}, chain ${chainId}, data ${length}`).toBe(hex(tx.getHashedMessageToSign()));
          }
        }
      }
    }
  });

  it('a transaction with its sender holds every decoded field and the sender (withSender, not a spread copy)', () => {
    for (const tx of txs.slice(0, 8)) {
      const decoded = decodeTransaction(tx.serialize(), rules);
      const parsed = parseTransaction(tx.serialize(), rules);
      expect(parsed).toEqual({ ...decoded, sender: parsed.sender });
      expect(Object.keys(parsed).sort()).toEqual([...Object.keys(decoded), 'sender'].sort());
    }
  });

  it('rejects another chain id', () => {
    const protectedLegacy = txs.find((tx) => tx.type === 0 && tx.v! >= 35n)!;
    const error = rejection(protectedLegacy.serialize(), { ...rules, chainId: 1n });
    expect(error.reason).toBe('wrong-chain-id');
    expect(error.message).toMatch(/chain id 901, this sequencer is chain 1/);
    const typed = txs.find((tx) => tx.type === 2)!;
    expect(rejection(typed.serialize(), { ...rules, chainId: 5n }).reason).toBe('wrong-chain-id');
  });

  it('rejects a high-s signature (EIP-2) and out-of-range r, s', () => {
    for (const tx of [txs.find((t) => t.type === 0)!, txs.find((t) => t.type === 2)!]) {
      const highS = mutateTransaction(tx.serialize(), (f) => {
        f[f.length - 1] = rlpInteger(SECP256K1_N - tx.s!);
      });
      const error = rejection(highS);
      expect(error.reason).toBe('high-s');
      expect(error.message).toMatch(/upper half of the curve order/);
      expect(rejection(mutateTransaction(tx.serialize(), (f) => (f[f.length - 2] = new Uint8Array(0)))).reason).toBe('invalid-signature');
    }
  });

  it('rejects a legacy v that is neither 27/28 nor EIP-155, and a yParity above 1', () => {
    const legacy = txs.find((t) => t.type === 0)!;
    const error = rejection(mutateTransaction(legacy.serialize(), (f) => (f[6] = rlpInteger(30n))));
    expect(error.reason).toBe('invalid-signature');
    expect(error.message).toMatch(/legacy v = 30/);
    const typed = txs.find((t) => t.type === 1)!;
    expect(rejection(mutateTransaction(typed.serialize(), (f) => (f[f.length - 3] = rlpInteger(2n)))).message).toMatch(/yParity 2 is not 0 or 1/);
  });

  it('rejects unsupported types, malformed bytes and oversized transactions', () => {
    const blob = rejection(Uint8Array.of(0x03, 0xc0));
    expect(blob.reason).toBe('unsupported-type');
    expect(blob.message).toMatch(/unsupported type 0x03/);
    expect(rejection(Uint8Array.of(0xc1, 0x80)).message).toMatch(/legacy transaction: expected 9 fields, got 1/);
    expect(rejection(Uint8Array.of(0x02, 0xc5, 0x01)).reason).toBe('malformed');
    expect(rejection(Uint8Array.of(0x80)).reason).toBe('malformed');
    expect(rejection(new Uint8Array(0)).reason).toBe('malformed');
    const raw = txs[0]!.serialize();
    const error = rejection(raw, { ...rules, maxBytes: raw.length - 1 });
    expect(error.reason).toBe('oversized');
    expect(error.message).toMatch(new RegExp(`${raw.length} bytes exceeds the limit of ${raw.length - 1}`));
  });

  it('rejects a non-canonical integer field', () => {
    const tx = txs.find((t) => t.type === 2 && t.nonce > 0n)!;
    const error = rejection(mutateTransaction(tx.serialize(), (f) => (f[1] = Uint8Array.of(0, ...f[1]!))));
    expect(error.reason).toBe('malformed');
    expect(error.message).toMatch(/nonce: integer with a leading zero byte/);
  });

  it('a signature over other contents recovers a different sender, never the signer', () => {
    const tx = txs.find((t) => t.type === 2)!;
    const tampered = mutateTransaction(tx.serialize(), (f) => (f[6] = rlpInteger(tx.value + 1n)));
    const decoded = decodeTransaction(tampered, rules);
    let sender: string | undefined;
    try {
      sender = hex(parseTransaction(tampered, rules).sender);
    } catch (error) {
      expect((error as TransactionRejected).reason).toBe('invalid-signature');
    }
    expect(sender).not.toBe(hex(tx.getSenderAddress().bytes));
    expect(hex(decoded.signingHash)).not.toBe(hex(tx.getHashedMessageToSign()));
  });
});
