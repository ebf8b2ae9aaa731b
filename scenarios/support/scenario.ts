/**
 * What a scenario is, and the context it runs in: steps and assertions that report themselves with
 * timings, bots on the client SDK, and control over the gateway nodes and Redis the runner started.
 */
import type { CreateRealtimeProviderOptions } from '../../client/index.js';
import { Bot } from './bot.js';
import type { Environment } from './environment.js';

export interface ScenarioNeeds {
  /** The Redis store: the runner uses --redis or starts its own redis-server. */
  redis?: boolean;
  /** A redis-server of its own even when --redis is given (the scenario restarts it). */
  ownRedis?: boolean;
  /** Gateway nodes to start (default 1; 0 for scenarios without a gateway). */
  nodes?: number;
  /** Extra `rtgw serve` flags for every node the runner starts. */
  serveArgs?: string[];
  /**
   * Why this scenario cannot run against `--url` (it kills or restarts nodes, or needs flags the
   * runner sets); unset when it can.
   */
  ownGatewayReason?: string;
}

export interface Scenario {
  /** Kebab-case name for `rtgw scenario <name>`. */
  name: string;
  /** One line for `rtgw scenario list`. */
  description: string;
  needs: ScenarioNeeds;
  run(t: ScenarioContext): Promise<void>;
}

/** A failed assertion: the scenario stops and reports it. */
export class AssertionFailed extends Error {
  override name = 'AssertionFailed';
}

export interface StepRecord {
  kind: 'step' | 'check';
  title: string;
  ok: boolean;
  /** Milliseconds since the scenario started, when the line was written. */
  atMs: number;
  /** Duration of a step; for checks, how long the awaited condition took. */
  ms?: number;
  detail?: string;
}

export interface ContextOptions {
  env: Environment;
  /** Called for each step or check as it completes (the console reporter prints it). */
  onRecord: (record: StepRecord) => void;
  /** Deliberate faults the runner injected (scenario self-tests); scenarios may read them. */
  faults: string[];
  /** `--duration` in seconds, for scenarios that run for a while (unset: the scenario's default). */
  durationS?: number;
}

export class ScenarioContext {
  readonly records: StepRecord[] = [];
  private readonly started = performance.now();
  private readonly bots: Bot[] = [];
  private readonly cleanups: Array<() => Promise<unknown> | unknown> = [];
  /** A room id unique to this run, so runs against a shared gateway do not meet. */
  readonly room: string;

  constructor(private readonly options: ContextOptions) {
    this.room = `qa-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
  }

  get env(): Environment {
    return this.options.env;
  }

  /** The base URL of node `i`. */
  url(i = 0): string {
    return this.env.nodeUrl(i);
  }

  /** Run `fn` as a named step; its duration is reported. A throw fails the scenario. */
  async step<T>(title: string, fn: () => Promise<T> | T): Promise<T> {
    const t0 = performance.now();
    try {
      const value = await fn();
      this.record({ kind: 'step', title, ok: true, ms: performance.now() - t0 });
      return value;
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      if (!(err instanceof AssertionFailed)) this.record({ kind: 'step', title, ok: false, ms: performance.now() - t0, detail });
      throw err instanceof AssertionFailed ? err : new AssertionFailed(`${title}: ${detail}`);
    }
  }

  /** Assert `ok`; `detail` (measured values) is shown either way. */
  check(title: string, ok: boolean, detail?: string): void {
    this.record({ kind: 'check', title, ok, detail });
    if (!ok) throw new AssertionFailed(detail ? `${title} (${detail})` : title);
  }

  /** Assert that `promise` settles within `ms`; returns its value. */
  async within<T>(title: string, ms: number, promise: Promise<T>): Promise<T> {
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AssertionFailed(`${title}: not within ${ms} ms`)), ms);
    });
    try {
      const value = await Promise.race([promise, timeout]);
      const took = performance.now() - t0;
      this.record({ kind: 'check', title, ok: true, ms: took, detail: `${Math.round(took)} ms ≤ ${ms} ms` });
      return value;
    } catch (err) {
      const detail = err instanceof AssertionFailed ? `not within ${ms} ms` : (err as Error).message;
      this.record({ kind: 'check', title, ok: false, ms: performance.now() - t0, detail });
      throw err instanceof AssertionFailed ? err : new AssertionFailed(`${title}: ${detail}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A bot on the client SDK, connected to node `node` (not yet in a room). */
  bot(userId: string, options: Partial<CreateRealtimeProviderOptions> & { node?: number } = {}): Bot {
    const { node = 0, ...rest } = options;
    const bot = new Bot({ url: this.url(node), userId, displayName: userId, ...rest });
    this.bots.push(bot);
    return bot;
  }

  /** Run `fn` when the scenario ends, pass or fail. */
  onCleanup(fn: () => Promise<unknown> | unknown): void {
    this.cleanups.push(fn);
  }

  get faults(): string[] {
    return this.options.faults;
  }

  /** `--duration` in seconds when given. */
  get durationS(): number | undefined {
    return this.options.durationS;
  }

  async cleanup(): Promise<void> {
    await Promise.allSettled(this.bots.map((b) => b.stop()));
    for (const fn of this.cleanups.reverse()) await Promise.resolve().then(fn).catch(() => {});
  }

  private record(r: Omit<StepRecord, 'atMs'>): void {
    const record = { ...r, atMs: performance.now() - this.started };
    this.records.push(record);
    this.options.onRecord(record);
  }
}
