/**
 * The chaos scenario fails against a gateway that duplicates resent chat (RTGW_FAULTS=no-chat-dedupe),
 * with the check that names it. Its no-fencing self-test sits with the other scenarios' in
 * test/scenarios/scenarios.test.ts; `rtgw scenario chaos` (run by `npm test`) shows it passing.
 */
import { expect, it } from 'vitest';
import chaos from '../../scenarios/chaos.js';
import { runScenario } from '../../scenarios/support/runner.js';

it('chaos fails against a gateway with RTGW_FAULTS=no-chat-dedupe: a resend after a reconnect is duplicated', async () => {
  const result = await runScenario(chaos, { faults: ['no-chat-dedupe'], durationS: 20 });
  expect(result.status, JSON.stringify(result.records, null, 1)).toBe('failed');
  const failed = result.records.filter((r) => !r.ok);
  expect(failed).toHaveLength(1);
  expect(failed[0]!.title).toMatch(/0 chat duplicated/);
}, 90_000);
