/**
 * Yamux receive-window updates only when half the window is used (issue 16, fewer frames per peer).
 *
 * @chainsafe/libp2p-yamux (8.x) answers every data frame it receives with a WINDOW_UPDATE frame
 * crediting the bytes just read: for the small frames of a cluster (a consensus message, a gossip
 * batch) every message received costs a frame sent back — one more Noise encryption, one more socket
 * write here and one more read, decryption and dispatch at the peer, i.e. about as many frames again
 * as the messages themselves. The Go and Rust yamux implementations (hashicorp/yamux, go-yamux,
 * rust-yamux) send an update only once the unreported consumption reaches half of the window; so
 * does this patch: `YamuxStream.prototype.sendWindowUpdate` returns at once while the stream is
 * established and more than half of its receive window is still available, and otherwise runs the
 * library's own method (which sends the update, and grows the window when the peer sends fast).
 *
 * Why it is safe. The peer may send up to the window it was credited; it waits only when that is used
 * up, i.e. when the capacity here is 0 — and an update goes out as soon as the capacity falls to half,
 * on the data frame that made it so, so the peer never waits for a credit this side holds back. Frames
 * other than an established stream's update (SYN, ACK, FIN, RST, and updates carrying flags) go
 * through the library's method unchanged, as do updates of a stream resumed after a pause. The wire
 * format does not change: peers running the library's default still interoperate.
 */
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream';

/** The fields of a yamux stream the patch reads (private in the library's types). */
interface WindowFields {
  state: StreamState;
  recvWindow: number;
  recvWindowCapacity: number;
}

let installed = false;

/** Installs the patch once per process (see the module docblock); later calls do nothing. */
export function installHalfWindowUpdates(): void {
  if (installed) return;
  installed = true;
  const prototype = YamuxStream.prototype as unknown as { sendWindowUpdate(this: WindowFields): void };
  const sendWindowUpdate = prototype.sendWindowUpdate;
  prototype.sendWindowUpdate = function (this: WindowFields): void {
    if (this.state === StreamState.Established && this.recvWindowCapacity > this.recvWindow / 2) return;
    sendWindowUpdate.call(this);
  };
}
