import { readdirSync, readFileSync } from 'node:fs';

// CPU time spent by processes, read from /proc (Linux): what a request costs each process, whatever else the machine
// is doing. A busy shared machine stretches latencies, but hardly the CPU milliseconds a request takes.

const TICKS_PER_SECOND = 100; // USER_HZ, fixed at 100 on Linux whatever the kernel's tick rate

type Stat = { pid: number; parentPid: number; cpuMs: number; reapedChildrenCpuMs: number };

function statOf(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: the fields after it are counted from its end.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ms = (ticks: string | undefined) => (Number(ticks) * 1000) / TICKS_PER_SECOND;
    return { pid, parentPid: Number(fields[1]), cpuMs: ms(fields[11]) + ms(fields[12]), reapedChildrenCpuMs: ms(fields[13]) + ms(fields[14]) };
  } catch {
    return undefined; // gone
  }
}

function allStats(): Stat[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => statOf(Number(name)) ?? []);
}

// CPU milliseconds used so far by one process (all its threads).
export const processCpuMs = (pid: number): number => statOf(pid)?.cpuMs ?? Number.NaN;

// CPU milliseconds used so far by a process and every process below it (Postgres backends under the postmaster),
// those that exited included: a parent's reaped children's time is counted with it.
export function treeCpuMs(rootPid: number): number {
  const stats = allStats();
  const children = new Map<number, Stat[]>();
  for (const stat of stats) children.set(stat.parentPid, [...(children.get(stat.parentPid) ?? []), stat]);
  const root = stats.find((stat) => stat.pid === rootPid);
  if (!root) return Number.NaN;
  let total = 0;
  const pending = [root];
  while (pending.length > 0) {
    const stat = pending.pop()!;
    total += stat.cpuMs + stat.reapedChildrenCpuMs;
    pending.push(...(children.get(stat.pid) ?? []));
  }
  return total;
}

export type CpuMeters = Record<string, () => number>;

// The CPU milliseconds each meter counted over `run`.
export async function cpuDuring<T>(meters: CpuMeters, run: () => Promise<T>): Promise<{ result: T; cpuMs: Record<string, number> }> {
  const before = Object.fromEntries(Object.entries(meters).map(([name, read]) => [name, read()]));
  const result = await run();
  return { result, cpuMs: Object.fromEntries(Object.entries(meters).map(([name, read]) => [name, read() - before[name]!])) };
}

// This process's own CPU milliseconds (the load generator's).
export const ownCpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
