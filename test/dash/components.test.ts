/** Each panel alone, rendered with ink-testing-library and read back with `lastFrame()`. */
import { render } from 'ink-testing-library';
import { createElement as h } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { ChatTail } from '../../cli/dash/components/ChatTail.js';
import { Header } from '../../cli/dash/components/Header.js';
import { MemberTable } from '../../cli/dash/components/MemberTable.js';
import { MiniMap } from '../../cli/dash/components/MiniMap.js';
import { NodeTable } from '../../cli/dash/components/NodeTable.js';
import { RoomList } from '../../cli/dash/components/RoomList.js';
import { sparkline } from '../../cli/dash/components/Sparkline.js';
import type { MemberRow } from '../../cli/dash/room-model.js';
import { nodeStats, statsOf, T0, text } from './helpers.js';

afterEach(cleanup);

const frame = (element: ReturnType<typeof h>) => text(render(element).lastFrame());
const lines = (s: string) => s.split('\n');

const row = (name: string, marker: string, over: Partial<MemberRow> = {}): MemberRow => ({
  userId: name,
  displayName: name,
  device: 'desktop',
  nodeId: 'node-a',
  marker,
  transform: { p: [1.25, 0, -3.5], r: [0, 0, 0, 1], ts: T0 },
  ageMs: 120,
  updatesPerSec: 18.4,
  ...over,
});

describe('Sparkline', () => {
  it('scales bars to the largest value, shows zero as a gap and right-aligns short series', () => {
    expect(sparkline([1, 2, 4, 8], 4)).toBe('▂▃▅█');
    expect(sparkline([0, 8, 0, 4], 6)).toBe('   █ ▅');
    expect(sparkline([0, 0], 3)).toBe('   ');
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8, 9], 3)).toBe('▆▇█');
  });
});

describe('Header', () => {
  const stats = statsOf([nodeStats(), nodeStats({ nodeId: 'node-b', drops: { rate_limited: 3 }, rateLimitHits: 3, eventLoopDelayP99Ms: 12.3 })], {});

  it('says connected, how many nodes and the store, then the cluster totals', () => {
    const out = lines(frame(h(Header, { url: 'http://gw:8080', link: { status: 'up' }, stats, lastAnswerAt: T0, now: T0 })));
    expect(out).toEqual(['rtgw dash gw:8080 ● connected · 2 nodes · memory ok', 'conns 10  in 181/s  out 205/s  drops 3  rate-limited 3  auth-fail 0  loop 12ms']);
  });

  it('says the gateway is unreachable, why, since when, and when it retries', () => {
    const link = { status: 'down' as const, kind: 'unreachable' as const, error: 'connect ECONNREFUSED 127.0.0.1:8080', attempt: 2, retryAt: T0 + 1_500 };
    const out = lines(frame(h(Header, { url: 'http://gw:8080', link, stats, lastAnswerAt: T0 - 4_200, now: T0 })));
    expect(out).toEqual(['rtgw dash gw:8080 ○ unreachable, retry in 2s', 'connect ECONNREFUSED 127.0.0.1:8080 · last answer 4.2s ago']);
  });

  it('tells a refused admin token apart from an unreachable gateway', () => {
    const link = { status: 'down' as const, kind: 'unauthorized' as const, error: 'the admin token is wrong', attempt: 1, retryAt: T0 };
    expect(lines(frame(h(Header, { url: 'http://gw:8080', link, stats: undefined, lastAnswerAt: undefined, now: T0 })))).toEqual([
      'rtgw dash gw:8080 ○ admin token refused, retrying',
      'the admin token is wrong · no answer yet',
    ]);
  });

  it("waits for the first stats while connecting", () => {
    expect(lines(frame(h(Header, { url: 'http://gw:8080', link: { status: 'connecting' }, stats: undefined, lastAnswerAt: undefined, now: T0 })))).toEqual([
      'rtgw dash gw:8080 ◌ connecting…',
      "waiting for the gateway's stats…",
    ]);
  });
});

describe('RoomList', () => {
  const rooms = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'].map((roomId, i) => ({ roomId, members: 5 - i, transformsPerSec: 90.4 - i * 20, chatPerSec: i * 0.5 }));

  it('lists rooms with members and rates, the selected one marked', () => {
    const out = lines(frame(h(RoomList, { rooms, selected: 1, height: 10 })));
    expect(out[0]).toMatch(/^\s+room\s+members transforms\/s\s+chat\/s$/);
    expect(out[1]).toMatch(/^  alpha\s+5\s+90\s+0$/);
    expect(out[2]).toMatch(/^› beta\s+4\s+70\s+0\.5$/);
    expect(out).toHaveLength(6);
  });

  it('scrolls to keep the selection visible when the rooms do not fit', () => {
    const out = lines(frame(h(RoomList, { rooms, selected: 4, height: 3 })));
    expect(out.map((l) => l.trim().split(/\s+/)[0])).toEqual(['room', 'delta', '›']);
    expect(out[2]).toContain('epsilon');
  });

  it('says so when no room has members', () => {
    expect(frame(h(RoomList, { rooms: [], selected: 0, height: 5 }))).toBe('no room has members right now');
  });
});

describe('MemberTable', () => {
  it('shows marker, name, device, x and z, transform age and update rate', () => {
    const out = lines(frame(h(MemberTable, { members: [row('bot-1', 'B1'), row('bot-2', 'B2', { device: 'mobile', transform: undefined, ageMs: undefined, updatesPerSec: 0 })], height: 5 })));
    expect(out[0]).toMatch(/^\s+name\s+dev\s+x\s+z\s+age upd\/s$/);
    expect(out[1]).toMatch(/^B1 bot-1\s+dsk\s+1\.3\s+-3\.5 0\.1s\s+18$/);
    expect(out[2]).toMatch(/^B2 bot-2\s+mob\s+–\s+–\s+–\s+0$/);
  });

  it('says how many more members there are when they do not fit', () => {
    const members = Array.from({ length: 6 }, (_, i) => row(`bot-${i}`, `B${i}`));
    const out = lines(frame(h(MemberTable, { members, height: 4 })));
    expect(out).toHaveLength(4);
    expect(out[3]).toBe('+4 more');
  });
});

describe('MiniMap', () => {
  it('draws members with a transform at their x/z, under a title with the scale', () => {
    const members = [row('a', 'AA', { transform: { p: [-5, 0, -5], r: [0, 0, 0, 1], ts: T0 } }), row('b', 'BB', { transform: undefined }), row('c', 'CC', { transform: { p: [5, 0, 0], r: [0, 0, 0, 1], ts: T0 } })];
    const out = lines(frame(h(MiniMap, { members, width: 16, height: 4 })));
    expect(out).toEqual(['map ±5 m · x→ z↓', 'AA', '        +     CC', '']);
  });
});

describe('ChatTail', () => {
  const message = (n: number, text: string) => ({ id: `m${n}`, roomId: 'lobby', userId: 'u', displayName: `bot-${n}`, text, ts: new Date(2024, 0, 1, 9, 5, n).getTime() });

  it('shows the newest messages that fit, oldest first, one line each', () => {
    const out = lines(frame(h(ChatTail, { messages: [message(1, 'one'), message(2, 'two\nlines'), message(3, 'three')], height: 2 })));
    expect(out).toEqual(['09:05:02 bot-2: two lines', '09:05:03 bot-3: three']);
  });

  it('says when there is no chat yet', () => {
    expect(frame(h(ChatTail, { messages: [], height: 3 }))).toMatch(/^no chat yet/);
  });
});

describe('NodeTable', () => {
  it('has one row per node with its connections, rates, drops, loop delay and store state', () => {
    const out = lines(frame(h(NodeTable, { nodes: [nodeStats(), nodeStats({ nodeId: 'node-b', storeUp: false, drops: { slow_consumer: 2 } })], height: 5 })));
    expect(out[0]).toMatch(/^node\s+conns members\s+in\/s\s+out\/s drops\s+loop store\s+up$/);
    expect(out[1]).toMatch(/^node-a\s+5\s+5\s+91\s+103\s+0\s+1\.5ms ok\s+1m$/);
    expect(out[2]).toMatch(/^node-b\s+5\s+5\s+91\s+103\s+2\s+1\.5ms DOWN\s+1m$/);
  });
});
