/** The whole dashboard against a fake admin API: navigation, live updates, reconnects, sizes, quitting. */
import { cleanup, render } from 'ink-testing-library';
import { createElement as h } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../cli/dash/components/App.js';
import { FakeSource, frameWhere, KEY, roomDetail, T0, text, until } from './helpers.js';

afterEach(cleanup);

const SIZE = { columns: 80, rows: 24 };
const fast = { pollMs: 20, tickMs: 20 };

function start(source: FakeSource, props: Partial<Parameters<typeof App>[0]> = {}) {
  return render(h(App, { source, size: SIZE, ...fast, ...props }));
}

function fitsTheTerminal(frame: string, size = SIZE): void {
  const lines = frame.split('\n');
  expect(lines.length).toBeLessThanOrEqual(size.rows - 1);
  for (const line of lines) expect([...line].length).toBeLessThanOrEqual(size.columns);
}

const bots = ['bot-1', 'bot-2', 'bot-3', 'bot-4', 'bot-5'];

describe('rtgw dash', () => {
  it('opens on the rooms list sorted by members; arrows and Enter open a room, b goes back to it', async () => {
    const source = new FakeSource();
    source.rooms_ = [
      { roomId: 'quiet', members: 1, transformsPerSec: 0, chatPerSec: 0 },
      { roomId: 'lobby', members: 5, transformsPerSec: 90, chatPerSec: 0.5 },
      { roomId: 'arena', members: 3, transformsPerSec: 150, chatPerSec: 2 },
    ];
    source.details.set('arena', roomDetail('arena', ['Ada Lovelace', 'Grace Hopper', 'Alan Turing']));
    const r = start(source);
    const list = await frameWhere(r, 'the rooms list', (f) => f.includes('3 rooms'));
    expect(list.split('\n').flatMap((l) => /^([ ›]) (lobby|arena|quiet) /.exec(l)?.slice(1, 3).join('').trim() ?? [])).toEqual(['›lobby', 'arena', 'quiet']);

    r.stdin.write(KEY.down);
    await frameWhere(r, 'arena selected', (f) => f.includes('› arena'));
    r.stdin.write(KEY.enter);
    const room = await frameWhere(r, 'the arena room', (f) => f.includes('room arena · 3 members') && f.includes('Grace Hopper'));
    expect(room).toContain('AL Ada Lovelace');
    expect(source.openStreams('arena')).toBe(1);

    r.stdin.write('b');
    await frameWhere(r, 'back on the list with arena still selected', (f) => f.includes('› arena'));
    await expect.poll(() => source.openStreams()).toBe(0); // the stream closes as the room view unmounts
  });

  it('s cycles the sort order: members, traffic, name', async () => {
    const source = new FakeSource();
    source.rooms_ = [
      { roomId: 'b-room', members: 1, transformsPerSec: 200, chatPerSec: 0 },
      { roomId: 'c-room', members: 9, transformsPerSec: 10, chatPerSec: 0 },
      { roomId: 'a-room', members: 4, transformsPerSec: 50, chatPerSec: 0 },
    ];
    const r = start(source);
    const order = (f: string) => f.split('\n').flatMap((l) => /^[ ›] ([abc]-room)/.exec(l)?.[1] ?? []);
    expect(order(await frameWhere(r, 'sorted by members', (f) => f.includes('sorted by members ↓') && f.includes('a-room')))).toEqual(['c-room', 'a-room', 'b-room']);
    r.stdin.write('s');
    expect(order(await frameWhere(r, 'sorted by traffic', (f) => f.includes('sorted by traffic ↓')))).toEqual(['b-room', 'a-room', 'c-room']);
    r.stdin.write('s');
    expect(order(await frameWhere(r, 'sorted by name', (f) => f.includes('sorted by name ↑')))).toEqual(['a-room', 'b-room', 'c-room']);
  });

  it('with a room given it opens on it, and joins, movement, chat and leaves show up live', async () => {
    const source = new FakeSource();
    source.details.set('lobby', roomDetail('lobby', bots.slice(0, 4)));
    const r = start(source, { initialRoom: 'lobby' });
    await frameWhere(r, 'four members', (f) => f.includes('room lobby · 4 members') && f.includes('bot-4'));

    source.emit('lobby', { type: 'member_joined', member: { userId: 'bot-5', displayName: 'bot-5', device: 'mobile', joinedAt: T0 + 10, nodeId: 'node-b' } });
    source.emit('lobby', { type: 'transforms', transforms: [{ userId: 'bot-5', p: [9.5, 0, -9.5], r: [0, 0, 0, 1], ts: T0 }] });
    source.emit('lobby', { type: 'chat', message: { id: '01JCHAT1', roomId: 'lobby', userId: 'bot-5', displayName: 'bot-5', text: 'hello from the corner', ts: T0 } });
    const live = await frameWhere(r, 'bot-5 moved and chatted', (f) => f.includes('9.5  -9.5') && f.includes('bot-5: hello from the corner'));
    expect(live).toContain('room lobby · 5 members');
    // The map's top-right corner: bot-5's marker "B5" at x = +9.5, z = -9.5.
    const mapRows = live.split('\n').filter((l) => l.includes('│') && l.split('│').length > 3);
    expect(mapRows[1]).toMatch(/B5\s*│$/);

    source.emit('lobby', { type: 'member_left', userId: 'bot-1', reason: 'disconnected' });
    await frameWhere(r, 'bot-1 gone', (f) => f.includes('room lobby · 4 members') && !f.includes('bot-1 '));
  });

  it('fits an 80x24 terminal in both views, however many rooms, members and messages', async () => {
    const source = new FakeSource();
    source.rooms_ = Array.from({ length: 40 }, (_, i) => ({ roomId: `room-with-a-rather-long-name-${i}`, members: i, transformsPerSec: i * 3.3, chatPerSec: i / 7 }));
    const names = Array.from({ length: 30 }, (_, i) => `Member ${i} with a very long display name`.slice(0, 32));
    source.details.set('big', {
      ...roomDetail('big', names),
      chat: Array.from({ length: 50 }, (_, i) => ({ id: `m${String(i).padStart(3, '0')}`, roomId: 'big', userId: 'x', displayName: names[i % 30]!, text: 'a long message '.repeat(16), ts: T0 })),
    });
    const r = start(source);
    fitsTheTerminal(await frameWhere(r, 'the rooms list', (f) => f.includes('40 rooms')));
    r.stdin.write('q');
    const room = start(source, { initialRoom: 'big' });
    const frame = await frameWhere(room, 'the big room', (f) => f.includes('30 members') && f.includes('a long message'));
    fitsTheTerminal(frame);
    expect(frame).toMatch(/\+\d+ more/);
  });

  it('when the gateway goes away the header says so, and it reconnects by itself', async () => {
    const source = new FakeSource();
    source.details.set('lobby', roomDetail('lobby', bots));
    const r = start(source, { initialRoom: 'lobby' });
    await frameWhere(r, 'connected', (f) => f.includes('● connected') && f.includes('bot-5'));
    const streamsBefore = source.streams.length;

    source.goDown('connect ECONNREFUSED 127.0.0.1:8080');
    const down = await frameWhere(r, 'the gateway shown as down', (f) => f.includes('○ unreachable'));
    const [first, second] = down.split('\n');
    expect(first).toMatch(/^rtgw dash gateway\.test:8080 ○ unreachable, (retry in \ds|retrying)$/);
    expect(second).toMatch(/^connect ECONNREFUSED 127\.0\.0\.1:8080 · last answer \d+\.\ds ago$/);
    expect(down).toContain('bot-5'); // the last known room stays on screen

    source.details.set('lobby', roomDetail('lobby', ['bot-1', 'bot-2']));
    source.comeBack();
    const back = await frameWhere(r, 'reconnected with a fresh snapshot', (f) => f.includes('● connected') && f.includes('room lobby · 2 members · live'));
    expect(back).not.toContain('bot-5');
    expect(source.streams.length).toBeGreaterThan(streamsBefore);
    expect(source.openStreams('lobby')).toBe(1);
  });

  it('q quits: polling stops and the room stream is closed', async () => {
    const source = new FakeSource();
    const r = start(source, { initialRoom: 'lobby' });
    await frameWhere(r, 'the room', (f) => f.includes('room lobby'));
    expect(source.openStreams()).toBe(1);
    r.stdin.write('q');
    await until('the stream closed', () => source.openStreams() === 0);
    const polls = source.polls;
    await new Promise((resolve) => setTimeout(resolve, 100)); // five poll intervals: none may happen
    expect(source.polls).toBe(polls);
  });

  it('follows terminal resizes, and says so when the terminal is too small', async () => {
    const source = new FakeSource();
    source.details.set('lobby', roomDetail('lobby', bots));
    const r = render(h(App, { source, initialRoom: 'lobby', ...fast }));
    const resize = (columns: number, rows: number) => {
      Object.defineProperty(r.stdout, 'columns', { value: columns, configurable: true });
      Object.defineProperty(r.stdout, 'rows', { value: rows, configurable: true });
      r.stdout.emit('resize');
    };
    resize(100, 30);
    fitsTheTerminal(await frameWhere(r, 'the room at 100x30', (f) => f.includes('bot-5') && f.split('\n').length === 29), { columns: 100, rows: 30 });
    resize(64, 18);
    fitsTheTerminal(await frameWhere(r, 'the room at 64x18', (f) => f.includes('bot-5') && f.split('\n').length === 17), { columns: 64, rows: 18 });
    resize(50, 12);
    await frameWhere(r, 'the too-small notice', (f) => f.replace(/\s+/g, ' ').includes('needs at least 60x16 (this terminal is 50x12)'));
  });
});
