/**
 * The yamux window-update patch (src/p2p/yamux-window.ts) on a library stream fed frames directly:
 * small frames are not answered one by one; an update goes out once half the window is used, crediting
 * all of it; a peer that sends only within its credit never stalls over many windows; an ACK (a flag)
 * still goes out at once.
 */
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream';
import { logger } from '@libp2p/logger';
import { describe, expect, it } from 'vitest';
import { installHalfWindowUpdates } from '../../src/p2p/yamux-window.js';

const WINDOW = 256 * 1024; // the library's initial stream window
const DATA = 0;
const WINDOW_UPDATE = 1;
const ACK = 2;

interface Frame {
  type: number;
  flag: number;
  streamID: number;
  length: number;
}

function stream(state: StreamState): { stream: YamuxStream; sent: Frame[] } {
  const sent: Frame[] = [];
  const s = new YamuxStream({
    id: '1',
    streamId: 1,
    state,
    direction: 'inbound',
    log: logger('test:yamux-window'),
    sendFrame: (header: Frame) => {
      sent.push(header);
      return true;
    },
    getRTT: () => -1,
    protocol: '/test',
    // Nobody reads in these tests: room for everything fed in (the library aborts a stream above 4 MiB unread).
    maxReadBufferLength: 64 * 1024 * 1024,
  } as unknown as ConstructorParameters<typeof YamuxStream>[0]);
  return { stream: s, sent };
}

const data = (length: number) => ({ header: { type: DATA, flag: 0, streamID: 1, length }, data: new Uint8Array(length) });
const receive = (s: YamuxStream, length: number): void => (s as unknown as { handleData(frame: unknown): void }).handleData(data(length));

describe('yamux window updates at half the window', () => {
  installHalfWindowUpdates();
  installHalfWindowUpdates(); // idempotent: a second install does not wrap twice

  it('answers no small frame until half the window is used, then credits all of it', () => {
    const { stream: s, sent } = stream(StreamState.Established);
    for (let k = 0; k < 100; k++) receive(s, 1_000);
    expect(sent).toEqual([]);
    receive(s, WINDOW / 2 - 100_000); // 100,000 + this = exactly half
    expect(sent).toEqual([{ type: WINDOW_UPDATE, flag: 0, streamID: 1, length: WINDOW / 2 }]);
    receive(s, 1_000);
    expect(sent.length).toBe(1);
  });

  it('a peer sending within its credit never stalls: 20 windows in frames of 3 KB', () => {
    const { stream: s, sent } = stream(StreamState.Established);
    let credit = WINDOW;
    let delivered = 0;
    let updatesSeen = 0;
    const total = 20 * WINDOW;
    while (delivered < total) {
      const length = Math.min(3_000, total - delivered);
      // The peer sends only what its credit allows; credit comes back only by window updates.
      expect(credit).toBeGreaterThanOrEqual(length);
      credit -= length;
      receive(s, length);
      delivered += length;
      for (; updatesSeen < sent.length; updatesSeen++) credit += sent[updatesSeen]!.length;
    }
    expect(sent.every((f) => f.type === WINDOW_UPDATE)).toBe(true);
    // About one update per half window, not one per frame (20 windows / 3 KB ≈ 1,750 frames).
    expect(sent.length).toBeGreaterThanOrEqual(39);
    expect(sent.length).toBeLessThanOrEqual(41);
  });

  it('an update that carries a flag (the ACK of an inbound stream) still goes out at once', () => {
    const { stream: s, sent } = stream(StreamState.SYNReceived);
    receive(s, 100);
    expect(sent).toEqual([{ type: WINDOW_UPDATE, flag: ACK, streamID: 1, length: 100 }]);
  });
});
