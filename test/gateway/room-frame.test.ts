import { describe, expect, it } from 'vitest';
import { EmitShaper } from '../../gateway/rate-limit.js';
import { LocalRoom, type TransformSender } from '../../gateway/room.js';
import type { Session } from '../../gateway/session.js';
import type { BroadcastTransform } from '../../protocol/index.js';

/** A stand-in recipient that records the frames it is sent (the room only reads these fields). */
function recipient(userId: string, blocked?: string[]) {
  const frames: Array<string | Buffer> = [];
  const session = { userId, blocked: blocked && new Set(blocked), bufferedAmount: 0, sendFrame: (f: string | Buffer) => frames.push(f) };
  return { session: session as unknown as Session, received: () => frames.map((f) => JSON.parse(f.toString()) as { transforms: BroadcastTransform[] }) };
}

const t = (userId: string, x: number, anim?: string): BroadcastTransform => ({ userId, p: [x, 0, 0], r: [0, 0, 0, 1], ts: 1, ...(anim ? { anim } : {}) });
const noCounters = { framesOut: () => {}, dropped: () => {} };
/** A sender whose budget never runs out (limits are rate-limit.test.ts's subject). */
const unlimited = (): TransformSender => ({ shaper: new EmitShaper(1_000_000), superseded: () => {} });

describe('one flush of a room', () => {
  it('sends each recipient every transform but its own and those of users it blocks, byte-exact JSON', () => {
    const room = new LocalRoom('r');
    const people = { a: recipient('a'), b: recipient('b'), c: recipient('c', ['a']), watcher: recipient('watcher') };
    for (const [id, r] of Object.entries(people)) room.sessions.set(id, r.session);
    room.queueTransform(t('a', 1, 'wälk ✓'), unlimited(), 0); // multi-byte characters: offsets are bytes, not characters
    room.queueTransform(t('b', 2), unlimited(), 0);
    room.queueTransform(t('c', 3), unlimited(), 0);
    room.flush(noCounters, 1000);
    const ids = (r: ReturnType<typeof recipient>) => r.received().flatMap((m) => m.transforms.map((x) => x.userId));
    expect(ids(people.a)).toEqual(['b', 'c']);
    expect(ids(people.b)).toEqual(['a', 'c']);
    expect(ids(people.c)).toEqual(['b']);
    expect(ids(people.watcher)).toEqual(['a', 'b', 'c']);
    expect(people.b.received()[0]!.transforms[0]!.anim).toBe('wälk ✓');
  });

  it('a lone sender gets nothing back; with two senders each gets exactly the other', () => {
    const room = new LocalRoom('r');
    const a = recipient('a');
    const b = recipient('b');
    room.sessions.set('a', a.session);
    room.sessions.set('b', b.session);
    room.queueTransform(t('a', 1), unlimited(), 0);
    room.flush(noCounters, 1000);
    expect(a.received()).toEqual([]);
    expect(b.received()[0]!.transforms.map((x) => x.userId)).toEqual(['a']);
    room.queueTransform(t('a', 2), unlimited(), 0);
    room.queueTransform(t('b', 3), unlimited(), 0);
    room.flush(noCounters, 1000);
    expect(a.received().at(-1)!.transforms.map((x) => x.p[0])).toEqual([3]);
    expect(b.received().at(-1)!.transforms.map((x) => x.p[0])).toEqual([2]);
  });

  it('two of one sender in a flush travel as one fragment, in order, and are cut out of its own frame together', () => {
    const room = new LocalRoom('r');
    const people = { a: recipient('a'), b: recipient('b'), c: recipient('c', ['b']) };
    for (const [id, r] of Object.entries(people)) room.sessions.set(id, r.session);
    const a = unlimited();
    room.queueTransform(t('a', 1), a, 0);
    room.queueTransform(t('a', 2), a, 10);
    room.queueTransform(t('b', 3, 'wälk'), unlimited(), 20);
    const emitted = room.flush(noCounters, 50);
    expect(emitted.map((x) => x.p[0])).toEqual([1, 2, 3]);
    expect(people.a.received()[0]!.transforms.map((x) => x.p[0])).toEqual([3]);
    expect(people.b.received()[0]!.transforms.map((x) => x.p[0])).toEqual([1, 2]);
    expect(people.c.received()[0]!.transforms.map((x) => x.p[0])).toEqual([1, 2]);
  });

  it('a fourth transform before the flush supersedes the oldest; a sender out of budget keeps only its newest for later', () => {
    const room = new LocalRoom('r');
    const watcher = recipient('watcher');
    room.sessions.set('watcher', watcher.session);
    let superseded = 0;
    const slow: TransformSender = { shaper: new EmitShaper(1, 1), superseded: (n) => (superseded += n) }; // 1 per second, tolerance one interval
    for (let x = 1; x <= 4; x++) room.queueTransform(t('a', x), slow, x);
    expect(superseded).toBe(1);
    room.flush(noCounters, 10); // budget: two at once after being idle (tolerance one interval)
    expect(watcher.received().flatMap((m) => m.transforms.map((x) => x.p[0]))).toEqual([3, 4]);
    expect(superseded).toBe(2);
    for (let x = 5; x <= 7; x++) room.queueTransform(t('a', x), slow, 10 + x);
    room.flush(noCounters, 60); // none may leave: the newest waits
    expect(superseded).toBe(4);
    expect(room.hasPending).toBe(true);
    room.flush(noCounters, 2100);
    expect(watcher.received().flatMap((m) => m.transforms.map((x) => x.p[0]))).toEqual([3, 4, 7]);
    expect(room.hasPending).toBe(false);
  });
});
