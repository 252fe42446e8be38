/**
 * The dealerless commands' usage (src/cli/dkg.ts): help for each, `dst create identity` and
 * `dst create definition` in-process, and clear usage errors; the whole flow in processes is
 * dkg-cli.long.test.ts.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCreateCommand } from '../../src/cli/create.js';
import { runCeremonyCommand } from '../../src/cli/dkg.js';
import { parseDefinition, readIdentityKey, peerIdOf } from '../../src/cluster/index.js';

let root: string;
let stdout = '';
let stderr = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dst-dkg-usage-'));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
});
afterEach(() => {
  stdout = '';
  stderr = '';
});
afterAll(async () => {
  vi.restoreAllMocks();
  await rm(root, { recursive: true, force: true });
});

describe('help', () => {
  it.each([
    [() => runCreateCommand(['identity', '--help']), ['--out']],
    [() => runCreateCommand(['definition', '--help']), ['--operators', '--threshold', '--chain-id', '--block-time', '--alloc', '--out']],
    [() => runCeremonyCommand('dkg', ['--help']), ['--definition', '--dir', '--timeout', '--p2p-listen']],
    [() => runCeremonyCommand('reshare', ['--help']), ['--lock', '--new-operators', '--threshold', '--dir', '--timeout']],
  ])('%#', async (command, flags) => {
    expect(await command()).toBe(0);
    for (const flag of flags) expect(stdout).toContain(flag);
  });
});

describe('create identity and definition', () => {
  it('writes an identity, prints its peer id, refuses to overwrite it; a definition with its hash and alloc', async () => {
    const ids: string[] = [];
    for (const name of ['a', 'b', 'c', 'd']) {
      expect(await runCreateCommand(['identity', '--out', join(root, name)])).toBe(0);
      const peerId = stdout.trim();
      stdout = '';
      expect(peerIdOf(await readIdentityKey(join(root, name, 'p2p-identity.key')))).toBe(peerId);
      ids.push(peerId);
    }
    expect(await runCreateCommand(['identity', '--out', join(root, 'a')])).toBe(1);
    expect(stderr).toContain('exists already: refusing to overwrite an identity');
    const alloc = join(root, 'alloc.json');
    await writeFile(alloc, JSON.stringify({ '0x00000000000000000000000000000000000000aa': { balance: '0x10' } }));
    const operators = ids.map((id, i) => `${id}@/ip4/127.0.0.1/tcp/${9001 + i}`).join(',');
    const out = join(root, 'definition.json');
    expect(await runCreateCommand(['definition', '--operators', operators, '--chain-id', '901', '--block-time', '1000', '--alloc', alloc, '--out', out])).toBe(0);
    const definition = parseDefinition(await readFile(out, 'utf8'), out);
    expect(definition).toMatchObject({ chainId: 901n, blockTimeMs: 1000, threshold: 3 });
    expect(definition.alloc).toEqual({ '0x00000000000000000000000000000000000000aa': { balance: '0x10' } });
    const edited = (await readFile(out, 'utf8')).replace('"threshold": 3', '"threshold": 4');
    expect(() => parseDefinition(edited, out)).toThrow('does not match the hash of its contents');
    const ok = `${ids[0]}@/ip4/127.0.0.1/tcp/9001`;
    const cases: Array<[string[], string]> = [
      [['definition', '--chain-id', '1', '--block-time', '0', '--out', 'x'], '--operators is required'],
      [['definition', '--operators', 'nope', '--chain-id', '1', '--block-time', '0', '--out', 'x'], '--operators: entry 1: expected PEER_ID@MULTIADDR, got "nope"'],
      [['definition', '--operators', `${ok},${ok}`, '--chain-id', '1', '--block-time', '0', '--out', join(root, 'y')], 'appears twice'],
      [['definition', '--operators', operators, '--threshold', '2', '--chain-id', '1', '--block-time', '0', '--out', 'x'], '--threshold: threshold 2 is below the quorum 3 of 4 nodes'],
      [['definition', '--operators', operators, '--chain-id', '1', '--block-time', '0', '--out', out], 'exists already: refusing to overwrite it'],
    ];
    for (const [args, message] of cases) {
      stderr = '';
      expect(await runCreateCommand(args)).toBe(2);
      expect(stderr).toContain(message);
    }
  });
});

describe('dkg and reshare usage errors', () => {
  it.each([
    ['dkg', ['--dir', 'x'], '--definition is required'],
    ['dkg', ['--definition', 'missing.json', '--dir', 'x'], 'cannot read it'],
    ['dkg', ['--definition', 'd.json'], '--dir is required'],
    ['dkg', ['--definition', 'd.json', '--dir', 'x', '--timeout', 'soon'], '--timeout: expected an integer'],
    ['reshare', ['--new-operators', 'x', '--dir', 'x'], '--lock is required'],
    ['reshare', ['--lock', 'l.json', '--dir', 'x'], '--new-operators is required'],
  ] as const)('%s %j', async (command, args, message) => {
    expect(await runCeremonyCommand(command, [...args])).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain(`Run "dst ${command} --help"`);
  });
});
