/**
 * One socket write per Noise message (issue 16, fewer and larger writes per peer).
 *
 * @chainsafe/libp2p-noise (17.x) encrypts each outgoing chunk into a list of two buffers, the 2-byte
 * length prefix and the ciphertext, and @libp2p/tcp writes a list buffer by buffer: every frame of
 * the cluster (a consensus message, a gossip batch, a yamux window update) costs two `write` system
 * calls — on loopback each one also runs the receiver's TCP path — and usually two reads and two
 * decoder passes at the peer. `coalescedNoise()` is `noise()` whose encrypted connections hand the
 * transport each encrypted chunk as one buffer: the encrypting stream's `encrypt` (found on the first
 * secured connection's prototype, patched once) returns its output joined into a single buffer. The bytes on the wire are exactly the same; only how many `write` calls carry
 * them changes. Should a later version of the library no longer have such a method, nothing is
 * patched and the connection works as the library made it.
 */
import { noise } from '@chainsafe/libp2p-noise';
import { Uint8ArrayList } from 'uint8arraylist';

type Encrypter = ReturnType<ReturnType<typeof noise>>;
type Encrypt = (this: unknown, chunk: Uint8Array | Uint8ArrayList) => Uint8ArrayList;

const patched = new WeakSet<object>();

/** Patches the `encrypt` of a secured connection's class, once per class (see the module docblock). */
export function coalesceEncryptedWrites(connection: object): void {
  const prototype = Object.getPrototypeOf(connection) as { encrypt?: Encrypt } | null;
  if (prototype === null || patched.has(prototype) || typeof prototype.encrypt !== 'function') return;
  patched.add(prototype);
  const encrypt = prototype.encrypt;
  prototype.encrypt = function (this: unknown, chunk) {
    const output = encrypt.call(this, chunk);
    if (!(output instanceof Uint8ArrayList)) return output;
    // `subarray()` joins the buffers (a single one is returned as it is, uncopied).
    return new Uint8ArrayList(output.subarray());
  };
}

/** `noise(init)` whose secured connections write each encrypted chunk with one socket write. */
export function coalescedNoise(...args: Parameters<typeof noise>): ReturnType<typeof noise> {
  const factory = noise(...args);
  return (components) => {
    const encrypter: Encrypter = factory(components);
    const secureOutbound = encrypter.secureOutbound.bind(encrypter);
    const secureInbound = encrypter.secureInbound.bind(encrypter);
    encrypter.secureOutbound = async (...call) => {
      const secured = await secureOutbound(...call);
      coalesceEncryptedWrites(secured.connection);
      return secured;
    };
    encrypter.secureInbound = async (...call) => {
      const secured = await secureInbound(...call);
      coalesceEncryptedWrites(secured.connection);
      return secured;
    };
    return encrypter;
  };
}
