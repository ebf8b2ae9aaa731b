/**
 * Where the dashboard's data comes from: the gateway's admin API over HTTP (`HttpDashSource`), or a
 * fake in tests. Every answer is checked against the schemas the gateway builds it with.
 */
import type { z } from 'zod';
import {
  RoomDetailSchema,
  RoomsResponseSchema,
  RoomStreamEventSchema,
  StatsResponseSchema,
  type RoomDetail,
  type RoomsResponse,
  type RoomStreamEvent,
  type StatsResponse,
} from '../../gateway/admin-schema.js';
import { SseParser } from './sse.js';

export interface StreamHandlers {
  event(event: RoomStreamEvent): void;
  /** The stream ended (the gateway went away, or refused it); not called after `close()`. */
  end(error: AdminApiError): void;
}

export interface DashSource {
  /** The gateway's base URL, for display. */
  readonly url: string;
  stats(): Promise<StatsResponse>;
  rooms(): Promise<RoomsResponse>;
  room(roomId: string): Promise<RoomDetail>;
  /** Follow a room's events (first a `snapshot`); returns `close`. */
  watch(roomId: string, handlers: StreamHandlers): () => void;
}

/**
 * - `unreachable`: no HTTP answer (refused, timed out, DNS)
 * - `unauthorized`: 401, the admin token is missing or wrong
 * - `refused`: another HTTP error (admin routes disabled, 5xx)
 * - `bad_response`: an answer that is not the admin API's (not rtgw, or another version)
 */
export type AdminApiErrorKind = 'unreachable' | 'unauthorized' | 'refused' | 'bad_response';

export class AdminApiError extends Error {
  constructor(
    readonly kind: AdminApiErrorKind,
    /** What went wrong, without the URL ("connect ECONNREFUSED 127.0.0.1:8080"), for the header. */
    readonly detail: string,
    /** One whole line naming the gateway, for the command line. */
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The room stream counts as dead after this long without a byte (the gateway's keep-alive comes every 15 s). */
const STALL_MS = 40_000;
const STALLED = Symbol('stalled');

export interface HttpDashSourceOptions {
  /** A request without an answer this long fails as `unreachable`. Default 5000 ms. */
  timeoutMs?: number;
}

export class HttpDashSource implements DashSource {
  private readonly timeoutMs: number;

  constructor(
    readonly url: string,
    private readonly adminToken: string,
    options: HttpDashSourceOptions = {},
  ) {
    this.url = url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  stats(): Promise<StatsResponse> {
    return this.get('/admin/stats', StatsResponseSchema);
  }

  rooms(): Promise<RoomsResponse> {
    return this.get('/admin/rooms', RoomsResponseSchema);
  }

  room(roomId: string): Promise<RoomDetail> {
    return this.get(`/admin/rooms/${encodeURIComponent(roomId)}`, RoomDetailSchema);
  }

  watch(roomId: string, handlers: StreamHandlers): () => void {
    const abort = new AbortController();
    const path = `/admin/rooms/${encodeURIComponent(roomId)}/events`;
    const follow = async () => {
      const res = await this.request(path, abort.signal, false);
      if (!res.body) throw new AdminApiError('bad_response', 'a stream without a body', `${this.url}${path} answered without a body`);
      const parser = new SseParser();
      const decoder = new TextDecoder();
      const reader = res.body.getReader();
      // The gateway sends a keep-alive every 15 s: silence for longer means a dead connection.
      let silence = setTimeout(() => abort.abort(STALLED), STALL_MS);
      try {
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
          clearTimeout(silence);
          silence = setTimeout(() => abort.abort(STALLED), STALL_MS);
          for (const message of parser.push(decoder.decode(chunk.value, { stream: true }))) {
            const parsed = RoomStreamEventSchema.safeParse(parseJson(message.data));
            if (parsed.success) handlers.event(parsed.data); // unknown events (a newer gateway) are skipped
          }
        }
      } finally {
        clearTimeout(silence);
      }
      throw new AdminApiError('unreachable', 'the room stream ended', `${this.url} ended the room stream`);
    };
    follow().catch((err: unknown) => {
      if (abort.signal.aborted && abort.signal.reason !== STALLED) return; // closed by the caller
      const detail = abort.signal.reason === STALLED ? `the room stream went silent for ${STALL_MS / 1000} s` : reason(err);
      handlers.end(err instanceof AdminApiError ? err : new AdminApiError('unreachable', detail, `lost ${this.url}: ${detail}`));
    });
    return () => abort.abort();
  }

  private async get<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
    const res = await this.request(path, AbortSignal.timeout(this.timeoutMs), true);
    let body: unknown;
    try {
      body = await res.json();
    } catch (err) {
      throw new AdminApiError('bad_response', 'not JSON', `${this.url}${path} did not answer JSON (${reason(err)}); is it an rtgw gateway?`, res.status);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const detail = `unexpected body (${issue?.path.join('.') || 'body'}: ${issue?.message})`;
      throw new AdminApiError('bad_response', detail, `${this.url}${path} answered an ${detail}; is it the same rtgw version?`, res.status);
    }
    return parsed.data;
  }

  /** A response with a 2xx status, or an AdminApiError saying plainly what went wrong. */
  private async request(path: string, signal: AbortSignal, timed: boolean): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, { headers: { authorization: `Bearer ${this.adminToken}`, accept: 'application/json, text/event-stream' }, signal });
    } catch (err) {
      const detail = timed && (err as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs / 1000} s` : reason(err);
      throw new AdminApiError('unreachable', detail, `cannot reach ${this.url}: ${detail}`);
    }
    if (res.ok) return res;
    const detail = await res
      .json()
      .then((body: unknown) => (body as { error?: { message?: unknown } })?.error?.message)
      .catch(() => undefined);
    const said = typeof detail === 'string' ? detail : res.statusText;
    if (res.status === 401) {
      throw new AdminApiError('unauthorized', said, `${this.url} refused the admin token (401: ${said}); use the one \`rtgw serve\` printed`, 401);
    }
    throw new AdminApiError('refused', `${res.status}: ${said}`, `${this.url}${path} answered ${res.status}: ${said}`, res.status);
  }
}

/** The innermost cause of a fetch failure ("connect ECONNREFUSED 127.0.0.1:8080"), not undici's "fetch failed". */
function reason(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e?.cause instanceof Error) e = e.cause;
  const inner = e as { message?: string; errors?: Array<{ message?: string }> } | undefined;
  // Node reports a refused dual-stack connect as an AggregateError with an empty message.
  return inner?.message || inner?.errors?.[0]?.message || String(err);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
