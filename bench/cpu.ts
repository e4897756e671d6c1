import { readFileSync } from 'node:fs';

/**
 * CPU time of a process and of its main thread, read from Linux's /proc (`utime` + `stime`,
 * fields 14 and 15 of `stat`, in clock ticks). Throughput on a shared 2-CPU machine drifts ±20%
 * from run to run; the CPU a message costs hookd drifts far less, so the bench reports both.
 */
export interface CpuTimes {
  /** Every thread of the process (the main thread, libuv's pool, V8's GC and compiler threads). */
  processUs: number;
  /** The main thread alone: the event loop, where hookd's JavaScript runs. */
  mainThreadUs: number;
}

/** Linux's USER_HZ: 100 on every architecture Node supports (`getconf CLK_TCK`). */
const CLOCK_TICKS_PER_SECOND = 100;

/** The CPU times of `pid` so far; null where /proc cannot tell (not Linux, or the process is gone). */
export function readCpuTimes(pid: number): CpuTimes | null {
  try {
    return {
      processUs: ticksToUs(readFileSync(`/proc/${pid}/stat`, 'utf8')),
      mainThreadUs: ticksToUs(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8')),
    };
  } catch {
    return null;
  }
}

function ticksToUs(stat: string): number {
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // fields 14 and 15 overall
  return (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

/** CPU µs per message of the processes `pids` between two readings; null where a reading failed. */
export function cpuPerMessage(
  before: (CpuTimes | null)[],
  after: (CpuTimes | null)[],
  messages: number,
): CpuTimes | null {
  let processUs = 0;
  let mainThreadUs = 0;
  for (let i = 0; i < before.length; i++) {
    const start = before[i];
    const end = after[i];
    if (!start || !end) return null;
    processUs += end.processUs - start.processUs;
    mainThreadUs += end.mainThreadUs - start.mainThreadUs;
  }
  return { processUs: processUs / messages, mainThreadUs: mainThreadUs / messages };
}
