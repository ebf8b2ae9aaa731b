/**
 * CPU time and resident memory of another process, from /proc (Linux): what `ps` and pidusage
 * read, without a dependency. CPU is utime + stime of the whole process (every thread).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { listenOverflows as readListenOverflows } from '../load/netstat.js';

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat (getconf CLK_TCK; 100 on Linux when unknown). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Seconds of CPU (user + system) the process has used. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / clockTicks();
}

/** Resident set size in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]) * 1024;
}

export interface CpuMark {
  at: number;
  seconds: number;
}

export function markCpu(pid: number): CpuMark {
  return { at: performance.now(), seconds: cpuSeconds(pid) };
}

/** Cores used between two marks (1.0 = one core busy all the time). */
export function coresBetween(a: CpuMark, b: CpuMark): number {
  return (b.seconds - a.seconds) / ((b.at - a.at) / 1000);
}

export interface MachineMark {
  /** Jiffies (all cores) busy and in all, from the `cpu` line of /proc/stat. */
  busy: number;
  total: number;
}

/** The whole machine's CPU so far: every process, ours and anyone else's. */
export function markMachine(): MachineMark {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy, total: busy + idle! + iowait! };
}

/** Cores busy on the whole machine between two marks (`cores` = 2: from 0 to 2). */
export function machineCoresBetween(a: MachineMark, b: MachineMark, cores: number): number {
  const total = b.total - a.total;
  return total > 0 ? ((b.busy - a.busy) / total) * cores : 0;
}

/** Machine-wide SYNs dropped on full accept queues (load/netstat.ts). The bench reads /proc throughout: Linux only. */
export function listenOverflows(): number {
  const n = readListenOverflows();
  if (n === undefined) throw new Error('/proc/net/netstat has no TcpExt ListenOverflows: the bench runs on Linux');
  return n;
}
