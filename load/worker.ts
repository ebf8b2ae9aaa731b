/**
 * A generator: its share of the clients, their send schedule, pings and chat, and the tallies it
 * reports to the coordinator (load/run.ts). Runs in a process of its own (load/processes.ts), or on
 * the calling thread through a MessageChannel when there are none (tests run from source).
 */
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { LoadClient } from './client.js';
import type { ClientHost } from './host.js';
import { RunClock } from './clock.js';
import { emptyDeliveryCounters, type MeasureWindow } from './delivery.js';
import { createHistogram, encode, recordUs, type Histogram } from './histogram.js';
import { STORM_PHASES, WORKER_ENV, type FromWorker, type HistogramName, type Progress, type StormPhase, type ToChild, type ToWorker, type WorkerCounters, type WorkerSetup } from './messages.js';
import { deviceOfUserId, intervalUs, slotsIn } from './plan.js';
import { newestDueSlot, SendHeap } from './schedule.js';

const HOUSEKEEPING_MS = 100;
const PROGRESS_MS = 1000;
/** monitorEventLoopDelay samples with a timer of this period and reports it in every sample. */
const LOOP_RESOLUTION_MS = 10;

const HISTOGRAMS: HistogramName[] = ['fanout', 'inbound', 'outbound', 'connect', 'chat', 'ping', 'sendLag'];

export function emptyWorkerCounters(): WorkerCounters {
  return { sent: 0, windowSent: 0, windowSkipped: 0, windowNotJoined: 0, received: 0, frames: 0, windowReceived: 0, windowFrames: 0, chatsSent: 0, chatsEchoed: 0, reconnects: 0, kills: 0, scanFallbacks: 0 };
}

/** How a generator talks to its coordinator: the IPC channel of its process, or a MessagePort. */
export interface WorkerLink {
  post(msg: FromWorker): void;
  onMessage(handler: (msg: ToWorker) => void): void;
  /** Send this last message, then let go of the channel (a process then exits). */
  close(last: FromWorker): void;
}

/** Event-loop delay beyond the sampling timer's own period, in ms. */
export function loopDelayMs(h: IntervalHistogram, percentile: number | 'max'): number {
  if (h.count === 0) return 0;
  const ns = percentile === 'max' ? h.max : h.percentile(percentile);
  return Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
}

export function runWorker(link: WorkerLink, setup: WorkerSetup): void {
  const clock = new RunClock(setup.offsetUs);
  const post = (msg: FromWorker) => link.post(msg);
  const counters = emptyWorkerCounters();
  const delivery = emptyDeliveryCounters();
  const histograms = Object.fromEntries(HISTOGRAMS.map((n) => [n, createHistogram()])) as Record<HistogramName, Histogram>;
  const recent = createHistogram();
  const errors = new Map<string, number>();
  let errorTotal = 0;
  let window: MeasureWindow | undefined;
  const intervals = { desktop: intervalUs('desktop', setup.rate), mobile: intervalUs('mobile', setup.rate) };

  const host: ClientHost = {
    clock,
    url: setup.url,
    wsUrl: setup.wsUrl,
    counters,
    delivery,
    histograms,
    recent,
    scratch: [],
    get window() {
      return window;
    },
    windowFor: (receiverId) => (window && !window.excluded.has(receiverId) ? window : undefined),
    intervalOf: (senderId) => intervals[deviceOfUserId(senderId)],
    error: (code) => {
      errors.set(code, (errors.get(code) ?? 0) + 1);
      errorTotal++;
    },
    onJoined: (userId, atUs) => post({ type: 'joined', userId, atUs }),
  };
  const clients = setup.clients.map((p) => new LoadClient(p, host, setup.epochUs, intervals[p.device], setup.chatEveryUs));
  const byUser = new Map(clients.map((c) => [c.userId, c]));
  const timers: NodeJS.Timeout[] = [];

  // ---------------------------------------------------------------- arrivals
  for (const c of clients) timers.push(setTimeout(() => c.start(), Math.max(0, (c.plan.arrivalUs - clock.nowUs()) / 1000)));

  // ---------------------------------------------------------------- the send schedule
  const heap = new SendHeap<LoadClient>();
  if (setup.rate > 0) {
    for (const c of clients) {
      c.nextK = Math.max(0, Math.ceil((c.plan.arrivalUs - c.baseUs) / c.intervalUs));
      heap.push(c);
    }
  }
  let sendTimer: NodeJS.Timeout | undefined;
  const tick = () => {
    const now = clock.nowUs();
    const w = window;
    while (heap.peekDue() <= now) {
      const c = heap.pop()!;
      const k = newestDueSlot(c, now);
      const intended = c.baseUs + k * c.intervalUs;
      if (c.joined) {
        c.sendSlot(k, intended);
        if (w && !w.excluded.has(c.userId)) {
          if (k > c.nextK) counters.windowSkipped += slotsIn(c.baseUs, c.intervalUs, Math.max(w.startUs, c.baseUs + c.nextK * c.intervalUs), Math.min(w.endUs, intended));
          if (intended >= w.startUs && intended < w.endUs) {
            counters.windowSent++;
            recordUs(histograms.sendLag, now - intended);
          }
        }
      } else if (w && !w.excluded.has(c.userId)) {
        counters.windowNotJoined += slotsIn(c.baseUs, c.intervalUs, Math.max(w.startUs, c.baseUs + c.nextK * c.intervalUs), Math.min(w.endUs, intended + 1));
      }
      c.nextK = k + 1;
      heap.push(c);
    }
    sendTimer = setTimeout(tick, Math.max(0, (heap.peekDue() - clock.nowUs()) / 1000));
  };
  if (heap.size > 0) sendTimer = setTimeout(tick, 0);

  // ---------------------------------------------------------------- pings, chat, liveness, progress
  timers.push(
    setInterval(() => {
      const now = clock.nowUs();
      for (const c of clients) c.housekeeping(now);
    }, HOUSEKEEPING_MS),
  );
  const secondLoop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  const windowLoop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  secondLoop.enable();
  let eluMark: EventLoopUtilization = performance.eventLoopUtilization();
  let windowElu: EventLoopUtilization | undefined;
  // This process's CPU over the window, taken at its edges (on the calling thread the coordinator measures).
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  let windowCpuUs = 0;
  const progress = (): Progress => {
    const elu = performance.eventLoopUtilization(eluMark);
    eluMark = performance.eventLoopUtilization();
    const p: Progress = {
      workerIndex: setup.workerIndex,
      joined: clients.filter((c) => c.joined).length,
      everJoined: clients.filter((c) => c.everJoined).length,
      failed: clients.filter((c) => c.state === 'failed').length,
      counters: { ...counters },
      errors: errorTotal,
      errorCodes: Object.fromEntries(errors),
      p50: recent.totalCount ? recent.getValueAtPercentile(50) / 1000 : -1,
      p99: recent.totalCount ? recent.getValueAtPercentile(99) / 1000 : -1,
      loopDelayP99: loopDelayMs(secondLoop, 99),
      elu: elu.utilization,
    };
    recent.reset();
    secondLoop.reset();
    return p;
  };
  timers.push(setInterval(() => post({ type: 'progress', progress: progress() }), PROGRESS_MS));

  // ---------------------------------------------------------------- orders from the coordinator
  let stormWatch: NodeJS.Timeout | undefined;
  const stop = () => {
    clearTimeout(sendTimer);
    clearInterval(stormWatch);
    for (const t of timers) clearTimeout(t);
    secondLoop.disable();
    windowLoop.disable();
    for (const c of clients) c.stop();
    link.close({ type: 'stopped' });
  };

  link.onMessage((msg: ToWorker) => {
    switch (msg.type) {
      case 'window':
        window = { startUs: msg.startUs, endUs: msg.endUs, excluded: new Set(msg.excluded) };
        windowLoop.reset();
        windowLoop.enable();
        windowElu = performance.eventLoopUtilization();
        if (setup.ownProcess) {
          timers.push(setTimeout(() => (cpuAtStart = process.cpuUsage()), Math.max(0, (msg.startUs - clock.nowUs()) / 1000)));
          timers.push(
            setTimeout(() => {
              const d = process.cpuUsage(cpuAtStart);
              windowCpuUs = d.user + d.system;
            }, Math.max(0, (msg.endUs - clock.nowUs()) / 1000)),
          );
        }
        return;
      case 'collect':
        windowLoop.disable();
        return post({
          type: 'window-report',
          report: {
            workerIndex: setup.workerIndex,
            counters: { ...counters },
            delivery: { ...delivery },
            errors: Object.fromEntries(errors),
            histograms: Object.fromEntries(HISTOGRAMS.map((n) => [n, encode(histograms[n])])) as Record<HistogramName, string>,
            loopDelay: { p99: loopDelayMs(windowLoop, 99), max: loopDelayMs(windowLoop, 'max') },
            elu: windowElu ? performance.eventLoopUtilization(windowElu).utilization : 0,
            cpuUs: windowCpuUs,
          },
        });
      case 'storm':
        return storm(msg.atUs, msg.timeoutMs);
      case 'kill': {
        const c = byUser.get(msg.userId);
        if (c?.kill()) counters.kills++;
        return;
      }
      case 'stop':
        return stop();
    }
  });

  function storm(atUs: number, timeoutMs: number): void {
    const before = new Map(errors);
    const dropped: LoadClient[] = [];
    timers.push(
      setTimeout(() => {
        windowLoop.reset();
        windowLoop.enable();
        for (const c of clients) if (c.dropForStorm(atUs)) dropped.push(c);
        const deadline = atUs + timeoutMs * 1000;
        stormWatch = setInterval(() => {
          const back = dropped.filter((c) => c.rejoinUs !== undefined);
          if (back.length < dropped.length && clock.nowUs() < deadline) return;
          clearInterval(stormWatch);
          windowLoop.disable();
          const rejoin = createHistogram();
          const phases = Object.fromEntries(STORM_PHASES.map((p) => [p, createHistogram()])) as Record<StormPhase, Histogram>;
          let attempts = 0;
          let maxAttempts = 0;
          for (const c of back) {
            recordUs(rejoin, c.rejoinUs! - atUs);
            // A token phase only for the clients that fetched one: its count says how many did.
            for (const p of STORM_PHASES) if (p !== 'token' || c.stormPhases!.token > 0) recordUs(phases[p], c.stormPhases![p]);
            attempts += c.stormAttempts;
            maxAttempts = Math.max(maxAttempts, c.stormAttempts);
          }
          const delta: Record<string, number> = {};
          for (const [code, n] of errors) if (n > (before.get(code) ?? 0)) delta[code] = n - (before.get(code) ?? 0);
          const loopDelay = { p99: loopDelayMs(windowLoop, 99), max: loopDelayMs(windowLoop, 'max') };
          const encodedPhases = Object.fromEntries(STORM_PHASES.map((p) => [p, encode(phases[p])])) as Record<StormPhase, string>;
          post({ type: 'storm-report', report: { workerIndex: setup.workerIndex, dropped: dropped.length, rejoined: back.length, rejoin: encode(rejoin), phases: encodedPhases, attempts, maxAttempts, errors: delta, loopDelay } });
        }, 20);
      }, Math.max(0, (atUs - clock.nowUs()) / 1000)),
    );
  }
}

// ---------------------------------------------------------------- as a generator process
if (process.env[WORKER_ENV] === '1' && process.send) {
  const send = process.send.bind(process);
  process.on('uncaughtException', (err) => {
    send({ type: 'fatal', message: err.stack ?? err.message } satisfies FromWorker, () => process.exit(1));
  });
  process.once('message', (first: ToChild) => {
    if (first.type !== 'setup') throw new Error(`a generator process expects its setup first, got ${first.type}`);
    runWorker(
      {
        post: (msg) => send(msg),
        onMessage: (handler) => process.on('message', handler),
        close: (last) =>
          send(last, () => {
            process.disconnect();
            // Sockets still closing may hold the loop a little; the coordinator kills after a few seconds anyway.
            setTimeout(() => process.exit(0), 1000).unref();
          }),
      },
      first.setup,
    );
  });
}
