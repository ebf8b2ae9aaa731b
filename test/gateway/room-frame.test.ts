import { describe, expect, it } from 'vitest';
import { LocalRoom } from '../../gateway/room.js';
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

describe('one flush of a room', () => {
  it('sends each recipient every transform but its own and those of users it blocks, byte-exact JSON', () => {
    const room = new LocalRoom('r');
    const people = { a: recipient('a'), b: recipient('b'), c: recipient('c', ['a']), watcher: recipient('watcher') };
    for (const [id, r] of Object.entries(people)) room.sessions.set(id, r.session);
    room.queueTransform(t('a', 1, 'wälk ✓')); // multi-byte characters: offsets are bytes, not characters
    room.queueTransform(t('b', 2));
    room.queueTransform(t('c', 3));
    room.flush(noCounters);
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
    room.queueTransform(t('a', 1));
    room.flush(noCounters);
    expect(a.received()).toEqual([]);
    expect(b.received()[0]!.transforms.map((x) => x.userId)).toEqual(['a']);
    room.queueTransform(t('a', 2));
    room.queueTransform(t('b', 3));
    room.flush(noCounters);
    expect(a.received().at(-1)!.transforms.map((x) => x.p[0])).toEqual([3]);
    expect(b.received().at(-1)!.transforms.map((x) => x.p[0])).toEqual([2]);
  });
});
