/**
 * The rolling-deploy scenario guards more than presence (test/scenarios/scenarios.test.ts breaks
 * the grace period): a gateway that loses accepted chat during the deploy must fail it too.
 */
import { describe, expect, it } from 'vitest';
import { scenarios } from '../../scenarios/index.js';
import { runScenario } from '../../scenarios/support/runner.js';

describe('rolling-deploy', () => {
  it('fails, at the chat check only, against a gateway that loses chat history (RTGW_FAULTS=lose-chat-history)', async () => {
    const scenario = scenarios.find((s) => s.name === 'rolling-deploy')!;
    const result = await runScenario(scenario, { faults: ['lose-chat-history'] });
    const failed = result.records.filter((r) => !r.ok);
    expect(result.status).toBe('failed');
    expect(failed.map((r) => r.title)).toEqual(['no accepted chat lost or duplicated (every bot and the room history)']);
    expect(failed[0]!.detail).toMatch(/(got|history of .*has) ".*" 0x/); // missed while reconnecting, or gone from the history
  }, 90_000);
});
