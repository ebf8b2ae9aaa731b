/**
 * Issue 10, clock skew: one node's wall clock 10 s ahead, another's 10 s behind
 * (RTGW_TEST_CLOCK_OFFSET_MS, test-only). Leases and reaping run on Redis time, so neither loses a
 * live member, and a dead node is reaped as fast as with true clocks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, HEARTBEAT_MS, LEASE_MS, type FaultNode } from './cluster.js';

let cluster: Cluster;
afterEach(() => cluster?.close());

async function skewed(name: string): Promise<{ ahead: FaultNode; behind: FaultNode; fair: FaultNode }> {
  cluster = new Cluster(name);
  const ahead = await cluster.node('ahead', { env: { RTGW_TEST_CLOCK_OFFSET_MS: '10000' } });
  const behind = await cluster.node('behind', { env: { RTGW_TEST_CLOCK_OFFSET_MS: '-10000' } });
  const fair = await cluster.node('fair');
  // The skew must really be in effect, or these tests prove nothing: a node's pong carries its wall clock.
  for (const [node, offset] of [[ahead, 10_000], [behind, -10_000], [fair, 0]] as const) {
    const probe = await cluster.open(node, `clock-${node.name}`);
    probe.send({ type: 'ping', ts: 1 });
    const pong = await probe.next('pong');
    expect(Math.abs(pong.serverTime - Date.now() - offset), `${node.name}'s clock is off by ${offset} ms`).toBeLessThan(2000);
    await probe.close();
  }
  return { ahead, behind, fair };
}

/** Crash to announcement with true clocks: lease + heartbeat, plus margin for two CI cores. */
const REAP_BOUND_MS = LEASE_MS + 2 * HEARTBEAT_MS + 2000;

describe('nodes with clocks 10 s ahead and 10 s behind', () => {
  it('no live member is reaped over several leases', async () => {
    const { ahead, behind, fair } = await skewed('fault-skew-live');
    const clients = [await cluster.join(ahead, 'lobby', 'on-ahead'), await cluster.join(behind, 'lobby', 'on-behind'), await cluster.join(fair, 'lobby', 'on-fair')];
    // A real wait: reaping is the absence of an event; watch for five leases.
    await new Promise((r) => setTimeout(r, 5 * LEASE_MS));
    await Promise.all(clients.map((c) => c.sync()));
    for (const c of clients) expect(c.all('member_left'), c.label).toEqual([]);
    await cluster.converge();
  }, 60_000);

  for (const dies of ['ahead', 'behind'] as const) {
    it(`a SIGKILLed node whose clock is ${dies} is reaped within ${REAP_BOUND_MS} ms (and within the contract's 15 s)`, async () => {
      const nodes = await skewed(`fault-skew-dead-${dies}`);
      const doomed = nodes[dies];
      const survivor = dies === 'ahead' ? nodes.behind : nodes.ahead;
      await cluster.join(doomed, 'lobby', 'ghost');
      const witness = await cluster.join(survivor, 'lobby', 'witness');
      const onFair = await cluster.join(nodes.fair, 'lobby', 'also-witness');
      await witness.next('member_joined', (m) => m.member.userId === 'also-witness');
      const killedAt = Date.now();
      await cluster.kill(doomed);
      await witness.next('member_left', (m) => m.userId === 'ghost', 15_000);
      const took = Date.now() - killedAt;
      await onFair.next('member_left', (m) => m.userId === 'ghost', 2000);
      expect(took).toBeLessThan(REAP_BOUND_MS);
      expect(witness.all('member_left').map((m) => m.userId)).toEqual(['ghost']);
      await cluster.converge();
    }, 60_000);
  }
});
