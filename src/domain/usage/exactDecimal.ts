// The exact sum of numbers, as decimal text Postgres' numeric reads ("15e-1"). Each number is taken as the shortest
// decimal that denotes it (what JSON and jsonb hold), so a SUM meter's batch adds exactly what SQL's sum() over the
// stored events gives: 0.1 + 0.2 is 0.3, not 0.30000000000000004.
export function exactDecimalSum(values: readonly number[]): string {
  // Integers whose running sum stays exact (a COUNT's ones, most SUMs) need no decimal arithmetic.
  let integerSum = 0;
  for (const value of values) {
    integerSum += value;
    if (!Number.isSafeInteger(value) || !Number.isSafeInteger(integerSum)) return exactDecimalSumOfTerms(values);
  }
  return String(integerSum);
}

function exactDecimalSumOfTerms(values: readonly number[]): string {
  const terms = values.map(toScaledInteger);
  const exponent = Math.min(0, ...terms.map((term) => term.exponent));
  let total = 0n;
  for (const term of terms) total += term.digits * 10n ** BigInt(term.exponent - exponent);
  return exponent === 0 ? total.toString() : `${total}e${exponent}`;
}

// n = digits × 10^exponent, read from JavaScript's shortest round-tripping text ("1.5e-7", "-0.25", "1e+21").
function toScaledInteger(value: number): { digits: bigint; exponent: number } {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  const [mantissa, exponentText = '0'] = String(value).split('e');
  const [whole, fraction = ''] = mantissa!.split('.');
  return { digits: BigInt(`${whole}${fraction}`), exponent: Number(exponentText) - fraction.length };
}
