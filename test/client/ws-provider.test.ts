/**
 * WebSocket-provider behaviour beyond the shared contract: platform resolution, one socket per
 * client (moving rooms, leaving), what is held while not joined, and chat whose echo was lost.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WsRealtimeProvider, type WsProviderOptions } from '../../client/index.js';
import { closeTestGateways, startTestGateway } from '../helpers/gateway.js';
import { FakeGateway } from './fake-server.js';
import { nextEvent, record, trackingWebSocket, uid, wsCtor } from './helpers.js';

let fake: FakeGateway;
const providers: WsRealtimeProvider[] = [];
const make = (o: Partial<WsProviderOptions> = {}) => {
  const p = new WsRealtimeProvider({ url: fake.url, userId: uid('u'), WebSocket: wsCtor, ...o });
  providers.push(p);
  return p;
};
beforeEach(async () => {
  fake = await FakeGateway.start();
});
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.disconnect()));
  await fake.close();
  await closeTestGateways();
});

describe('WsRealtimeProvider', () => {
  it('in Node without options.WebSocket, it loads `ws` lazily and joins the real gateway', async () => {
    const gw = await startTestGateway();
    const p = new WsRealtimeProvider({ url: gw.url, userId: uid('lazy') });
    providers.push(p);
    expect((await p.joinRoom(uid('room'))).members).toHaveLength(1);
  });

  it('connect() before any room opens no socket (the gateway wants join_room within 5 s of opening)', async () => {
    const p = make();
    await p.connect();
    expect(p.getState().connection.status).toBe('idle');
    expect(fake.connections).toBe(0);
    await p.joinRoom(uid('room'));
    expect(fake.connections).toBe(1);
  });

  it('join_room is the first message on a new socket', async () => {
    await make().joinRoom(uid('room'));
    expect([...fake.conns][0]!.received[0]!.type).toBe('join_room');
  });

  it('moving to another room reuses the socket; the old room sees member_left (left)', async () => {
    const alice = make();
    const bob = make();
    const first = uid('room');
    await alice.joinRoom(first);
    await bob.joinRoom(first);
    const aliceId = alice.getState().self!.userId;
    const left = nextEvent(bob, 'memberLeft', (e) => e.userId === aliceId);
    await alice.joinRoom(uid('room'));
    expect(await left).toMatchObject({ reason: 'left' });
    expect(fake.connections).toBe(2);
  });

  it('disconnect() sends leave_room first, so others see the member leave at once', async () => {
    const alice = make();
    const bob = make();
    const roomId = uid('room');
    await alice.joinRoom(roomId);
    await bob.joinRoom(roomId);
    const left = nextEvent(bob, 'memberLeft');
    await alice.disconnect();
    expect(await left).toMatchObject({ reason: 'left' });
  });

  it('transforms sent before the join are held, and only the newest goes out once joined', async () => {
    const alice = make();
    alice.sendTransform([1, 0, 0], [0, 0, 0, 1]);
    alice.sendTransform([2, 0, 0], [0, 0, 0, 1]);
    await alice.joinRoom(uid('room'));
    await fake.received('avatar_transform', 1);
    const sent = [...fake.conns][0]!.received.filter((m) => m.type === 'avatar_transform');
    expect(sent).toEqual([{ type: 'avatar_transform', p: [2, 0, 0], r: [0, 0, 0, 1], seq: 1 }]);
  });

  it('a chat whose echo was lost in a drop is resolved from the rejoin room_state, not sent twice', async () => {
    const ws = trackingWebSocket();
    const alice = make({ WebSocket: ws.WebSocket });
    await alice.joinRoom(uid('room'));
    fake.swallowEchoes = 1;
    const sending = alice.sendChat('did this arrive?');
    await fake.received('chat_send', 1);
    ws.sockets.at(-1)!.terminate();
    const echo = await sending;
    expect(echo).toMatchObject({ text: 'did this arrive?', userId: alice.getState().self!.userId });
    expect(alice.getState().chat.filter((m) => m.text === 'did this arrive?')).toHaveLength(1);
    const chatSends = [...fake.conns].flatMap((c) => c.received).filter((m) => m.type === 'chat_send');
    expect(chatSends).toHaveLength(0); // the new socket sent none; the old one's is gone with it
    expect(fake.joins).toBe(2);
  });

  it('a chat with no echo at all rejects with a timeout RealtimeError', async () => {
    const alice = make({ chatTimeoutMs: 200 });
    await alice.joinRoom(uid('room'));
    fake.swallowEchoes = 1;
    await expect(alice.sendChat('into the void')).rejects.toMatchObject({ name: 'RealtimeError', code: 'timeout' });
  });

  it('the server clock offset from room_state and pong makes serverNow() track the server', async () => {
    const alice = make({ pingIntervalMs: 50 });
    await alice.joinRoom(uid('room'));
    await fake.received('ping', 2);
    expect(Math.abs(alice.serverNow() - Date.now())).toBeLessThan(50);
  });

  it('notices for a UI: disconnected then reconnected, with downtime', async () => {
    const alice = make();
    await alice.joinRoom(uid('room'));
    const notices = record(alice, 'notice');
    const back = nextEvent(alice, 'notice', (n) => n.kind === 'reconnected');
    fake.dropAll();
    const reconnected = await back;
    expect(notices.map((n) => n.kind)).toEqual(['disconnected', 'reconnected']);
    expect(reconnected.kind === 'reconnected' && reconnected.downtimeMs).toBeGreaterThanOrEqual(0);
  });
});
