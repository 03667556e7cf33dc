import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem, type as osType, release } from 'node:os';

/** What the figures were measured on. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  /** 1/5/15-minute load averages when the run started and when it ended. */
  loadBefore: number[];
  loadAfter?: number[];
  /** Whether the servers and the load generator were pinned to separate cores. */
  pinned: boolean;
}

/** CPU model, cores, memory, Node and OS, and the load average now. */
export function describeMachine(pinned: boolean): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${osType()} ${release()}`,
    loadBefore: loadavg(),
    pinned,
  };
}

/** True when `taskset` exists and the machine has at least two cores to split. */
export function canPin(): boolean {
  if (cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
