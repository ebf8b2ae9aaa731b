/**
 * Reconnect behaviour of the WebSocket provider against the real gateway (and the fake one):
 * abrupt socket kills, network cuts, a gateway restart, and a connection that goes silent.
 * A TCP proxy sits between client and server where the fault is the network's.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WsRealtimeProvider, type RealtimeProvider, type WsProviderOptions } from '../../client/index.js';
import { nextEvent, record, startBackend, trackingWebSocket, uid, waitForStatus, wsCtor, type Backend } from './helpers.js';
import { TcpProxy } from './tcp-proxy.js';

const R: [number, number, number, number] = [0, 0, 0, 1];

for (const kind of ['gateway', 'fake'] as const) {
  describe(`reconnect (${kind})`, () => {
    let backend: Backend;
    let proxy: TcpProxy;
    const providers: RealtimeProvider[] = [];
    const make = (o: Partial<WsProviderOptions> = {}) => {
      const p = new WsRealtimeProvider({ url: backend.url, wsUrl: proxy.wsUrl, userId: uid('u'), WebSocket: wsCtor, ...o });
      providers.push(p);
      return p;
    };
    beforeEach(async () => {
      backend = await startBackend(kind);
      proxy = await TcpProxy.start(backend.port);
    });
    afterEach(async () => {
      await Promise.all(providers.splice(0).map((p) => p.disconnect()));
      await proxy.close();
      await backend.close();
    });

    it('an abruptly killed socket is recovered in under 3 s: same room, state rebuilt, peers see no leave or join', async () => {
      const ws = trackingWebSocket();
      const alice = make({ WebSocket: ws.WebSocket });
      const bob = make();
      const roomId = uid('room');
      await alice.joinRoom(roomId);
      await bob.joinRoom(roomId);
      await alice.sendChat('before the drop');
      const bobMembership = [...record(bob, 'memberLeft'), ...record(bob, 'memberJoined')];
      const notices = record(alice, 'notice');
      const rejoined = nextEvent(alice, 'roomState', (r) => r.rejoined);

      const killedAt = Date.now();
      ws.sockets.at(-1)!.terminate(); // no close frame: the client sees 1006
      const room = await rejoined;
      expect(Date.now() - killedAt).toBeLessThan(3000);

      expect(room.roomId).toBe(roomId);
      expect(room.members.map((m) => m.userId).sort()).toEqual([alice.getState().self!.userId, bob.getState().self!.userId].sort());
      expect(room.chat.filter((m) => m.text === 'before the drop')).toHaveLength(1);
      expect(notices.map((n) => n.kind)).toEqual(['disconnected', 'reconnected']);
      expect(notices[0]).toMatchObject({ closeCode: 1006, willReconnect: true });
      expect(alice.getState().connection.status).toBe('open');
      // Bob sees Alice's next chat, and nothing about membership before it.
      const seen = nextEvent(bob, 'chat', (m) => m.text === 'after the drop');
      await alice.sendChat('after the drop');
      await seen;
      expect(bobMembership).toEqual([]);
    });

    it('a network cut (connection reset) goes reconnecting with 1006 and back to open', async () => {
      const alice = make();
      await alice.joinRoom(uid('room'));
      const states = record(alice, 'connectionState');
      const back = nextEvent(alice, 'roomState', (r) => r.rejoined);
      proxy.cutAll();
      await back;
      expect(states.map((s) => s.status)).toEqual(['reconnecting', 'open']);
      expect(states[0]).toMatchObject({ closeCode: 1006, backoff: 'normal', attempt: 1 });
    });

    it('a gateway restart on the same port is recovered: 1001, reconnect, rejoin the same room', async () => {
      const alice = make({ wsUrl: undefined }); // straight to the gateway, as the dev issuer says
      const roomId = uid('room');
      await alice.joinRoom(roomId);
      await alice.sendChat('before the restart');
      const states = record(alice, 'connectionState');
      const back = nextEvent(alice, 'roomState', (r) => r.rejoined, 15_000);
      const restartedAt = Date.now();
      await backend.restart();
      const room = await back;
      expect(Date.now() - restartedAt).toBeLessThan(3000);
      expect(states[0]).toMatchObject({ status: 'reconnecting', closeCode: 1001 });
      expect(states.at(-1)!.status).toBe('open');
      expect(room.roomId).toBe(roomId);
      // The restarted gateway lost its history; what this client had is kept, once.
      expect(alice.getState().chat.filter((m) => m.text === 'before the restart')).toHaveLength(1);
      await expect(alice.sendChat('after the restart')).resolves.toMatchObject({ text: 'after the restart' });
    });

    it('a connection that goes silent (no close frame) is detected by ping/pong within 5 s and replaced', async () => {
      const alice = make();
      const bob = make({ wsUrl: undefined }); // not through the proxy: only Alice's connection goes silent
      const roomId = uid('room');
      await alice.joinRoom(roomId);
      await bob.joinRoom(roomId);
      const bobLeft = record(bob, 'memberLeft');
      const lost = nextEvent(alice, 'connectionState', (s) => s.status === 'reconnecting');
      const back = nextEvent(alice, 'roomState', (r) => r.rejoined);
      const silentAt = Date.now();
      proxy.blackholeExisting();
      const state = await lost;
      const detectedIn = Date.now() - silentAt;
      // Defaults: a ping every 2 s, dead 2 s after a ping with nothing back.
      expect(detectedIn).toBeLessThan(5000);
      expect(state).toMatchObject({ closeCode: 1006, reason: 'liveness timeout: no answer to ping' });
      await back;
      expect(proxy.connections).toBe(2);
      const seen = nextEvent(bob, 'chat', (m) => m.text === 'still here');
      await alice.sendChat('still here');
      await seen;
      expect(bobLeft).toEqual([]);
    });

    it('chat typed while reconnecting goes out after the rejoin and resolves with its echo', async () => {
      const ws = trackingWebSocket();
      const alice = make({ WebSocket: ws.WebSocket });
      await alice.joinRoom(uid('room'));
      const reconnecting = waitForStatus(alice, 'reconnecting');
      ws.sockets.at(-1)!.terminate();
      await reconnecting;
      const echo = await alice.sendChat('typed while offline');
      expect(echo.text).toBe('typed while offline');
      expect(alice.getState().chat.filter((m) => m.id === echo.id)).toHaveLength(1);
    });

    it('chat sent by others while this client was away arrives once, as chat events after the rejoin', async () => {
      const alice = make({ reconnectIntervalMs: 50, maxReconnectDelayMs: 100 });
      const bob = make({ wsUrl: undefined });
      const roomId = uid('room');
      await alice.joinRoom(roomId);
      await bob.joinRoom(roomId);
      const early = await bob.sendChat('seen live');
      await nextEvent(alice, 'chat', (m) => m.id === early.id);
      const chats = record(alice, 'chat');
      proxy.refuseNew = true;
      const down = waitForStatus(alice, 'reconnecting');
      proxy.cutAll();
      await down;
      const missed = await bob.sendChat('sent while alice was away');
      const back = nextEvent(alice, 'roomState', (r) => r.rejoined);
      proxy.refuseNew = false;
      const room = await back;
      expect(chats.map((m) => m.text)).toEqual(['sent while alice was away']);
      expect(room.chat.map((m) => m.id)).toEqual([early.id, missed.id]);
    });

    it("after a rejoin the newest transform is sent again, so peers see where this client is", async () => {
      const alice = make();
      const bob = make({ wsUrl: undefined });
      const roomId = uid('room');
      await alice.joinRoom(roomId);
      await bob.joinRoom(roomId);
      const aliceId = alice.getState().self!.userId;
      alice.sendTransform([5, 0, 5], R);
      await nextEvent(bob, 'transforms', (l) => l.some((t) => t.userId === aliceId && t.p[0] === 5));
      const again = nextEvent(bob, 'transforms', (l) => l.some((t) => t.userId === aliceId && t.p[0] === 5));
      proxy.cutAll();
      await again;
    });
  });
}
