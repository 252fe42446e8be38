/**
 * What the yamux window-update patch (src/p2p/yamux-window.ts) and one write per Noise message
 * (src/p2p/noise-writes.ts) save together: two libp2p nodes in one process
 * (TCP on 127.0.0.1, Noise, yamux — the cluster host's stack), one stream, `ROUNDS` round trips of a
 * 300-byte message (about a PREPARE or COMMIT envelope), echoed back. Run twice, each in a process of
 * its own, the libraries as they are and with both changes; prints the process CPU (user + system) per round trip and the
 * socket writes per round trip of each.
 *
 *   npx tsx bench/yamux-window.ts            # both runs and the comparison
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Socket } from 'node:net';
import '../src/p2p/polyfill.js';
import { noise } from '@chainsafe/libp2p-noise';
import { coalescedNoise } from '../src/p2p/noise-writes.js';
import { yamux } from '@chainsafe/libp2p-yamux';
import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';
import { installHalfWindowUpdates } from '../src/p2p/yamux-window.js';

const ROUNDS = Number(process.env.BENCH_YAMUX_ROUNDS ?? 4_000);
const PROTOCOL = '/bench/echo/1';

async function measure(patched: boolean): Promise<{ cpuUsPerRound: number; writesPerRound: number }> {
  if (patched) installHalfWindowUpdates();
  let writes = 0;
  const write = Socket.prototype.write;
  Socket.prototype.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
    writes++;
    return write.apply(this, args);
  } as Socket['write'];
  const make = () => createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [patched ? coalescedNoise() : noise()], streamMuxers: [yamux()] });
  const [a, b] = await Promise.all([make(), make()]);
  await b.handle(PROTOCOL, async (stream) => {
    for await (const chunk of stream) stream.send(chunk instanceof Uint8Array ? chunk : chunk.subarray());
  });
  const stream = await a.dialProtocol(b.getMultiaddrs()[0]!, PROTOCOL);
  const message = new Uint8Array(300).fill(7);
  const replies = stream[Symbol.asyncIterator]();
  const roundTrip = async () => {
    stream.send(message);
    let got = 0;
    while (got < message.length) got += (await replies.next()).value.byteLength;
  };
  for (let k = 0; k < 200; k++) await roundTrip(); // warm-up
  writes = 0;
  const before = process.cpuUsage();
  for (let k = 0; k < ROUNDS; k++) await roundTrip();
  const cpu = process.cpuUsage(before);
  const result = { cpuUsPerRound: (cpu.user + cpu.system) / ROUNDS, writesPerRound: writes / ROUNDS };
  await Promise.all([a.stop(), b.stop()]);
  return result;
}

const mode = process.argv[2];
if (mode === 'patched' || mode === 'library') {
  console.log(JSON.stringify(await measure(mode === 'patched')));
} else {
  const here = fileURLToPath(import.meta.url);
  const run = (m: string) => {
    const out = spawnSync(process.execPath, ['--import', 'tsx', here, m], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`${m}: ${out.stderr}`);
    return JSON.parse(out.stdout.trim().split('\n').at(-1)!) as { cpuUsPerRound: number; writesPerRound: number };
  };
  for (let rep = 0; rep < 2; rep++) {
    const library = run('library');
    const patched = run('patched');
    console.log(
      `${ROUNDS} round trips of 300 bytes (load ${loadavg()[0]!.toFixed(1)}): library ${library.cpuUsPerRound.toFixed(0)} µs CPU, ${library.writesPerRound.toFixed(2)} socket writes per round trip; ` +
        `patched ${patched.cpuUsPerRound.toFixed(0)} µs, ${patched.writesPerRound.toFixed(2)} writes (${((1 - patched.cpuUsPerRound / library.cpuUsPerRound) * 100).toFixed(0)} % less CPU)`,
    );
  }
}
