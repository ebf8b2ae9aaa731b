/**
 * A refused upgrade whose client resets the connection (RST) must not take the node down: Node's
 * HTTP server stops watching a socket's errors once it hands it to the 'upgrade' event.
 */
import { connect } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { closeTestGateways, startTestGateway } from '../helpers/gateway.js';
import { joinAs } from '../helpers/ws-client.js';

afterEach(closeTestGateways);

it('clients that reset refused upgrades (404 path) do not crash the gateway, and it still serves', async () => {
  const gw = await startTestGateway();
  const { port } = new URL(gw.url);
  const errors: unknown[] = [];
  const onError = (err: unknown) => errors.push(err);
  process.on('uncaughtException', onError);
  try {
    await Promise.all(
      Array.from({ length: 50 }, () => new Promise<void>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write('GET /nowhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
          socket.resetAndDestroy(); // RST before the refusal is read
          resolve();
        });
        socket.on('error', () => resolve());
      })),
    );
    // The node answers afterwards: a join still works.
    const { state } = await joinAs(gw.url, 'lobby', 'after-the-resets');
    expect(state.type).toBe('room_state');
    expect(errors).toEqual([]);
  } finally {
    process.off('uncaughtException', onError);
  }
});
