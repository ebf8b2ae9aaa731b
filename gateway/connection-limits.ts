/**
 * Caps on open sockets, decided in the HTTP upgrade handler before ws accepts one (server.ts): on
 * this node, per client address, and of sockets that have not joined a room yet. An admitted socket
 * holds a ticket until its TCP connection closes; its session says when it first joined.
 *
 * Unauthenticated sockets are counted apart because they cost the least to open and the most to
 * hold for nothing: each may sit for the 5 s auth timeout without sending a thing.
 */
import type { IncomingMessage } from 'node:http';
import { isIP, isIPv6 } from 'node:net';
import { UpgradeRefusal } from '../protocol/codes.js';

export interface ConnectionCaps {
  maxConnections: number;
  maxConnectionsPerIp: number;
  maxUnauthenticated: number;
}

/** A socket's place under the caps. Both methods are idempotent. */
export interface ConnectionTicket {
  /** It joined a room: it no longer counts as unauthenticated. */
  joined(): void;
  /** Its connection closed. */
  release(): void;
}

/** The refusals a cap gives (the other upgrade refusals are not about counting). */
export type CapRefusal = typeof UpgradeRefusal.MAX_CONNECTIONS | typeof UpgradeRefusal.MAX_CONNECTIONS_PER_IP | typeof UpgradeRefusal.MAX_UNAUTHENTICATED;

export type Admission = { ok: true; ticket: ConnectionTicket } | { ok: false; reason: CapRefusal; limit: number };

export class ConnectionLimits {
  private open = 0;
  private unauthenticated = 0;
  private readonly byAddress = new Map<string, number>();

  constructor(
    private readonly caps: ConnectionCaps,
    /** Told the number of unauthenticated sockets whenever it changes (the metrics gauge). */
    private readonly onUnauthenticated: (count: number) => void = () => {},
  ) {}

  /** Admit one more socket from `address` (a key from `clientAddress`), or say which cap is full. */
  admit(address: string): Admission {
    const { maxConnections, maxConnectionsPerIp, maxUnauthenticated } = this.caps;
    if (this.open >= maxConnections) return { ok: false, reason: UpgradeRefusal.MAX_CONNECTIONS, limit: maxConnections };
    const fromAddress = this.byAddress.get(address) ?? 0;
    if (fromAddress >= maxConnectionsPerIp) return { ok: false, reason: UpgradeRefusal.MAX_CONNECTIONS_PER_IP, limit: maxConnectionsPerIp };
    if (this.unauthenticated >= maxUnauthenticated) return { ok: false, reason: UpgradeRefusal.MAX_UNAUTHENTICATED, limit: maxUnauthenticated };
    this.open++;
    this.byAddress.set(address, fromAddress + 1);
    this.setUnauthenticated(this.unauthenticated + 1);
    let authenticated = false;
    let released = false;
    return {
      ok: true,
      ticket: {
        joined: () => {
          if (authenticated || released) return;
          authenticated = true;
          this.setUnauthenticated(this.unauthenticated - 1);
        },
        release: () => {
          if (released) return;
          released = true;
          this.open--;
          const left = (this.byAddress.get(address) ?? 1) - 1;
          if (left > 0) this.byAddress.set(address, left);
          else this.byAddress.delete(address);
          if (!authenticated) this.setUnauthenticated(this.unauthenticated - 1);
        },
      },
    };
  }

  /** What is held now (tests, diagnostics). */
  counts(): { open: number; unauthenticated: number; addresses: number } {
    return { open: this.open, unauthenticated: this.unauthenticated, addresses: this.byAddress.size };
  }

  private setUnauthenticated(count: number): void {
    this.unauthenticated = count;
    this.onUnauthenticated(count);
  }
}

/**
 * The address a connection is counted under. Behind a load balancer every connection comes from the
 * balancer, so for a peer in `trustedProxies` the client is the last `X-Forwarded-For` entry that is
 * not itself a trusted proxy (HAProxy's `option forwardfor` appends the address it saw). An IPv6
 * client is counted by its /64: one host usually holds the whole prefix.
 */
export function clientAddress(req: IncomingMessage, trustedProxies: ReadonlySet<string>): string {
  let address = unmapped(req.socket.remoteAddress ?? '');
  if (trustedProxies.size > 0 && trustedProxies.has(address)) {
    const forwarded = String(req.headers['x-forwarded-for'] ?? '').split(',');
    for (let i = forwarded.length - 1; i >= 0; i--) {
      const hop = unmapped(forwarded[i]!.trim());
      if (isIP(hop) === 0) break; // not an address: believe nothing further left
      address = hop;
      if (!trustedProxies.has(hop)) break;
    }
  }
  return isIPv6(address) ? prefix64(address) : address;
}

/** `::ffff:192.0.2.1` (an IPv4 client on a dual-stack socket) is `192.0.2.1`. */
export function unmapped(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function prefix64(address: string): string {
  const [left = '', right] = address.split('%')[0]!.split('::');
  const head = left ? left.split(':') : [];
  const tail = right ? right.split(':') : [];
  const groups = right === undefined ? head : [...head, ...Array<string>(Math.max(0, 8 - head.length - tail.length)).fill('0'), ...tail];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
