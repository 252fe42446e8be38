/**
 * One socket write per Noise message (src/p2p/noise-writes.ts): the patch joins an encrypting stream's
 * output into one buffer, same bytes, once per class; and two real libp2p nodes (TCP, coalesced
 * Noise, yamux with window updates at half the window) exchange messages intact with one socket write
 * per message instead of the libraries' four (length prefix and ciphertext, of the message and of the
 * peer's window update answering it).
 */
import { Socket } from 'node:net';
import '../../src/p2p/polyfill.js';
import { yamux } from '@chainsafe/libp2p-yamux';
import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';
import { Uint8ArrayList } from 'uint8arraylist';
import { describe, expect, it } from 'vitest';
import { coalescedNoise, coalesceEncryptedWrites } from '../../src/p2p/noise-writes.js';
import { installHalfWindowUpdates } from '../../src/p2p/yamux-window.js';

describe('coalesced Noise writes', () => {
  it('joins the encrypted output into one buffer with the same bytes, patching a class once', () => {
    let calls = 0;
    class Encrypting {
      encrypt(chunk: Uint8Array): Uint8ArrayList {
        calls++;
        return new Uint8ArrayList(Uint8Array.of(0, chunk.length), chunk);
      }
    }
    const a = new Encrypting();
    coalesceEncryptedWrites(a);
    coalesceEncryptedWrites(new Encrypting()); // same class: not wrapped twice
    const out = a.encrypt(Uint8Array.of(7, 8, 9));
    expect([...out]).toHaveLength(1);
    expect([...out.subarray()]).toEqual([0, 3, 7, 8, 9]);
    expect(calls).toBe(1);
    // An object without `encrypt` is left alone.
    const other = { send: () => 1 };
    coalesceEncryptedWrites(other);
    expect(Object.keys(Object.getPrototypeOf(other))).toEqual([]);
  });

  it('two nodes exchange 200 messages intact, one socket write per message', async () => {
    installHalfWindowUpdates();
    const make = () =>
      createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [coalescedNoise()], streamMuxers: [yamux()] });
    const [a, b] = await Promise.all([make(), make()]);
    const write = Socket.prototype.write;
    let writes = 0;
    try {
      await b.handle('/test/echo/1', async (stream) => {
        for await (const chunk of stream) stream.send(chunk instanceof Uint8Array ? chunk : chunk.subarray());
      });
      const stream = await a.dialProtocol(b.getMultiaddrs()[0]!, '/test/echo/1');
      const replies = stream[Symbol.asyncIterator]();
      const roundTrip = async (k: number): Promise<number[]> => {
        const message = new Uint8Array(300).fill(k % 256);
        stream.send(message);
        const got: number[] = [];
        while (got.length < message.length) {
          const chunk = (await replies.next()).value as Uint8Array | Uint8ArrayList;
          got.push(...(chunk instanceof Uint8Array ? chunk : chunk.subarray()));
        }
        return got;
      };
      await roundTrip(0); // the stream's opening (SYN, ACK, protocol negotiation) is not counted
      Socket.prototype.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
        writes++;
        return write.apply(this, args);
      } as Socket['write'];
      for (let k = 1; k <= 100; k++) expect(new Set(await roundTrip(k))).toEqual(new Set([k]));
    } finally {
      Socket.prototype.write = write;
      await Promise.all([a.stop(), b.stop()]);
    }
    // 100 round trips = 200 messages; the libraries alone make 4 writes of each (8 per round trip,
    // bench/yamux-window.ts: prefix and ciphertext of the message and of its window update).
    expect(writes).toBeGreaterThanOrEqual(200);
    expect(writes).toBeLessThanOrEqual(204);
  });
});
