// Kept apart from probability-vector.ts so that pages showing percentages do not ship zod.
/** Whole percentages for display that still add up to 100 (largest remainder method). */
export function toDisplayPercentages(probabilities: readonly number[]): number[] {
  const total = probabilities.reduce((sum, value) => sum + value, 0);
  if (total <= 0) return probabilities.map(() => 0);
  const exact = probabilities.map((value) => (value / total) * 100);
  const floored = exact.map(Math.floor);
  let remaining = 100 - floored.reduce((sum, value) => sum + value, 0);
  const byRemainder = exact
    .map((value, index) => ({ index, remainder: value - Math.floor(value) }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of byRemainder) {
    if (remaining <= 0) break;
    floored[index] = (floored[index] ?? 0) + 1;
    remaining -= 1;
  }
  return floored;
}
