import type Tollgate from '@tollgate/node-sdk';

// Cached SDK checks per second beside a bare Map.get loop in the same run (issue 9). Each figure has a loop of its
// own (one call site each, so no loop pays for the shapes another one taught V8), timed on its second pass.
export type Rate = { cpu: number; wall: number };
export type CheckRates = {
  mapGet: Rate;
  awaitedMapGet: Rate;
  booleanAwaited: Rate;
  meteredAwaited: Rate;
  booleanInFlight: Rate;
  meteredInFlight: Rate;
};

export const IN_FLIGHT = 1_000;

// Rates by this process's CPU time (what one core does while the loop has it: the machine is shared, so the wall
// clock also counts other processes' turns) and by the wall clock.
async function rateOf(count: number, loop: (count: number) => unknown): Promise<Rate> {
  let rate: Rate = { cpu: 0, wall: 0 };
  for (let pass = 0; pass < 2; pass++) {
    // An awaited cached check never yields to timers and sockets: they are served between passes (the SDK's stream).
    await new Promise((resolve) => setImmediate(resolve));
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    await loop(count);
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    rate = { cpu: count / ((cpu.user + cpu.system) / 1e6), wall: count / wallSeconds };
  }
  return rate;
}

export async function measureCheckRates(client: Tollgate, count: number, hot: string[], metered: string[]): Promise<CheckRates> {
  const map = new Map(hot.map((id) => [id, { hasAccess: true }]));
  let sink = 0;
  const mapGet = await rateOf(count, (n) => {
    for (let index = 0; index < n; index++) sink += map.get(hot[index % hot.length]!)?.hasAccess ? 1 : 0;
  });
  // The floor of any lookup handed out in a promise and awaited, as every check of the contract is.
  const awaitedMapGet = await rateOf(count, async (n) => {
    for (let index = 0; index < n; index++) sink += (await Promise.resolve(map.get(hot[index % hot.length]!)))?.hasAccess ? 1 : 0;
  });
  const booleanAwaited = await rateOf(count, async (n) => {
    for (let index = 0; index < n; index++) sink += (await client.getBooleanEntitlement({ customerId: hot[index % hot.length]!, featureId: 'feature-sso' })).hasAccess ? 1 : 0;
  });
  const meteredAwaited = await rateOf(count, async (n) => {
    for (let index = 0; index < n; index++) sink += (await client.getMeteredEntitlement({ customerId: metered[index % metered.length]!, featureId: 'feature-api-calls', options: { requestedUsage: 1 } })).hasAccess ? 1 : 0;
  });
  // Many requests each checking at once: the checks are made, then awaited together.
  const booleanInFlight = await rateOf(count, async (n) => {
    const batch: Promise<{ hasAccess: boolean }>[] = new Array(IN_FLIGHT);
    for (let index = 0; index < n; index++) {
      batch[index % IN_FLIGHT] = client.getBooleanEntitlement({ customerId: hot[index % hot.length]!, featureId: 'feature-sso' });
      if (index % IN_FLIGHT === IN_FLIGHT - 1) for (const answer of await Promise.all(batch)) sink += answer.hasAccess ? 1 : 0;
    }
  });
  const meteredInFlight = await rateOf(count, async (n) => {
    const batch: Promise<{ hasAccess: boolean }>[] = new Array(IN_FLIGHT);
    for (let index = 0; index < n; index++) {
      batch[index % IN_FLIGHT] = client.getMeteredEntitlement({ customerId: metered[index % metered.length]!, featureId: 'feature-api-calls', options: { requestedUsage: 1 } });
      if (index % IN_FLIGHT === IN_FLIGHT - 1) for (const answer of await Promise.all(batch)) sink += answer.hasAccess ? 1 : 0;
    }
  });
  if (sink < 0) console.log(sink);
  return { mapGet, awaitedMapGet, booleanAwaited, meteredAwaited, booleanInFlight, meteredInFlight };
}

export function printCheckRates(rates: CheckRates, count: number): void {
  const rate = (r: Rate) => `${Math.round(r.cpu).toLocaleString('en-US')}/s [wall ${Math.round(r.wall).toLocaleString('en-US')}/s]`;
  console.log(`\nNode SDK (in a process of its own that loads only the SDK, one thread), ${count.toLocaleString('en-US')} calls each; per second of this process's CPU time [and of the wall clock: the machine is shared]`);
  console.log(`  bare Map.get loop (synchronous)           ${rate(rates.mapGet)}`);
  console.log(`  Map.get in a promise, awaited each        ${rate(rates.awaitedMapGet)} (the floor of any promise-returning lookup: ${(rates.mapGet.cpu / rates.awaitedMapGet.cpu).toFixed(1)}× the bare loop)`);
  const lines = [
    ['cached getBooleanEntitlement, awaited each', rates.booleanAwaited],
    ['cached getMeteredEntitlement, awaited each', rates.meteredAwaited],
    [`cached getBooleanEntitlement, ${IN_FLIGHT} in flight`, rates.booleanInFlight],
    [`cached getMeteredEntitlement, ${IN_FLIGHT} in flight`, rates.meteredInFlight],
  ] as const;
  for (const [name, value] of lines) {
    const ratio = rates.mapGet.cpu / value.cpu;
    console.log(
      `  ${name.padEnd(42)}${rate(value)} (${ratio.toFixed(1)}× the bare Map.get; ${(rates.awaitedMapGet.cpu / value.cpu).toFixed(1)}× the awaited one)   target ≥ 500,000/s${value.cpu >= 500_000 ? ' (met)' : ' (MISSED)'}, within 20×${ratio <= 20 ? ' (met)' : ' (MISSED)'}`,
    );
  }
}
