/**
 * examples/contract-client.mjs was written from the shared protocol document alone, without this
 * project's code. It must pass against `rtgw serve` exactly as a third party would run it.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, expect, it } from 'vitest';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway.js';

let gateway: GatewayProcess | undefined;
afterEach(async () => void (await gateway?.stop()));

it('a client written only from the protocol document passes every step against rtgw serve', async () => {
  gateway = await spawnGateway(['--port', '0']);
  const script = fileURLToPath(new URL('../../examples/contract-client.mjs', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [script, gateway.url], { timeout: 60_000 });
  expect(stdout).toMatch(/^13 passed, 0 failed$/m);
  expect(stdout).not.toMatch(/^FAIL/m);
}, 70_000);
