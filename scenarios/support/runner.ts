/** Runs scenarios one after another, each in a fresh environment, and collects their results. */
import { Environment, type EnvironmentOptions } from './environment.js';
import { AssertionFailed, ScenarioContext, type Scenario, type StepRecord } from './scenario.js';

export interface ScenarioResult {
  name: string;
  description: string;
  status: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  records: StepRecord[];
  /** Why it failed (the failed assertion) or was skipped. */
  message?: string;
}

export interface RunnerHooks {
  onStart?(scenario: Scenario): void;
  onRecord?(scenario: Scenario, record: StepRecord): void;
  onEnd?(result: ScenarioResult): void;
}

export interface RunOptions extends EnvironmentOptions {
  faults?: string[];
  /** How long long-running scenarios (chaos) run, in seconds; each has its own default. */
  durationS?: number;
  hooks?: RunnerHooks;
}

export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<ScenarioResult> {
  const hooks = options.hooks ?? {};
  hooks.onStart?.(scenario);
  const t0 = performance.now();
  const base = { name: scenario.name, description: scenario.description };
  const done = (r: Omit<ScenarioResult, 'name' | 'description' | 'durationMs'>): ScenarioResult => {
    const result = { ...base, durationMs: performance.now() - t0, ...r };
    hooks.onEnd?.(result);
    return result;
  };
  if (options.url && scenario.needs.ownGatewayReason) {
    return done({ status: 'skipped', records: [], message: `needs its own gateway: ${scenario.needs.ownGatewayReason}` });
  }
  let env: Environment | undefined;
  let context: ScenarioContext | undefined;
  try {
    env = (scenario.needs.nodes ?? 1) === 0 ? await Environment.start({ nodes: 0 }, {}) : await Environment.start(scenario.needs, options);
    context = new ScenarioContext({ env, faults: options.faults ?? [], durationS: options.durationS, onRecord: (r) => hooks.onRecord?.(scenario, r) });
    await scenario.run(context);
    return done({ status: 'passed', records: context.records });
  } catch (err) {
    const message = err instanceof AssertionFailed ? err.message : `error: ${(err as Error).message ?? String(err)}`;
    return done({ status: 'failed', records: context?.records ?? [], message });
  } finally {
    await context?.cleanup();
    await env?.stop();
  }
}

export async function runScenarios(scenarios: Scenario[], options: RunOptions = {}): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) results.push(await runScenario(scenario, options));
  return results;
}
