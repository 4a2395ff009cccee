// CPU use of this process, of other processes (dev server, worker) and of the whole machine, from /proc:
// evidence of what bounds a step (a saturated Node thread shows as ~100 % of one core).
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // USER_HZ on Linux

export interface CpuSnapshot {
  at: number;
  self: NodeJS.CpuUsage;
  /** label → [pid, ticks at start] */
  pids: Record<string, [number, number]>;
  machine: { busy: number; total: number } | null;
}

export interface CpuUse {
  /** % of one core used by the bench process (client, in-process worker, paper exchange, ledger). */
  bench_process_pct: number;
  /** CPU time (ms, all threads) of the bench process over the phase; divide by plans for a per-plan cost. */
  bench_process_ms: number;
  /** CPU time (ms) per sampled pid. */
  other_ms: Record<string, number>;
  /** % of one core per sampled process, by label (dev_server). */
  other_pct: Record<string, number>;
  /** % of all cores busy on the machine (everyone's load, including other people's test suites). */
  machine_busy_pct: number | null;
}

function procTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14, 15)
  } catch {
    return 0;
  }
}

function machineTicks(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

export function cpuSnapshot(pids: Record<string, number>): CpuSnapshot {
  const byPid: Record<string, [number, number]> = {};
  for (const [label, pid] of Object.entries(pids)) byPid[label] = [pid, procTicks(pid)];
  return { at: Date.now(), self: process.cpuUsage(), pids: byPid, machine: machineTicks() };
}

export function cpuSince(start: CpuSnapshot): CpuUse {
  const seconds = Math.max(0.001, (Date.now() - start.at) / 1000);
  const self = process.cpuUsage(start.self);
  const other: Record<string, number> = {};
  const otherMs: Record<string, number> = {};
  for (const [label, [pid, ticks]] of Object.entries(start.pids)) {
    const ms = ((procTicks(pid) - ticks) / TICKS_PER_S) * 1000;
    otherMs[label] = Math.round(ms);
    other[label] = Math.round((ms / 1000 / seconds) * 100);
  }
  const m = machineTicks();
  return {
    bench_process_pct: Math.round(((self.user + self.system) / 1e6 / seconds) * 100),
    bench_process_ms: Math.round((self.user + self.system) / 1000),
    other_ms: otherMs,
    other_pct: other,
    machine_busy_pct: m && start.machine ? Math.round(((m.busy - start.machine.busy) / Math.max(1, m.total - start.machine.total)) * 100) : null,
  };
}

/** VmRSS / VmHWM (peak) of a process, in MB. */
export function memoryOf(pid: number | 'self'): { rss_mb: number; peak_rss_mb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    return { rss_mb: Math.round(kb('VmRSS') / 1024), peak_rss_mb: Math.round(kb('VmHWM') / 1024) };
  } catch {
    return null;
  }
}

/** The pid of the dev server that keeps its SQLite file under `dataDir` (its command line names it). */
export function findPidByArg(fragment: string): number | null {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        if (cmd.includes(fragment) && cmd.includes('start-dev')) return Number(entry);
      } catch {
        // process gone
      }
    }
  } catch {
    return null;
  }
  return null;
}
