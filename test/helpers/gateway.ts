/**
 * Gateways for tests: in-process (`startTestGateway`) for most tests, and real child processes
 * (`spawnGateway`) for what only separate processes can show (SIGKILL, several nodes on one Redis).
 */
import { startGateway, type Gateway, type StartGatewayOptions } from '../../gateway/index.js';
import { spawnGateway as spawnGatewayProcess, type GatewayProcess } from '../../scenarios/support/gateway-process.js';

export type { GatewayProcess };

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256';

const running = new Set<Gateway>();

export async function startTestGateway(options: StartGatewayOptions = {}): Promise<Gateway> {
  const gateway = await startGateway({ port: 0, host: '127.0.0.1', logLevel: 'silent', jwtSecret: TEST_SECRET, ...options });
  running.add(gateway);
  return gateway;
}

/** Close every gateway the test started (call in afterEach). */
export async function closeTestGateways(): Promise<void> {
  await Promise.all([...running].map((g) => g.close({ drainMs: 0 })));
  running.clear();
}

/** `rtgw serve` child processes (needs `npm run build`; `npm test` builds first). */
export async function spawnGateway(args: string[], env: Record<string, string> = {}): Promise<GatewayProcess> {
  return spawnGatewayProcess({ args, env: { RTGW_JWT_SECRET: TEST_SECRET, RTGW_LOG_LEVEL: 'info', ...env } });
}
