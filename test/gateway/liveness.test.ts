import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../protocol/index.js';
import { closeTestGateways, startTestGateway } from '../helpers/gateway.js';
import { joinAs } from '../helpers/ws-client.js';

afterEach(closeTestGateways);

describe('liveness and shutdown', () => {
  it('terminates a socket that stops answering pings, and its member leaves after the grace period', async () => {
    const gw = await startTestGateway({ pingIntervalMs: 100, graceMs: 100 });
    const { client: alice } = await joinAs(gw.url, 'lobby', 'alice');
    const { client: bob } = await joinAs(gw.url, 'lobby', 'bob');
    await alice.next('member_joined');
    // Bob's machine goes silent: its socket stops reading, so it never answers a ping.
    (bob.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    expect(await alice.next('member_left', undefined, 3000)).toMatchObject({ userId: 'bob', reason: 'disconnected' });
    await alice.sync(); // Alice answered every ping meanwhile and is still served
  });

  it('closing the gateway closes every socket with 1001 and announces nothing to a dead room', async () => {
    const gw = await startTestGateway();
    const { client: alice } = await joinAs(gw.url, 'lobby', 'alice');
    const { client: bob } = await joinAs(gw.url, 'lobby', 'bob');
    await gw.close();
    expect((await alice.closed).code).toBe(CloseCode.GOING_AWAY);
    expect((await bob.closed).code).toBe(CloseCode.GOING_AWAY);
    expect(await gw.store.listRooms()).toEqual([]);
  });
});
