/**
 * Interoperability with herumi's bls-eth-wasm (Ethereum mode, draft-07 hash-to-curve), an
 * independent threshold BLS implementation with the same conventions: share ids are the indices as
 * Fr elements (x = i), `Signature.recover` interpolates at x = 0.
 */
import { randomBytes } from 'node:crypto';
import bls from 'bls-eth-wasm';
import { beforeAll, describe, expect, test } from 'vitest';
import { combine, createThresholdKey, partialSign, verify, verifyPartial } from '../../src/crypto/index.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

beforeAll(async () => {
  await bls.init(bls.BLS12_381);
  (bls as unknown as { setETHmode(mode: number): void; ETH_MODE_DRAFT_07: number }).setETHmode(
    (bls as unknown as { ETH_MODE_DRAFT_07: number }).ETH_MODE_DRAFT_07,
  );
});

function herumiId(index: number) {
  const id = new bls.Id();
  id.setInt(index);
  return id;
}

describe.each([
  [3, 2],
  [7, 5],
  [10, 7],
])('(n, t) = (%i, %i)', (n, t) => {
  test('herumi shares and partials combine here to the signature herumi recovers', () => {
    const masterPolynomial = Array.from({ length: t }, () => {
      const coefficient = new bls.SecretKey();
      coefficient.setByCSPRNG();
      return coefficient;
    });
    const groupPublicKey = masterPolynomial[0]!.getPublicKey().serialize();
    const message = randomBytes(32);
    const shares = Array.from({ length: n }, (_, i) => {
      const share = new bls.SecretKey();
      share.share(masterPolynomial, herumiId(i + 1));
      return share;
    });
    const herumiPartials = shares.map((share) => share.sign(message));
    const chosen = [...Array(n).keys()].sort(() => Math.random() - 0.5).slice(0, t);

    const recovered = new bls.Signature();
    recovered.recover(chosen.map((i) => herumiPartials[i]!), chosen.map((i) => herumiId(i + 1)));
    const ours = combine(chosen.map((i) => ({ index: i + 1, signature: herumiPartials[i]!.serialize() })));
    expect(hex(ours)).toBe(hex(recovered.serialize()));
    expect(verify(groupPublicKey, message, ours)).toBe(true);

    // The shares themselves: our partial signing with a herumi share is herumi's partial.
    chosen.forEach((i) => {
      const partial = partialSign({ index: i + 1, secretKey: shares[i]!.serialize() }, message);
      expect(hex(partial.signature)).toBe(hex(herumiPartials[i]!.serialize()));
      expect(verifyPartial({ index: i + 1, publicKey: shares[i]!.getPublicKey().serialize() }, message, partial)).toBe(true);
    });
  });

  test('our shares and partials combine in herumi to the signature we combine', () => {
    const key = createThresholdKey({ shares: n, threshold: t });
    const message = randomBytes(32);
    const chosen = key.shares.slice().sort(() => Math.random() - 0.5).slice(0, t);
    const partials = chosen.map((share) => partialSign(share, message));

    const herumiPartials = partials.map((p) => {
      const signature = new bls.Signature();
      signature.deserialize(p.signature);
      return signature;
    });
    const recovered = new bls.Signature();
    recovered.recover(herumiPartials, partials.map((p) => herumiId(p.index)));
    expect(hex(recovered.serialize())).toBe(hex(combine(partials)));

    const groupPublicKey = new bls.PublicKey();
    groupPublicKey.deserialize(key.groupPublicKey);
    expect(groupPublicKey.verify(recovered, message)).toBe(true);

    // herumi recovers the group public key from our public shares, and signs like us with our shares.
    const publicShares = chosen.map((share) => {
      const publicKey = new bls.PublicKey();
      publicKey.deserialize(key.publicShares[share.index - 1]!.publicKey);
      return publicKey;
    });
    const recoveredKey = new bls.PublicKey();
    recoveredKey.recover(publicShares, chosen.map((share) => herumiId(share.index)));
    expect(hex(recoveredKey.serialize())).toBe(hex(key.groupPublicKey));
    chosen.forEach((share, k) => {
      const herumiShare = new bls.SecretKey();
      herumiShare.deserialize(share.secretKey);
      expect(hex(herumiShare.sign(message).serialize())).toBe(hex(partials[k]!.signature));
    });
  });
});
