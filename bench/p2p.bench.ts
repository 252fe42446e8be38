/**
 * Cost of authenticating consensus messages (src/p2p/consensus-codec.ts): opening a signed PREPARE
 * (msgpack decode + Ed25519 verify over domain ‖ body, via @libp2p/crypto, i.e. Node's crypto) and
 * sealing one (encode + sign), each against a bare Ed25519 verify/sign by @noble/curves on the same
 * bytes. No target: the figure says how many consensus messages per second one core can admit, next
 * to the QBFT machine's own rate (qbft.bench.ts). The codec verifies an envelope once (a re-seen one
 * is taken from its cache), so the subject opens 2 × VERIFIED_ENVELOPES distinct envelopes in turn:
 * every open is a first sight, verified.
 */
import '../src/p2p/polyfill.js';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { Prepare } from '../src/consensus/index.js';
import { CONSENSUS_SIGNING_DOMAIN, ConsensusCodec } from '../src/p2p/index.js';
import { VERIFIED_ENVELOPES } from '../src/p2p/consensus-codec.js';
import { compareAsync } from './harness.js';

export async function run(): Promise<void> {
  const sender = await generateKeyPair('Ed25519');
  const receiver = await generateKeyPair('Ed25519');
  const keys = [sender.publicKey, receiver.publicKey];
  const sending = new ConsensusCodec<never>(sender, 0, keys);
  const receiving = new ConsensusCodec<never>(receiver, 1, keys);
  const prepare = (height = 123_456): Prepare => ({ type: 'PREPARE', height, round: 1, sender: 0, valueId: '0x' + 'ab'.repeat(32) });
  const envelope = await sending.seal(prepare());
  const distinct = await Promise.all(Array.from({ length: 2 * VERIFIED_ENVELOPES }, (_, k) => sending.seal(prepare(k + 1))));
  let next = 0;
  const signed = new Uint8Array([...CONSENSUS_SIGNING_DOMAIN, ...envelope[0]]);
  const nobleSecret = sender.raw.subarray(0, 32);

  await compareAsync({
    title: 'open a signed PREPARE (decode + Ed25519 verify)',
    subject: { name: 'dst p2p codec', fn: () => receiving.open(distinct[next++ % distinct.length]!, 0), async: true },
    peers: [{ name: '@noble/curves verify', fn: () => ed25519.verify(envelope[1], signed, sender.publicKey.raw) }],
  });
  await compareAsync({
    title: 'seal a PREPARE (encode + Ed25519 sign)',
    subject: { name: 'dst p2p codec', fn: () => sending.seal(prepare()), async: true },
    peers: [{ name: '@noble/curves sign', fn: () => ed25519.sign(signed, nobleSecret) }],
  });
}
