/**
 * Issue 10, cases 1 and 2: a node whose lease lapsed while it was frozen, and re-sync after a Redis
 * cut while the user moved to another node. Real redis-server, real `rtgw serve` processes, a
 * Redis link per node; every test ends with the convergence check.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../protocol/index.js';
import { Cluster, GRACE_MS, HEARTBEAT_MS, LEASE_MS, readyIs, until } from './cluster.js';

const R = [0, 0, 0, 1];
let cluster: Cluster;
afterEach(() => cluster?.close());

describe('a node whose lease lapsed while it was stalled (SIGSTOP past the lease, then SIGCONT)', () => {
  it('is fenced and re-asserts: its members are announced again, their frames are never seen as a ghost\'s, and a later leave reaches everyone', async () => {
    cluster = new Cluster('fault-lease');
    const a = await cluster.node('node-a');
    const b = await cluster.node('node-b');
    const alice = await cluster.join(a, 'lobby', 'alice');
    const ann = await cluster.join(a, 'lobby', 'ann');
    const bob = await cluster.join(b, 'lobby', 'bob');
    await alice.next('member_joined', (m) => m.member.userId === 'bob');

    cluster.pause(a);
    // B reaps A's members once A's lease lapses (lease + heartbeat, on Redis time).
    await bob.next('member_left', (m) => m.userId === 'alice', LEASE_MS + 4 * HEARTBEAT_MS + 2000);
    await bob.next('member_left', (m) => m.userId === 'ann', 2000);
    cluster.resume(a);

    // A finds its lease gone and re-asserts the memberships it still holds.
    await bob.next('member_joined', (m) => m.member.userId === 'alice', 15_000);
    alice.send({ type: 'avatar_transform', p: [1, 2, 3], r: R, seq: 1 });
    expect(await alice.sendChat('lease: alice is back')).toMatchObject({ accepted: true });
    await bob.next('avatar_transform_broadcast', (m) => m.transforms.some((t) => t.userId === 'alice'));
    await cluster.converge();

    // A leave on A after the stall is announced to members on both nodes.
    alice.leave();
    expect(await ann.next('member_left', (m) => m.userId === 'alice')).toMatchObject({ reason: 'left' });
    expect(await bob.next('member_left', (m) => m.userId === 'alice')).toMatchObject({ reason: 'left' });
    await cluster.converge();
  }, 60_000);
});

describe('re-sync after a Redis cut never overwrites a newer membership', () => {
  it('a user who resumed on another node while this node was cut off stays a member after the cut heals and the old grace period ends', async () => {
    cluster = new Cluster('fault-resync');
    const a = await cluster.node('node-a');
    const b = await cluster.node('node-b');
    const watcher = await cluster.join(b, 'lobby', 'watcher');
    const old = await cluster.join(a, 'lobby', 'mover');
    await watcher.next('member_joined', (m) => m.member.userId === 'mover');

    a.link.cut();
    await until('node A reports the store down', () => readyIs(a, 503), 5000);
    old.kill(); // A starts the grace period, but cannot reach Redis
    const moved = await cluster.join(b, 'lobby', 'mover'); // a resume on B: B's record is the newer one
    a.link.restore();
    await until('node A is ready again', () => readyIs(a, 200), 10_000);
    // A's re-sync has run and its grace timer for the old socket has ended: neither may remove the user.
    await new Promise((r) => setTimeout(r, GRACE_MS + 3 * HEARTBEAT_MS)); // a real wait: A's timers have no observable event
    await watcher.sync();
    expect(watcher.all('member_left').filter((m) => m.userId === 'mover')).toEqual([]);
    expect(moved.live).toBe(true);
    await cluster.converge();
  }, 60_000);

  it('with both sessions open, the one on the cut-off node is closed with 4005 once it reconnects, and observers see one position', async () => {
    cluster = new Cluster('fault-resync-both');
    const a = await cluster.node('node-a');
    const b = await cluster.node('node-b');
    const watcher = await cluster.join(b, 'lobby', 'watcher');
    const onA = await cluster.join(a, 'lobby', 'mover', 'mover@node-a');
    await watcher.next('member_joined', (m) => m.member.userId === 'mover');

    a.link.cut();
    await until('node A reports the store down', () => readyIs(a, 503), 5000);
    const onB = await cluster.join(b, 'lobby', 'mover', 'mover@node-b'); // the session_replaced for A is lost
    a.link.restore();
    let seq = 0;
    const mover = setInterval(() => {
      seq++;
      onA.send({ type: 'avatar_transform', p: [1, 0, 0], r: R, seq });
      onB.send({ type: 'avatar_transform', p: [2, 0, 0], r: R, seq });
    }, 100);
    try {
      expect((await Promise.race([onA.closed, new Promise((r) => setTimeout(r, 15_000, { code: 'still open after 15 s' }))]))).toMatchObject({ code: CloseCode.SESSION_REPLACED });
      await watcher.sync();
      const after = watcher.received.length;
      await watcher.next('avatar_transform_broadcast', (m) => m.transforms.some((t) => t.userId === 'mover'), 3000);
      await watcher.next('avatar_transform_broadcast', (m) => m.transforms.some((t) => t.userId === 'mover'), 3000);
      const positions = watcher.received
        .slice(after)
        .flatMap((m) => (m.type === 'avatar_transform_broadcast' ? m.transforms : []))
        .filter((t) => t.userId === 'mover')
        .map((t) => t.p[0]);
      expect(new Set(positions)).toEqual(new Set([2]));
    } finally {
      clearInterval(mover);
    }
    await cluster.converge();
  }, 60_000);
});
