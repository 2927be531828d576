// Percentage vectors as a reader edits them: numbers from 0 to 100, one per scenario in scenario
// order, that must always add up to exactly 100. All rounding is done in whole "units" of
// `step` (1 unit = 1 % for step 1, 0.1 % for step 0.1) so that the sum is an integer count of
// units and floating-point error can never leave a total of 99.99999999999999.

const TOTAL = 100;

/** How many units make up 100 %, or a RangeError for a step that does not divide 100 evenly. */
function unitsInTotal(step: number): number {
  if (!Number.isFinite(step) || step <= 0 || step > TOTAL) throw new RangeError(`step must be in (0, 100], got ${step}`);
  const units = Math.round(TOTAL / step);
  if (Math.abs(units * step - TOTAL) > 1e-9) throw new RangeError(`step must divide 100 evenly, got ${step}`);
  return units;
}

/**
 * Units back to percentages. Dividing by a whole number of units per percent (10 for step 0.1)
 * gives the nearest double to 33.3, where multiplying by 0.1 would give 33.300000000000004.
 */
function fromUnits(units: number, step: number): number {
  if (step >= 1) return units * step;
  return units / Math.round(1 / step);
}

function toUnits(percentage: number, step: number): number {
  return Math.round(percentage / step);
}

const clampPercentage = (value: number) => Math.min(TOTAL, Math.max(0, value));

/** Mid-edit vectors can hold blanks or junk; they weigh nothing rather than poisoning the sum. */
const weight = (value: number | undefined) => (value !== undefined && Number.isFinite(value) && value > 0 ? value : 0);

/**
 * Shares `units` among `weights` in proportion (largest remainder: floor every share, then give
 * the units left over to the largest fractional parts, earlier scenarios first on ties), so the
 * shares add up to `units` exactly. Zero weights everywhere share equally.
 */
function apportion(weights: readonly number[], units: number): number[] {
  const total = weights.reduce((sum, value) => sum + value, 0);
  const exact = total > 0 ? weights.map((value) => (value / total) * units) : weights.map(() => units / weights.length);
  const shares = exact.map(Math.floor);
  let left = units - shares.reduce((sum, value) => sum + value, 0);
  const byRemainder = exact
    .map((value, index) => ({ index, remainder: value - Math.floor(value) }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of byRemainder) {
    if (left <= 0) break;
    shares[index] = (shares[index] ?? 0) + 1;
    left -= 1;
  }
  return shares;
}

/**
 * Sets one scenario's percentage and scales the others so the vector adds up to exactly 100,
 * keeping their proportions to each other (or sharing the rest equally when they are all 0).
 * `newValue` is clamped to [0, 100] and rounded to `step`; a NaN returns the vector unchanged,
 * so a half-typed field never wipes the reader's split.
 *
 * `pinned` scenarios (the one the reader set just before, say) keep their values while some
 * other scenario is free to absorb the change and the pinned ones leave room for the new value:
 * typing 60, then 30, then reads 60 / 30 / 10 rather than the first value drifting away.
 */
export function rebalance(values: readonly number[], changedIndex: number, newValue: number, step = 1, pinned: readonly number[] = []): number[] {
  const units = unitsInTotal(step);
  if (!Number.isInteger(changedIndex) || changedIndex < 0 || changedIndex >= values.length) {
    throw new RangeError(`changedIndex ${changedIndex} is outside a vector of ${values.length}`);
  }
  if (Number.isNaN(newValue)) return [...values];
  if (values.length === 1) return [TOTAL];

  const changedUnits = toUnits(clampPercentage(newValue), step);
  const held = [...new Set(pinned)].filter((index) => index !== changedIndex && index >= 0 && index < values.length);
  const heldUnits = held.reduce((sum, index) => sum + toUnits(weight(values[index]), step), 0);
  const canHold = held.length > 0 && held.length < values.length - 1 && heldUnits + changedUnits <= units;
  const othersIndices = values.map((_, index) => index).filter((index) => index !== changedIndex && !(canHold && held.includes(index)));
  const othersShares = apportion(
    othersIndices.map((index) => weight(values[index])),
    units - changedUnits - (canHold ? heldUnits : 0),
  );
  const result = new Array<number>(values.length);
  result[changedIndex] = fromUnits(changedUnits, step);
  if (canHold) for (const index of held) result[index] = fromUnits(toUnits(weight(values[index]), step), step);
  othersIndices.forEach((index, position) => {
    result[index] = fromUnits(othersShares[position] ?? 0, step);
  });
  return result;
}

/**
 * Scales any non-negative vector (a stored forecast, say, whose percentages are 33.333…) to
 * exactly 100 on the `step` grid; an all-zero vector becomes an even split.
 */
export function roundToTotal(values: readonly number[], step = 1): number[] {
  const units = unitsInTotal(step);
  if (values.length === 0) throw new RangeError("a percentage vector needs at least one value");
  return apportion(values.map(weight), units).map((share) => fromUnits(share, step));
}

/** 100 % shared as equally as `step` allows, the spare units going to the first scenarios. */
export function evenSplit(k: number, step = 1): number[] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  return roundToTotal(new Array<number>(k).fill(0), step);
}

/**
 * The total of a vector, rounded to 1e-9 so that decimal percentages typed by a reader
 * (33.3 + 33.3 + 33.4) compare equal to 100 instead of 100.00000000000001.
 */
export function sumOf(values: readonly number[]): number {
  const sum = values.reduce((total, value) => total + value, 0);
  return Math.round(sum * 1e9) / 1e9;
}

/** Every value a percentage and the total within `tolerance` points of 100. */
export function isComplete(values: readonly number[], tolerance = 0.5): boolean {
  if (values.length === 0) return false;
  if (!values.every((value) => Number.isFinite(value) && value >= 0 && value <= TOTAL)) return false;
  return Math.abs(sumOf(values) - TOTAL) <= tolerance;
}
