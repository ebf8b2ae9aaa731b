/**
 * Issue 10, cases 3, 4 and 5: removals while Redis is cut off (leave, kick), shutdown with the
 * Redis link cut, and a socket that dies mid-join next to the user's healthy tab. Each ends with the
 * convergence check.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../protocol/index.js';
import { Cluster, GRACE_MS, HEARTBEAT_MS, readyIs, until } from './cluster.js';

let cluster: Cluster;
afterEach(() => cluster?.close());

async function cutOffA(name: string) {
  cluster = new Cluster(name);
  const a = await cluster.node('node-a');
  const b = await cluster.node('node-b');
  const local = await cluster.join(a, 'lobby', 'local');
  const remote = await cluster.join(b, 'lobby', 'remote');
  return { a, b, local, remote };
}

describe('a removal while Redis is cut off is applied at once locally and in the store once Redis is back', () => {
  it('leave_room during a cut: local members get member_left at once, the leaver gets no error, the others once the link heals', async () => {
    const { a, local, remote } = await cutOffA('fault-leave-cut');
    const leaver = await cluster.join(a, 'lobby', 'leaver');
    await remote.next('member_joined', (m) => m.member.userId === 'leaver');
    a.link.cut();
    await until('node A reports the store down', () => readyIs(a, 503), 5000);
    leaver.leave();
    expect(await local.next('member_left', (m) => m.userId === 'leaver', 2000)).toMatchObject({ reason: 'left' });
    await leaver.sync();
    expect(leaver.all('error')).toEqual([]);
    a.link.restore();
    expect(await remote.next('member_left', (m) => m.userId === 'leaver', 15_000)).toMatchObject({ reason: 'left' });
    await cluster.converge();
  }, 60_000);

  it('a kick (close 4004) during a cut: announced locally at once and to the other node once the link heals', async () => {
    const { a, local, remote } = await cutOffA('fault-kick-cut');
    const rowdy = await cluster.join(a, 'lobby', 'rowdy');
    await remote.next('member_joined', (m) => m.member.userId === 'rowdy');
    a.link.cut();
    await until('node A reports the store down', () => readyIs(a, 503), 5000);
    for (let i = 0; i < 12; i++) rowdy.send({ type: 'no_such_type' });
    expect((await rowdy.closed).code).toBe(CloseCode.PROTOCOL_VIOLATION);
    expect(await local.next('member_left', (m) => m.userId === 'rowdy', 2000)).toMatchObject({ reason: 'kicked' });
    a.link.restore();
    expect(await remote.next('member_left', (m) => m.userId === 'rowdy', 15_000)).toMatchObject({ reason: 'kicked' });
    await cluster.converge();
  }, 60_000);
});

describe('shutdown with the Redis link cut', () => {
  it('SIGTERM while cut off: the node exits, and once Redis is reachable the survivors remove its members', async () => {
    const { a, b, local, remote } = await cutOffA('fault-shutdown-cut');
    const also = await cluster.join(a, 'lobby', 'also-local');
    await remote.next('member_joined', (m) => m.member.userId === 'also-local');
    a.link.cut();
    await until('node A reports the store down', () => readyIs(a, 503), 5000);
    const exited = a.process.stop();
    expect((await local.closed).code).toBe(CloseCode.GOING_AWAY);
    expect((await also.closed).code).toBe(CloseCode.GOING_AWAY);
    // Let A's removals fail (its grace period ends while cut off), then let Redis through: a node
    // that drops its lease and room index now, after failed removals, orphans its members.
    await new Promise((r) => setTimeout(r, GRACE_MS + 2 * HEARTBEAT_MS)); // a real wait: nothing to observe while cut
    a.link.restore();
    expect(await exited).toBe(0);
    a.up = false;
    const left = await Promise.all(['local', 'also-local'].map((u) => remote.next('member_left', (m) => m.userId === u, 15_000)));
    expect(left.map((m) => m.reason)).toEqual(['disconnected', 'disconnected']);
    expect(b.up).toBe(true);
    await cluster.converge();
  }, 60_000);
});

describe('a socket that dies mid-join', () => {
  for (const where of ['same node', 'other node'] as const) {
    it(`does not replace the user's healthy tab (tab 2 on the ${where}): no 4005, no member_left`, async () => {
      cluster = new Cluster(`fault-midjoin-${where.replace(' ', '-')}`);
      const a = await cluster.node('node-a');
      const b = await cluster.node('node-b');
      const tab1 = await cluster.join(a, 'lobby', 'dual', 'dual-tab1');
      const watcher = await cluster.join(b, 'lobby', 'watcher');
      await tab1.next('member_joined', (m) => m.member.userId === 'watcher');
      const tab2 = await cluster.open(where === 'same node' ? a : b, 'dual', 'dual-tab2');
      tab2.send({ type: 'join_room', token: await cluster.token('lobby', 'dual') });
      tab2.kill();
      // A real wait past the grace period of anything tab 2 may have started.
      await new Promise((r) => setTimeout(r, GRACE_MS + 2 * HEARTBEAT_MS));
      expect(tab1.closedWith).toBeUndefined();
      await tab1.sync();
      await watcher.sync();
      expect(watcher.all('member_left').filter((m) => m.userId === 'dual')).toEqual([]);
      expect(await tab1.sendChat(`mid-join ${where}: tab 1 still talks`)).toMatchObject({ accepted: true });
      await cluster.converge();
    }, 60_000);
  }
});
