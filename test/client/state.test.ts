import { describe, expect, it, vi } from 'vitest';
import type { ChatMessage, Member, ServerMessageOf } from '../../protocol/index.js';
import { Emitter } from '../../client/emitter.js';
import { applyRoomMessage, RoomStore } from '../../client/state.js';
import type { RealtimeEvents } from '../../client/index.js';

const member = (userId: string): Member => ({ userId, displayName: userId, device: 'desktop', joinedAt: 1 });
const chat = (id: string, text = id): ChatMessage => ({ id, roomId: 'r', userId: 'bob', displayName: 'bob', text, ts: 1 });
const roomState = (over: Partial<ServerMessageOf<'room_state'>> = {}): ServerMessageOf<'room_state'> => ({
  type: 'room_state', roomId: 'r', self: { userId: 'me', sessionId: 's1' }, members: [member('me'), member('bob')], chat: [], serverTime: 1, ...over,
});

describe('RoomStore', () => {
  it('a fresh join replaces members and chat; a rejoin of the same room merges chat by id and returns only the unseen', () => {
    const store = new RoomStore();
    expect(store.applyRoomState(roomState({ chat: [chat('01A'), chat('01B')] }), false)).toEqual([]);
    const missed = store.applyRoomState(roomState({ chat: [chat('01B'), chat('01C')], members: [member('me')] }), true);
    expect(missed.map((c) => c.id)).toEqual(['01C']);
    expect(store.chatList().map((c) => c.id)).toEqual(['01A', '01B', '01C']);
    expect(store.memberList().map((m) => m.userId)).toEqual(['me']);
    store.applyRoomState(roomState({ roomId: 'other', chat: [chat('01Z')] }), true);
    expect(store.chatList().map((c) => c.id)).toEqual(['01Z']);
  });

  it('keeps chat sorted by id, without duplicates, and at most 50 (the newest)', () => {
    const store = new RoomStore();
    store.applyRoomState(roomState(), false);
    expect(store.addChat(chat('005'))).toBe(true);
    expect(store.addChat(chat('003'))).toBe(true);
    expect(store.addChat(chat('005'))).toBe(false);
    expect(store.chatList().map((c) => c.id)).toEqual(['003', '005']);
    for (let i = 100; i < 160; i++) store.addChat(chat(String(i)));
    expect(store.chatList()).toHaveLength(50);
    expect(store.chatList()[0]!.id).toBe('110');
  });

  it('stores transforms of known members only, never letting an older one overwrite a newer one', () => {
    const store = new RoomStore();
    store.applyRoomState(roomState(), false);
    store.applyTransforms([
      { userId: 'bob', p: [1, 0, 0], r: [0, 0, 0, 1], ts: 20 },
      { userId: 'ghost', p: [9, 9, 9], r: [0, 0, 0, 1], ts: 20 },
    ]);
    store.applyTransforms([{ userId: 'bob', p: [0, 0, 0], r: [0, 0, 0, 1], ts: 10 }]);
    expect(store.memberList().find((m) => m.userId === 'bob')!.transform!.p).toEqual([1, 0, 0]);
    expect(store.memberList().map((m) => m.userId)).not.toContain('ghost');
  });

  it('snapshots are copies: later changes do not reach them', () => {
    const store = new RoomStore();
    store.applyRoomState(roomState(), false);
    const snap = store.snapshot()!;
    store.memberLeft('bob');
    store.addChat(chat('01'));
    expect(snap.members.map((m) => m.userId)).toEqual(['me', 'bob']);
    expect(snap.chat).toEqual([]);
  });
});

describe('applyRoomMessage', () => {
  it('emits memberJoined, memberLeft, transforms and chat (once per id) and updates the store', () => {
    const store = new RoomStore();
    const events = new Emitter<RealtimeEvents>();
    const seen: string[] = [];
    for (const name of ['memberJoined', 'memberLeft', 'transforms', 'chat'] as const) events.on(name, () => seen.push(name));
    store.applyRoomState(roomState(), false);
    applyRoomMessage(store, events, { type: 'member_joined', member: member('cy') });
    applyRoomMessage(store, events, { type: 'avatar_transform_broadcast', transforms: [{ userId: 'cy', p: [1, 1, 1], r: [0, 0, 0, 1], ts: 5 }] });
    applyRoomMessage(store, events, { type: 'chat_broadcast', ...chat('01') });
    applyRoomMessage(store, events, { type: 'chat_broadcast', ...chat('01') });
    applyRoomMessage(store, events, { type: 'member_left', userId: 'cy', reason: 'left' });
    expect(seen).toEqual(['memberJoined', 'transforms', 'chat', 'memberLeft']);
    expect(store.memberList().map((m) => m.userId)).toEqual(['me', 'bob']);
  });
});

describe('Emitter', () => {
  it('a throwing handler does not stop the others; its error is rethrown on a microtask', () => {
    const events = new Emitter<RealtimeEvents>();
    const spy = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation(() => {});
    const calls: number[] = [];
    events.on('chat', () => {
      throw new Error('bad listener');
    });
    events.on('chat', () => calls.push(2));
    events.emit('chat', chat('x'));
    expect(calls).toEqual([2]);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });

  it('the same handler subscribed twice gets two independent subscriptions', () => {
    const events = new Emitter<RealtimeEvents>();
    const calls: string[] = [];
    const h = (m: ChatMessage) => calls.push(m.id);
    const off1 = events.on('chat', h);
    events.on('chat', h);
    off1();
    events.emit('chat', chat('a'));
    expect(calls).toEqual(['a']);
  });
});
