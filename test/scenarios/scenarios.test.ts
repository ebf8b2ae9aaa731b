/**
 * Every scenario must fail — with the assertion that names what broke — when the behaviour it
 * guards is broken. Each runs here against a deliberately faulty gateway (RTGW_FAULTS, or a wrong
 * flag). That they pass against a correct gateway is shown by `rtgw scenario all`, which `npm test`
 * runs after vitest.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scenarios } from '../../scenarios/index.js';
import { runScenario } from '../../scenarios/support/runner.js';

const breakage: Record<string, { faults?: string[]; serveArgs?: string[]; durationS?: number; failsAt: RegExp }> = {
  'two-users': { serveArgs: ['--flush-interval-ms', '1000'], failsAt: /receives alice's transforms at ≥/ },
  'rate-limit': { faults: ['no-rate-limit'], failsAt: /observer receives at most 20 \(\+4 burst\) of flood-desktop's transforms in any 1 s/ },
  'chat-limits': { faults: ['no-chat-limits'], failsAt: /241 characters are rejected too_long/ },
  block: { faults: ['ignore-blocklist'], failsAt: /A received nothing that B originated/ },
  // Without a grace period the others are told at once: state is not whole when a bot is back.
  reconnect: { serveArgs: ['--grace-ms', '0'], failsAt: /state is recovered|no member_left \/ member_joined flapping/ },
  'token-refresh': { faults: ['ignore-refresh'], failsAt: /every expiry was met by refresh_token/ },
  'auth-reject': { faults: ['accept-expired'], failsAt: /an expired token: auth_error token_expired, close 4003, never admitted/ },
  'sim-fallback': { faults: ['sim-flag-ignored'], failsAt: /the flag picks the simulated provider/ },
  'multi-node': { serveArgs: ['--lease-ms', '60000'], failsAt: /the ghost is removed within 15 s/ },
  'server-restart': { faults: ['lose-chat-history'], failsAt: /chat history kept every accepted message/ },
  'redis-restart': { faults: ['no-resync'], failsAt: /chat history kept every accepted message/ },
  // The last chat reached only the master that died: without the re-sync after the store returns it is gone.
  'cluster-failover': { faults: ['no-resync'], failsAt: /no accepted chat lost from history/ },
  // Without a grace period a drained node's members are announced as left before they resume elsewhere.
  'rolling-deploy': { serveArgs: ['--grace-ms', '0'], failsAt: /no member_left \/ member_joined for a member who resumed/ },
  // A node that does not notice it was fenced (frozen past its lease) never re-announces its members.
  chaos: { faults: ['no-fencing'], durationS: 20, failsAt: /member views agree with the live sessions/ },
};

/** Scenarios whose self-test (against the correct gateway too) is a file of its own, so they do not run twice. */
const testedElsewhere: Record<string, string> = {
  storm: 'test/fault/storm-scenario.test.ts', // RTGW_FAULTS=slow-join
};

describe('each scenario catches the fault it guards against', () => {
  it('every scenario has a deliberate breakage here, or a self-test of its own', () => {
    expect([...Object.keys(breakage), ...Object.keys(testedElsewhere)].sort()).toEqual(scenarios.map((s) => s.name).sort());
    for (const file of Object.values(testedElsewhere)) expect(existsSync(new URL(`../../${file}`, import.meta.url)), file).toBe(true);
  });

  for (const scenario of scenarios.filter((s) => !(s.name in testedElsewhere))) {
    const { faults, serveArgs, durationS, failsAt } = breakage[scenario.name]!;
    it(`${scenario.name} fails against a gateway with ${faults ? `RTGW_FAULTS=${faults.join(',')}` : serveArgs!.join(' ')}`, async () => {
      const result = await runScenario(scenario, { faults, serveArgs, durationS });
      expect(result.status, JSON.stringify(result.records, null, 1)).toBe('failed');
      expect(result.message).toMatch(failsAt);
      const failed = result.records.filter((r) => !r.ok);
      expect(failed).toHaveLength(1);
      expect(failed[0]!.title).toMatch(failsAt);
    }, 60_000 + (durationS ?? 0) * 1000);
  }
});
