/** `npm run bench -- --steps 50,100,125 ...`: flags to options, defaults from BENCH_DEFAULTS. */
import { parseArgs } from 'node:util';
import { BENCH_DEFAULTS, type BenchOptions } from './harness.js';
import { SOAK_DEFAULTS, type SoakOptions } from './soak.js';

/** `npm run bench -- --soak MINUTES [--clients N]`. */
export function parseSoakArgs(argv: string[]): Omit<SoakOptions, 'log'> {
  const { values } = parseArgs({ args: argv, options: { soak: { type: 'string' }, clients: { type: 'string' } } });
  const minutes = Number(values.soak);
  if (!Number.isFinite(minutes) || minutes < 1) throw new TypeError(`--soak must be a number of minutes >= 1 (got "${values.soak}")`);
  const clients = values.clients === undefined ? SOAK_DEFAULTS.clients : Number(values.clients);
  if (!Number.isInteger(clients) || clients < 2) throw new TypeError(`--clients must be a whole number >= 2 (got "${values.clients}")`);
  return { minutes, clients };
}

export function parseBenchArgs(argv: string[]): Omit<BenchOptions, 'log'> {
  const { values } = parseArgs({
    args: argv,
    options: {
      steps: { type: 'string' },
      'clients-per-room': { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      ramp: { type: 'string' },
      'idle-clients': { type: 'string' },
      'storm-clients': { type: 'string' },
      'redis-ops': { type: 'string' },
      sample: { type: 'string' },
    },
  });
  const num = (name: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new TypeError(`--${name} must be a number >= 0 (got "${value}")`);
    return n;
  };
  const steps = values.steps === undefined ? BENCH_DEFAULTS.steps : values.steps.split(',').map((s) => num('steps', s, 0));
  if (steps.some((n) => !Number.isInteger(n) || n < 1)) throw new TypeError('--steps must be whole numbers of rooms, e.g. 50,100,125');
  const whole = (name: string, value: string | undefined, fallback: number) => {
    const n = num(name, value, fallback);
    if (!Number.isInteger(n)) throw new TypeError(`--${name} must be a whole number (got "${value}")`);
    return n;
  };
  return {
    steps,
    clientsPerRoom: num('clients-per-room', values['clients-per-room'], BENCH_DEFAULTS.clientsPerRoom),
    rate: num('rate', values.rate, BENCH_DEFAULTS.rate),
    duration: num('duration', values.duration, BENCH_DEFAULTS.duration),
    ramp: num('ramp', values.ramp, BENCH_DEFAULTS.ramp),
    idleClients: num('idle-clients', values['idle-clients'], BENCH_DEFAULTS.idleClients),
    stormClients: whole('storm-clients', values['storm-clients'], BENCH_DEFAULTS.stormClients),
    redisOps: whole('redis-ops', values['redis-ops'], BENCH_DEFAULTS.redisOps),
    sample: num('sample', values.sample, BENCH_DEFAULTS.sample),
  };
}
