/**
 * A cluster for fault tests: real `rtgw serve` processes on one real Redis, each behind its own
 * Redis link (cut/restore), short timings, and every client recorded for the convergence check.
 */
import { spawnGateway, type GatewayProcess } from '../../scenarios/support/gateway-process.js';
import { assertConverged } from '../../scenarios/support/convergence.js';
import { RedisLink } from '../../scenarios/support/redis-link.js';
import { hsToken } from '../../scenarios/support/tokens.js';
import { TrackedClient } from '../../scenarios/support/tracked-client.js';
import { TEST_SECRET } from '../helpers/gateway.js';
import { deleteKeys, redisUrl, uniquePrefix } from '../helpers/redis.js';

/** Lease must exceed twice the heartbeat; grace shorter than the lease. */
export const HEARTBEAT_MS = 500;
export const LEASE_MS = 2000;
export const GRACE_MS = 1500;
export const TIMING = ['--heartbeat-ms', String(HEARTBEAT_MS), '--lease-ms', String(LEASE_MS), '--grace-ms', String(GRACE_MS)];

export interface FaultNode {
  readonly name: string;
  readonly process: GatewayProcess;
  readonly link: RedisLink;
  readonly url: string;
  readonly wsUrl: string;
  /** False after kill / stop. */
  up: boolean;
  stopped: boolean;
}

export class Cluster {
  readonly nodes: FaultNode[] = [];
  readonly clients: TrackedClient[] = [];
  readonly rooms = new Set<string>();
  readonly prefix: string;

  constructor(name: string, readonly redis = redisUrl()) {
    this.prefix = uniquePrefix(name);
  }

  async node(name: string, options: { env?: Record<string, string>; args?: string[] } = {}): Promise<FaultNode> {
    const link = await RedisLink.start(this.redis);
    const process = await spawnGateway({
      args: ['--port', '0', '--redis', link.redisUrl, '--key-prefix', this.prefix, '--node-id', name, ...TIMING, ...(options.args ?? [])],
      env: { RTGW_JWT_SECRET: TEST_SECRET, RTGW_LOG_LEVEL: 'warn', ...options.env },
    });
    const node: FaultNode = { name, process, link, url: process.url, wsUrl: `${process.url.replace(/^http/, 'ws')}/realtime`, up: true, stopped: false };
    this.nodes.push(node);
    return node;
  }

  /**
   * Issued 15 s ago, so that a node whose clock is 10 s behind (clock-skew tests) does not see it
   * as issued in the future beyond the 5 s skew.
   */
  token(roomId: string, userId: string): Promise<string> {
    return hsToken(TEST_SECRET, roomId, userId, { iat: Math.floor(Date.now() / 1000) - 15 });
  }

  /** Join `roomId` as `userId` through `node`; the client is recorded. */
  async join(node: FaultNode, roomId: string, userId: string, label = `${userId}@${node.name}`): Promise<TrackedClient> {
    this.rooms.add(roomId);
    const client = await TrackedClient.open(node.wsUrl, userId, label);
    this.clients.push(client);
    client.send({ type: 'join_room', token: await this.token(roomId, userId) });
    await client.untilJoined();
    return client;
  }

  /** Open a socket (recorded) without joining. */
  async open(node: FaultNode, userId: string, label = `${userId}@${node.name}`): Promise<TrackedClient> {
    const client = await TrackedClient.open(node.wsUrl, userId, label);
    this.clients.push(client);
    return client;
  }

  /** SIGSTOP: the process is frozen, its sockets and Redis connection stay open. */
  pause(node: FaultNode): void {
    node.process.child.kill('SIGSTOP');
    node.stopped = true;
  }

  resume(node: FaultNode): void {
    node.process.child.kill('SIGCONT');
    node.stopped = false;
  }

  async kill(node: FaultNode): Promise<void> {
    if (node.stopped) this.resume(node);
    node.up = false;
    await node.process.kill();
  }

  /** The convergence check over every client, room and running node. */
  converge(timeoutMs = 15_000) {
    return assertConverged({
      clients: this.clients,
      rooms: this.rooms,
      nodes: this.nodes.filter((n) => n.up && !n.stopped).map((n) => n.url),
      token: (r, u) => this.token(r, u),
      timeoutMs,
    });
  }

  async close(): Promise<void> {
    for (const c of this.clients) if (c.isOpen) c.kill();
    await Promise.allSettled(
      this.nodes.map(async (n) => {
        if (n.stopped) n.process.child.kill('SIGCONT');
        await n.process.kill();
        await n.link.close();
      }),
    );
    await deleteKeys(this.redis, this.prefix).catch(() => {});
  }
}

/** Poll `check` until it holds or `timeoutMs` passes (for conditions with no event to await, like a lease lapsing). */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** True when the node answers /readyz with `status`. */
export async function readyIs(node: FaultNode, status: number): Promise<boolean> {
  const res = await fetch(`${node.url}/readyz`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
  return res?.status === status;
}
