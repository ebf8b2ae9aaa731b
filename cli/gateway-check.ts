import { CliError } from './errors.js';

/** Fail with one line (exit 2) unless the gateway at `url` answers /healthz within 3 s. */
export async function requireGateway(url: string): Promise<void> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) throw new Error(`/healthz answered ${res.status}`);
  } catch (err) {
    const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
    throw new CliError(`cannot reach the gateway at ${url}: ${cause}`);
  }
}
