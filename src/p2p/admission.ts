/**
 * Admission of inbound connections (issue 7, "Networking"): which TCP connections the host lets
 * start a handshake, how many may be unfinished at once, and for how long. The hooks are libp2p's
 * connection gater (connections.ts wires them):
 *   - `denyInboundConnection(maConn)` runs on the raw accepted socket, before a byte is read or sent
 *     (before multistream-select and Noise). With `acceptFrom: 'operators'` (the default) a source
 *     address that is not one of the lock's operators' is closed here (`notOperator`). A connection
 *     from an allowed address takes a pending slot of that address, if one is free (`overLimit`
 *     otherwise): `pendingInboundPerOperator` per operator at the address, and the operators'
 *     addresses `pendingInboundPerOperator` × (n − 1) in all. With `acceptFrom: 'any'`,
 *     addresses not in the lock share `pendingInboundPerOperator` × (n − 1) slots of their own,
 *     `pendingInboundPerOperator` each, so a flood from elsewhere cannot take the operators' slots.
 *   - A pending connection that has not finished its upgrade (Noise, then yamux) within
 *     `inboundHandshakeTimeoutMs` is closed (`timedOut`); a finished or closed one frees its slot.
 *   - `denyInboundEncryptedConnection(peer)`, after Noise: a peer id that is not an operator's is
 *     refused (`unknownPeer`), and so is an operator's connection above `connectionsPerOperator`
 *     open ones (`overLimit`).
 *
 * Operators' addresses are their `ClusterPeer.addrs`: `/ip4/…` and `/ip6/…` as they are, `/dns4/…`,
 * `/dns6/…` and `/dns/…` names resolved (the system resolver: /etc/hosts, then DNS) when the host
 * starts, and again when a connection is refused or comes from an address not in the lock, at most
 * every `DNS_REFRESH_MS`; an answer that fails keeps the addresses resolved before. `/dnsaddr/…` is
 * not resolved: such an operator is reached by this node's own dial only (or use `'any'`).
 * With 'operators', an operator must connect from an address it is listed with: one whose outgoing
 * connections leave from another address (a NAT or a cloud egress address other than the one in the
 * lock, another interface) has them refused. Either direction makes the connection, so it is still
 * connected by the others' dials to it if they can reach it; if they cannot, use `'any'`.
 *
 * What this does not stop: an attacker on an operator's host (its source address is the operator's)
 * can hold that address's pending slots, `inboundHandshakeTimeoutMs` at a time, and, reopening them
 * as fast as they are closed, keep them; before the handshake nothing tells it from the operator.
 * Out of scope; the caps keep what it holds to that address's share, and the other operators' slots
 * free. A refused connection costs an accept and a close (no handshake), so refusing a flood is cheap.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { MultiaddrConnection, PeerId } from '@libp2p/interface';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import type { Logger } from 'pino';
import { DNS_REFRESH_MS, DNS_START_TIMEOUT_MS, type ClusterLimits } from './limits.js';
import type { Operators } from './operators.js';

/** Inbound connections this host closed, by reason (counters since the host started). */
export interface ConnectionsRefused {
  /** The source address is not an operator's (`acceptFrom: 'operators'`): closed at accept, before any handshake. */
  readonly notOperator: number;
  /** Noise authenticated a peer id that is not an operator's: closed after the handshake. */
  readonly unknownPeer: number;
  /** A pending-slot cap (per address, or for addresses outside the lock) or `connectionsPerOperator` was reached. */
  readonly overLimit: number;
  /** Accepted, but the upgrade did not finish within `inboundHandshakeTimeoutMs`. */
  readonly timedOut: number;
}

/** Resolves a host name to IP addresses (family 0 = either). */
export type Resolver = (name: string, family: 0 | 4 | 6) => Promise<string[]>;

export interface AdmissionOptions {
  readonly operators: Operators;
  readonly limits: Pick<ClusterLimits, 'acceptFrom' | 'pendingInboundPerOperator' | 'inboundHandshakeTimeoutMs' | 'connectionsPerOperator'>;
  /** Open connections with `peer` now (libp2p's count; connections.ts passes it in). */
  readonly openConnections: (peer: PeerId) => number;
  /** Default: the system resolver (`dns.lookup`, all addresses). */
  readonly resolve?: Resolver;
  readonly logger?: Logger;
}

export interface Admission {
  /** Resolve the DNS names among the operators' addresses (waits at most `DNS_START_TIMEOUT_MS`). */
  start(): Promise<void>;
  /** Gater hook on the raw accepted socket: true = close it now. */
  denyInboundConnection(maConn: MultiaddrConnection): boolean;
  /** Gater hook after Noise: true = close it (a peer id that is no operator's, or one over its cap). */
  denyInboundEncryptedConnection(peer: PeerId, maConn: MultiaddrConnection): boolean;
  /** Gater hook after the muxer: the upgrade is finished, its pending slot is free. Never denies. */
  denyInboundUpgradedConnection(peer: PeerId, maConn: MultiaddrConnection): boolean;
  connectionsRefused(): ConnectionsRefused;
  /** The addresses connections are accepted from now, with how many other operators are at each. */
  operatorAddresses(): ReadonlyMap<string, number>;
  /** Most pending inbound connections the caps allow at once, all addresses together (libp2p's own
   * cap is set a little above it). */
  readonly maxPending: number;
  /** Refuse everything from now on; cancel the timers. */
  stop(): void;
}

/** An IP address in one canonical text form: IPv4-mapped IPv6 (`::ffff:1.2.3.4`, or `::ffff:102:304`
 * as multiaddr writes it) as IPv4, other IPv6 compressed and in lower case. */
export function canonicalIp(address: string): string | undefined {
  const family = isIP(address);
  if (family === 4) return address;
  if (family !== 6) return undefined;
  let ip: string;
  try {
    ip = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address.toLowerCase(); // e.g. with a zone id, which URL does not take
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(ip);
  if (!mapped) return ip;
  const [high, low] = [parseInt(mapped[1], 16), parseInt(mapped[2], 16)];
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** The IP address a multiaddr starts with, canonical; undefined if it starts with something else. */
export function ipOf(address: Multiaddr): string | undefined {
  const [first] = address.getComponents();
  return first && (first.name === 'ip4' || first.name === 'ip6') && first.value !== undefined ? canonicalIp(first.value) : undefined;
}

type HostOf = { readonly ip: string } | { readonly name: string; readonly family: 0 | 4 | 6 };

/** Where a dial multiaddr points: an IP address, a DNS name to resolve, or nothing usable here. */
function hostOf(address: string): HostOf | undefined {
  let first;
  try {
    [first] = multiaddr(address).getComponents();
  } catch {
    return undefined;
  }
  if (!first?.value) return undefined;
  switch (first.name) {
    case 'ip4':
    case 'ip6': {
      const ip = canonicalIp(first.value);
      return ip === undefined ? undefined : { ip };
    }
    case 'dns4':
      return { name: first.value, family: 4 };
    case 'dns6':
      return { name: first.value, family: 6 };
    case 'dns':
      return { name: first.value, family: 0 };
    default:
      return undefined;
  }
}

const systemResolver: Resolver = async (name, family) =>
  (await lookup(name, { all: true, family })).map((a) => a.address);

interface Pending {
  readonly address: string;
  /** Whether it took a slot of an operator's address (else one of the slots for other addresses). */
  readonly operators: boolean;
  readonly timer: NodeJS.Timeout;
}

export function createAdmission(options: AdmissionOptions): Admission {
  const { operators, limits } = options;
  const log = options.logger;
  const resolve = options.resolve ?? systemResolver;
  const others = operators.others.length;

  // Each other operator's addresses: the IPs given, plus what its DNS names resolved to (by name).
  const fixed = new Map<number, string[]>();
  const names: { readonly operator: number; readonly name: string; readonly family: 0 | 4 | 6 }[] = [];
  const resolved = new Map<string, string[]>(); // `${operator} ${family} ${name}` → IPs
  for (const peer of operators.others) {
    const ips: string[] = [];
    for (const address of peer.addrs) {
      const host = hostOf(address);
      if (host === undefined) log?.warn({ share: peer.index + 1, address }, 'operator address is neither an IP address nor a DNS name: its connections are not admitted by address');
      else if ('ip' in host) ips.push(host.ip);
      else names.push({ operator: peer.index, name: host.name, family: host.family });
    }
    fixed.set(peer.index, ips);
  }

  let operatorsAt = new Map<string, number>();
  const rebuild = (): void => {
    const at = new Map<string, number>();
    for (const peer of operators.others) {
      const ips = new Set(fixed.get(peer.index));
      for (const { operator, name, family } of names) {
        if (operator === peer.index) for (const ip of resolved.get(`${operator} ${family} ${name}`) ?? []) ips.add(ip);
      }
      for (const ip of ips) at.set(ip, (at.get(ip) ?? 0) + 1);
    }
    operatorsAt = at;
  };
  rebuild();

  let stopped = false;
  let lastResolve = Number.NEGATIVE_INFINITY;
  let resolving: Promise<void> | undefined;
  const resolveAll = (): Promise<void> => {
    lastResolve = Date.now();
    resolving ??= Promise.all(
      names.map(async ({ operator, name, family }) => {
        try {
          const ips = (await resolve(name, family)).map(canonicalIp).filter((ip): ip is string => ip !== undefined);
          resolved.set(`${operator} ${family} ${name}`, ips);
        } catch (error) {
          log?.warn({ share: operator + 1, name, err: (error as Error).message }, 'operator address did not resolve: keeping the addresses resolved before');
        }
      }),
    ).then(() => {
      resolving = undefined;
      rebuild();
    });
    return resolving;
  };
  /** Resolve the names again, unless that was done within `DNS_REFRESH_MS` (or there are none). */
  const refresh = (): void => {
    if (names.length === 0 || stopped || resolving || Date.now() - lastResolve < DNS_REFRESH_MS) return;
    void resolveAll();
  };

  const refused = { notOperator: 0, unknownPeer: 0, overLimit: 0, timedOut: 0 };
  const pending = new Map<MultiaddrConnection, Pending>();
  const pendingAt = new Map<string, number>();
  let pendingAtOperators = 0;
  let pendingElsewhere = 0;
  const perOperator = limits.pendingInboundPerOperator;
  // In all: an operator listed at several addresses (or a name resolving to several) has slots at
  // each, but the operators' addresses together still get no more than their per-operator share.
  const operatorsCap = perOperator * others;
  const elsewhereCap = limits.acceptFrom === 'any' ? perOperator * others : 0;

  const release = (maConn: MultiaddrConnection): void => {
    const entry = pending.get(maConn);
    if (!entry) return;
    pending.delete(maConn);
    clearTimeout(entry.timer);
    const left = (pendingAt.get(entry.address) ?? 1) - 1;
    if (left > 0) pendingAt.set(entry.address, left);
    else pendingAt.delete(entry.address);
    if (entry.operators) pendingAtOperators--;
    else pendingElsewhere--;
  };

  return {
    maxPending: operatorsCap + elsewhereCap,

    async start() {
      if (names.length === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([resolveAll(), new Promise<void>((done) => (timer = setTimeout(done, DNS_START_TIMEOUT_MS)))]);
      clearTimeout(timer);
    },

    denyInboundConnection(maConn) {
      if (stopped) return true;
      const address = ipOf(maConn.remoteAddr) ?? maConn.remoteAddr.toString();
      const here = operatorsAt.get(address) ?? 0;
      if (here === 0) refresh();
      if (here === 0 && limits.acceptFrom === 'operators') {
        refused.notOperator++;
        log?.debug({ address }, 'inbound connection refused: not an operator address');
        return true;
      }
      const taken = pendingAt.get(address) ?? 0;
      const full = here > 0 ? taken >= perOperator * here || pendingAtOperators >= operatorsCap : taken >= perOperator || pendingElsewhere >= elsewhereCap;
      if (full) {
        refused.overLimit++;
        log?.debug({ address, pending: taken }, 'inbound connection refused: pending connections from this address at the limit');
        return true;
      }
      const timer = setTimeout(() => {
        if (!pending.has(maConn)) return;
        refused.timedOut++;
        release(maConn);
        log?.debug({ address }, 'inbound connection closed: handshake not finished in time');
        maConn.abort(new Error(`inbound handshake not finished within ${limits.inboundHandshakeTimeoutMs} ms`));
      }, limits.inboundHandshakeTimeoutMs);
      timer.unref();
      pending.set(maConn, { address, operators: here > 0, timer });
      pendingAt.set(address, taken + 1);
      if (here > 0) pendingAtOperators++;
      else pendingElsewhere++;
      maConn.addEventListener('close', () => release(maConn), { once: true });
      return false;
    },

    denyInboundEncryptedConnection(peer, maConn) {
      const operator = operators.operatorOf(peer);
      if (!operator || operator.index === operators.self) {
        refused.unknownPeer++;
        log?.debug({ address: maConn.remoteAddr.toString(), peer: peer.toString() }, 'inbound connection refused: peer id is not an operator');
        return true;
      }
      if (options.openConnections(peer) >= limits.connectionsPerOperator) {
        refused.overLimit++;
        log?.debug({ share: operator.index + 1, open: options.openConnections(peer) }, 'inbound connection refused: the operator has the most open connections allowed');
        return true;
      }
      return false;
    },

    denyInboundUpgradedConnection(_peer, maConn) {
      release(maConn);
      return false;
    },

    connectionsRefused: () => ({ ...refused }),
    operatorAddresses: () => new Map(operatorsAt),

    stop() {
      stopped = true;
      for (const entry of pending.values()) clearTimeout(entry.timer);
      pending.clear();
      pendingAt.clear();
      pendingAtOperators = 0;
      pendingElsewhere = 0;
    },
  };
}
