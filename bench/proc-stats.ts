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

/** Machine-wide SYNs dropped on full accept queues (load/netstat.ts). The bench reads /proc throughout: Linux only. */
export function listenOverflows(): number {
  const n = readListenOverflows();
  if (n === undefined) throw new Error('/proc/net/netstat has no TcpExt ListenOverflows: the bench runs on Linux');
  return n;
}
