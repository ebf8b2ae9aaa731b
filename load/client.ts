/**
 * One generated client on the raw protocol (ws + the zod-inferred message types; no SDK on the hot
 * path), behaving as the SDK does: a token from POST /rooms/join, `join_room` first, transforms at
 * most at its device's rate, `ping` every 2 s with a liveness deadline, and reconnects after the
 * SDK's close-code policy and backoff (client/backoff.ts, imported, not copied).
 */
import { connect as tcpConnect, isIP, type NetConnectOpts, type Socket, type TcpNetConnectOpts } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import WebSocket, { type ClientOptions, type RawData } from 'ws';
import { reconnectDelay, closePolicy } from '../client/backoff.js';
import { WS_DEFAULTS } from '../client/ws-provider.js';
import type { ClientMessageOf, JoinResponse, ServerMessage } from '../protocol/index.js';
import { animFor } from './delivery.js';
import { countBroadcast, isBroadcast, scanBroadcast } from './frame-scan.js';
import { recordUs } from './histogram.js';
import type { ClientHost } from './host.js';
import type { StormPhase } from './messages.js';
import type { ClientPlan } from './plan.js';
import { TransformReceiver } from './receiver.js';
import type { Scheduled } from './schedule.js';

/** Give up on a connection attempt that has no `room_state` after this long (the SDK's connect timeout). */
const CONNECT_TIMEOUT_MS = WS_DEFAULTS.connectTimeoutMs;
const BACKOFF = { baseMs: WS_DEFAULTS.reconnectIntervalMs, maxMs: WS_DEFAULTS.maxReconnectDelayMs, longBaseMs: WS_DEFAULTS.longReconnectDelayMs, random: Math.random };

type State = 'idle' | 'connecting' | 'joined' | 'waiting' | 'failed' | 'stopped';

export class LoadClient implements Scheduled {
  readonly baseUs: number;
  readonly intervalUs: number;
  nextK = 0;
  state: State = 'idle';
  everJoined = false;
  /** Set when the storm dropped this client; cleared by its next `room_state`. */
  stormAtUs: number | undefined;
  rejoinUs: number | undefined;
  /** Once rejoined after the storm: where the time went (µs), and the connection attempts it took. */
  stormPhases: Record<StormPhase, number> | undefined;
  stormAttempts = 0;

  private ws: WebSocket | undefined;
  /** This client cut its own socket (storm, liveness): the close that follows is expected. */
  private dropping = false;
  private token: string | undefined;
  private attempt = 0;
  private authRetried = false;
  /** The current attempt: when it started, its token fetch (µs; 0 when the held token was used), when its socket was created, TCP-connected and opened. */
  private connectStartUs = 0;
  private tokenFetchUs = 0;
  private socketStartUs = 0;
  private tcpUs = 0;
  private openUs = 0;
  private opened = false;
  private connectTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastInboundMs = 0;
  private nextPingMs = 0;
  private nextChatUs = 0;
  private chatSeq = 0;
  private readonly pendingChats = new Map<string, number>();
  private readonly receiver: TransformReceiver;
  private readonly chatEveryUs: number;
  private readonly walk: number;

  constructor(
    readonly plan: ClientPlan,
    private readonly host: ClientHost,
    epochUs: number,
    intervalUs: number,
    chatEveryUs: number,
  ) {
    this.intervalUs = intervalUs;
    this.baseUs = epochUs + plan.phaseUs;
    this.chatEveryUs = chatEveryUs;
    this.nextChatUs = chatEveryUs > 0 ? epochUs + ((plan.index * 0.381966) % 1) * chatEveryUs : Number.POSITIVE_INFINITY;
    this.receiver = new TransformReceiver(plan, host);
    this.walk = (plan.index % 97) / 97;
  }

  get userId(): string {
    return this.plan.userId;
  }

  get joined(): boolean {
    return this.state === 'joined';
  }

  start(): void {
    void this.connect();
  }

  // ---------------------------------------------------------------- connecting

  private async connect(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'connecting';
    this.connectStartUs = this.host.clock.nowUs();
    this.tokenFetchUs = 0;
    if (this.stormAtUs !== undefined && this.rejoinUs === undefined) this.stormAttempts++;
    if (!this.token) {
      try {
        this.token = await this.fetchToken();
      } catch (err) {
        this.host.error(`token:${(err as Error).message}`);
        return this.retry('normal');
      }
      this.tokenFetchUs = this.host.clock.nowUs() - this.connectStartUs;
      if (this.state !== 'connecting') return;
    }
    // The gateway is trusted here: skipping UTF-8 validation keeps the receive path cheap for the generator.
    this.socketStartUs = this.host.clock.nowUs();
    this.opened = false;
    const ws = new WebSocket(this.host.wsUrl, { perMessageDeflate: false, skipUTF8Validation: true, createConnection: this.timedConnection });
    this.ws = ws;
    this.connectTimer = setTimeout(() => {
      // Counted once here: the error and close that our own terminate() causes are expected.
      this.host.error('connect_timeout');
      this.dropping = true;
      ws.terminate();
    }, CONNECT_TIMEOUT_MS);
    ws.on('open', () => {
      this.opened = true;
      this.openUs = this.host.clock.nowUs();
      this.send({ type: 'join_room', token: this.token! });
    });
    ws.on('message', (data: RawData) => this.onFrame(data));
    ws.on('error', (err: NodeJS.ErrnoException) => {
      if (ws.readyState === WebSocket.OPEN || this.dropping) return;
      // A refused upgrade (503 when the gateway is at a connection limit) has no errno, only ws's message.
      const status = /Unexpected server response: (\d+)/.exec(err.message)?.[1];
      this.host.error(status ? `upgrade:http_${status}` : `connect:${err.code ?? 'error'}`);
    });
    ws.on('close', (code: number) => this.onClose(ws, code));
  }

  /** ws's own connection factory (net or tls), noting when TCP connected: the storm's `connect` phase ends there. */
  private readonly timedConnection = ((options: TcpNetConnectOpts & { servername?: string; socketPath?: string }) => {
    const socket: Socket = this.host.wsUrl.startsWith('wss:')
      ? tlsConnect({ ...options, path: undefined, servername: options.servername ?? (isIP(options.host ?? '') ? '' : options.host) })
      : tcpConnect({ ...options, path: options.socketPath } as NetConnectOpts);
    this.tcpUs = 0;
    socket.once('connect', () => (this.tcpUs = this.host.clock.nowUs()));
    return socket;
  }) as unknown as NonNullable<ClientOptions['createConnection']>;

  private async fetchToken(): Promise<string> {
    let res: Response;
    try {
      res = await fetch(`${this.host.url}/rooms/join`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ roomId: this.plan.roomId, userId: this.plan.userId, device: this.plan.device }),
        signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      throw new Error(cause?.code ?? (err as Error).name);
    }
    if (!res.ok) throw new Error(`http_${res.status}`);
    return ((await res.json()) as JoinResponse).realtimeToken;
  }

  private onClose(ws: WebSocket, code: number): void {
    clearTimeout(this.connectTimer);
    if (ws !== this.ws) return;
    this.ws = undefined;
    if (this.state === 'stopped') return;
    this.state = 'waiting';
    if (this.dropping) {
      // We dropped it (the storm, liveness or the connect timeout gave up on it): reconnect as the SDK does after a lost network.
      this.dropping = false;
      return this.retry('normal');
    }
    // A socket that never opened was counted by its 'error' (connect:…, upgrade:http_…): retry as after a lost network.
    if (!this.opened) return this.retry('normal');
    this.host.error(`close:${code}`);
    const policy = closePolicy(code);
    if (!policy.reconnect) return this.fail();
    if (policy.newToken === 'always') this.token = undefined;
    if (policy.newToken === 'once') {
      if (this.authRetried) return this.fail();
      this.authRetried = true;
      this.token = undefined;
    }
    this.retry(policy.backoff);
  }

  private retry(kind: 'normal' | 'long'): void {
    if (this.state === 'stopped') return;
    this.state = 'waiting';
    const delay = reconnectDelay(this.attempt++, kind, BACKOFF);
    this.host.counters.reconnects++;
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  private fail(): void {
    this.state = 'failed';
  }

  // ---------------------------------------------------------------- inbound

  private onFrame(data: RawData): void {
    const nowUs = this.host.clock.nowUs();
    this.lastInboundMs = nowUs / 1000;
    if (!this.plan.measured && Buffer.isBuffer(data)) {
      const n = countBroadcast(data);
      if (n >= 0) return this.receiver.countFrame(n, nowUs);
    }
    const text = data.toString();
    if (isBroadcast(text)) {
      if (scanBroadcast(text, this.host.scratch)) return this.receiver.onTransforms(this.host.scratch, nowUs);
      this.host.counters.scanFallbacks++;
    }
    let msg: ServerMessage;
    try {
      msg = JSON.parse(text) as ServerMessage;
    } catch {
      return this.host.error('bad_frame');
    }
    switch (msg.type) {
      case 'avatar_transform_broadcast':
        return this.receiver.onTransforms(msg.transforms, nowUs);
      case 'room_state':
        return this.onRoomState(msg, nowUs);
      case 'pong':
        if (typeof msg.ts === 'number' && this.inWindow(nowUs)) recordUs(this.host.histograms.ping, nowUs - msg.ts * 1000);
        return;
      case 'chat_broadcast': {
        if (msg.clientMsgId === undefined || msg.userId !== this.plan.userId) return;
        const sentUs = this.pendingChats.get(msg.clientMsgId);
        if (sentUs === undefined) return;
        this.pendingChats.delete(msg.clientMsgId);
        this.host.counters.chatsEchoed++;
        if (this.inWindow(sentUs)) recordUs(this.host.histograms.chat, nowUs - sentUs);
        return;
      }
      case 'chat_rejected':
        if (msg.clientMsgId) this.pendingChats.delete(msg.clientMsgId);
        return this.host.error(`chat_rejected:${msg.reason}`);
      case 'auth_error':
        return this.host.error(`auth_error:${msg.code}`);
      case 'error':
        return this.host.error(`error:${msg.code}`);
      case 'rate_limited':
        return this.host.error('rate_limited');
      default:
        return; // member_joined, member_left, token_refreshed: nothing to measure
    }
  }

  private onRoomState(msg: Extract<ServerMessage, { type: 'room_state' }>, nowUs: number): void {
    clearTimeout(this.connectTimer);
    const first = !this.everJoined;
    this.state = 'joined';
    this.everJoined = true;
    this.attempt = 0;
    this.authRetried = false;
    this.lastInboundMs = nowUs / 1000;
    this.nextPingMs = nowUs / 1000 + WS_DEFAULTS.pingIntervalMs;
    if (first) {
      recordUs(this.host.histograms.connect, nowUs - this.connectStartUs);
      this.host.onJoined(this.plan.userId, nowUs);
    }
    if (this.stormAtUs !== undefined && this.rejoinUs === undefined) {
      this.rejoinUs = nowUs;
      const tcp = this.tcpUs || this.openUs; // no 'connect' seen: count it all as upgrade
      const connect = tcp - this.socketStartUs;
      const upgrade = this.openUs - tcp;
      const join = nowUs - this.openUs;
      this.stormPhases = { wait: nowUs - this.stormAtUs - this.tokenFetchUs - connect - upgrade - join, token: this.tokenFetchUs, connect, upgrade, join };
    }
    this.receiver.onRoomState(msg.members, nowUs);
  }

  private inWindow(us: number): boolean {
    const w = this.host.windowFor(this.plan.userId);
    return w !== undefined && us >= w.startUs && us < w.endUs;
  }

  // ---------------------------------------------------------------- outbound

  private send(msg: ClientMessageOf<'join_room' | 'avatar_transform' | 'ping' | 'chat_send'>): void {
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  }

  /** Send slot `k` (due at `intendedUs`). The caller checked `joined`. */
  sendSlot(k: number, intendedUs: number): void {
    // A slow walk around the room's centre; the values only need to be valid.
    const a = k * 0.05 + this.walk * 6.283;
    const half = a / 2;
    const msg: ClientMessageOf<'avatar_transform'> = {
      type: 'avatar_transform',
      p: [Math.round(Math.cos(a) * 5000) / 1000, 0, Math.round(Math.sin(a) * 5000) / 1000],
      r: [0, Math.round(Math.sin(half) * 1e4) / 1e4, 0, Math.round(Math.cos(half) * 1e4) / 1e4],
      seq: k,
      anim: animFor(intendedUs),
    };
    this.send(msg);
    this.host.counters.sent++;
  }

  /** Pings, chat and liveness (called every 100 ms by the worker). */
  housekeeping(nowUs: number): void {
    if (this.state !== 'joined' || !this.ws) return;
    const nowMs = nowUs / 1000;
    if (nowMs - this.lastInboundMs > WS_DEFAULTS.pingIntervalMs + WS_DEFAULTS.pongTimeoutMs) {
      this.host.error('liveness_timeout');
      this.dropping = true;
      this.state = 'waiting';
      this.ws.terminate(); // 'close' follows and reconnects
      return;
    }
    if (nowMs >= this.nextPingMs) {
      this.nextPingMs = nowMs + WS_DEFAULTS.pingIntervalMs;
      this.send({ type: 'ping', ts: nowMs });
    }
    if (nowUs >= this.nextChatUs) {
      const intended = this.nextChatUs;
      this.nextChatUs += this.chatEveryUs * Math.max(1, Math.ceil((nowUs - intended) / this.chatEveryUs));
      const clientMsgId = `m${this.chatSeq++}`;
      this.pendingChats.set(clientMsgId, intended);
      this.send({ type: 'chat_send', text: `load ${this.plan.userId} #${this.chatSeq}`, clientMsgId });
      this.host.counters.chatsSent++;
    }
  }

  /** The storm: drop the socket abruptly (no close frame), then reconnect like the SDK. */
  dropForStorm(atUs: number): boolean {
    this.stormAtUs = atUs;
    this.rejoinUs = undefined;
    this.stormPhases = undefined;
    this.stormAttempts = 0;
    return this.kill();
  }

  /** Drop the socket abruptly (no close frame: the gateway sees 1006) and reconnect as the SDK does after a lost network. */
  kill(): boolean {
    if (this.state !== 'joined' || this.ws === undefined) return false;
    this.attempt = 0;
    this.dropping = true;
    this.state = 'waiting';
    this.ws.terminate();
    return true;
  }

  stop(): void {
    this.state = 'stopped';
    clearTimeout(this.connectTimer);
    clearTimeout(this.retryTimer);
    const ws = this.ws;
    this.ws = undefined;
    if (ws && ws.readyState === WebSocket.OPEN) ws.close(1000, 'load done');
    else ws?.terminate();
  }
}
