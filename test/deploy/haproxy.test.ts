/**
 * deploy/haproxy.cfg as operators run it: Debian's haproxy in front of three `rtgw serve` nodes on
 * one real Redis. Clients connect through the load balancer only; the nodes' own ports are used
 * just to read which node holds how many sockets.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { haproxyConfigPath, startHaproxy, type Haproxy } from '../../scenarios/support/haproxy.js';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway.js';
import { redisUrl, uniquePrefix } from '../helpers/redis.js';
import { joinAs, type TestClient } from '../helpers/ws-client.js';

let lb: Haproxy | undefined;
let nodes: GatewayProcess[] = [];
const clients: TestClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.kill();
  await lb?.stop();
  lb = undefined;
  await Promise.all(nodes.map((n) => n.kill()));
  nodes = [];
});

async function cluster(): Promise<{ lb: Haproxy; nodes: GatewayProcess[] }> {
  const prefix = uniquePrefix('lb');
  nodes = await Promise.all([1, 2, 3].map((i) => spawnGateway(['--port', '0', '--redis', redisUrl(), '--key-prefix', prefix, '--node-id', `node${i}`, '--log-level', 'warn'])));
  lb = await startHaproxy(nodes.map((n) => `127.0.0.1:${n.port}`));
  return { lb, nodes };
}

/** Open WebSockets a node holds, from its own /metrics. */
async function connectionsOn(node: GatewayProcess): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  return Number(/^rtgw_connections\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? NaN);
}

async function join(url: string, room: string, user: string) {
  const joined = await joinAs(url, room, user);
  clients.push(joined.client);
  return joined;
}

/** Join through the load balancer and find which node took the socket (the one whose count grew). */
async function joinOn(url: string, room: string, user: string, on: GatewayProcess[]) {
  const up = (n: GatewayProcess) => (n.child.exitCode === null && n.child.signalCode === null ? connectionsOn(n).catch(() => 0) : Promise.resolve(0));
  const before = await Promise.all(on.map(up));
  const joined = await join(url, room, user);
  const after = await Promise.all(on.map(up));
  return { ...joined, node: after.findIndex((n, i) => n > before[i]!) };
}

describe('deploy/haproxy.cfg', () => {
  it('haproxy -c accepts the configuration', async () => {
    const { stdout, stderr } = await promisify(execFile)('haproxy', ['-c', '-f', haproxyConfigPath()], { env: { ...process.env, RTGW_LB_SOCKET: '/tmp/rtgw-haproxy-check.sock' } });
    expect(`${stdout}${stderr}`).toContain('Configuration file is valid');
    expect(stderr).not.toMatch(/WARNING|ALERT/);
  });

  it('WebSockets upgrade through the load balancer, spread over the nodes, and a room spans them', async () => {
    const { lb, nodes } = await cluster();
    expect((await fetch(`${lb.url}/readyz`)).status).toBe(200);
    const users = ['ada', 'bob', 'cy'];
    const joined = [];
    for (const u of users) joined.push(await join(lb.url, 'lobby', u));
    // leastconn: three sockets on three empty nodes land one per node.
    expect(await Promise.all(nodes.map(connectionsOn))).toEqual([1, 1, 1]);
    await joined[0]!.client.next('member_joined', (m) => m.member.userId === 'cy');
    joined[2]!.client.send({ type: 'chat_send', text: 'across nodes', clientMsgId: 'c1' });
    for (const { client } of joined) expect((await client.next('chat_broadcast')).text).toBe('across nodes');
    expect((await lb.responseCounts())['5xx']).toBe(0);
  });

  it('SIGTERM on a node: its clients get 1001 and rejoin through the load balancer on the others; nothing is refused or answered 5xx; the node takes clients again once back', async () => {
    const { lb, nodes } = await cluster();
    const first = [];
    for (let i = 0; i < 6; i++) first.push(await joinOn(lb.url, 'deploy', `u${i}`, nodes));
    expect(await Promise.all(nodes.map(connectionsOn))).toEqual([2, 2, 2]);
    const victim = first[0]!.node;
    const held = first.filter((j) => j.node === victim);
    const stopping = nodes[victim]!.stop();
    // The sockets the node held are closed with 1001 "going away"; the others stay open.
    expect(await Promise.all(held.map((j) => j.client.closed.then((c) => c.code)))).toEqual([1001, 1001]);
    // Reconnect at once, while the node is still draining and before any health check noticed it:
    // its listener is closed, so HAProxy's connection is refused and retried on another server.
    for (let i = 0; i < 4; i++) expect((await joinOn(lb.url, 'deploy', `again${i}`, nodes)).node).not.toBe(victim);
    expect(await stopping).toBe(0);
    await lb.waitForState(`node${victim + 1}`, /^DOWN/);
    for (const j of first.filter((j) => j.node !== victim)) await j.client.sync(); // the others never noticed
    await nodes[victim]!.restart();
    await lb.waitForState(`node${victim + 1}`, /^UP$/);
    expect((await joinOn(lb.url, 'deploy', 'newcomer', nodes)).node).toBe(victim); // leastconn: the empty node
    expect((await lb.responseCounts())['5xx']).toBe(0);
    expect(lb.output.filter((l) => / (5\d\d|-1) \d+ /.test(l) && l.includes('rtgw_public'))).toEqual([]);
  });

  it('drain: a drained node keeps its sockets but gets no new ones', async () => {
    const { lb, nodes } = await cluster();
    const a = await joinOn(lb.url, 'drain', 'a', nodes);
    await lb.command(`set server rtgw/node${a.node + 1} state drain`);
    await lb.waitForState(`node${a.node + 1}`, /^DRAIN/);
    for (let i = 0; i < 4; i++) expect((await joinOn(lb.url, 'drain', `n${i}`, nodes)).node).not.toBe(a.node);
    await a.client.next('member_joined', (m) => m.member.userId === 'n3');
    await lb.command(`set server rtgw/node${a.node + 1} state ready`);
    await lb.waitForState(`node${a.node + 1}`, /^UP$/);
  });
});
