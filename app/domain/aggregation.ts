// The crowd's forecast for a question, computed the way Metaculus computes its community prediction
// (metaculus/metaculus utils/the_math/aggregations.py and measures.py) so that readers who know that
// number can read ours the same way. Where we part from Metaculus, the comment at the spot says why.

export const AGGREGATION_METHODS = ["recency_weighted_median", "median", "geometric_mean_of_odds", "mean"] as const;

export type AggregationMethod = (typeof AGGREGATION_METHODS)[number];

export const DEFAULT_AGGREGATION_METHOD = "recency_weighted_median" satisfies AggregationMethod;

export interface AggregateResult {
  /** The crowd's probability per scenario; adds up to 1 and each lies in [0.001, 1]. */
  centers: number[];
  /** Lower quartile of the forecasters' probabilities per scenario (not renormalised). */
  lower: number[];
  /** Upper quartile of the forecasters' probabilities per scenario (not renormalised). */
  upper: number[];
  /** Arithmetic mean per scenario, with the method's weights. */
  mean: number[];
  count: number;
}

export type AggregationInputErrorCode =
  | "wrong_length"
  | "not_a_number"
  | "negative"
  | "above_one"
  | "bad_sum"
  | "too_few_scenarios"
  | "too_many_scenarios";

export class AggregationInputError extends Error {
  readonly code: AggregationInputErrorCode;
  /** Position (oldest first) of the forecast at fault, when one is. */
  readonly forecastIndex: number | undefined;

  constructor(code: AggregationInputErrorCode, message: string, forecastIndex?: number) {
    super(forecastIndex === undefined ? message : `forecast ${forecastIndex}: ${message}`);
    this.name = "AggregationInputError";
    this.code = code;
    this.forecastIndex = forecastIndex;
  }
}

/** How far a forecast's probabilities may add up away from 1 (rounding in the form and in storage). */
export const SUM_TOLERANCE = 1e-6;
/** Metaculus' floor for a scenario in the crowd forecast; also the clamp for the geometric mean. */
export const PROBABILITY_FLOOR = 0.001;
// Beyond this the floors alone would add up to 1 or more, and renormalisation would be meaningless.
const MAX_SCENARIOS = Math.floor(1 / PROBABILITY_FLOOR) - 1;
const QUANTILES = [0.25, 0.5, 0.75] as const;

export function usesRecencyWeights(method: AggregationMethod): boolean {
  // Metaculus weights its log-odds mean by recency too (LogOddsMeanAggregation), hence the geometric
  // mean here. Its "mean" is recency weighted as well; ours is not, so that both plain methods
  // (median and mean) count every forecaster alike.
  return method === "recency_weighted_median" || method === "geometric_mean_of_odds";
}

/** Throws AggregationInputError unless `probabilities` is one valid forecast over `scenarioCount` scenarios. */
export function validateForecast(probabilities: ReadonlyArray<number>, scenarioCount: number, forecastIndex?: number): void {
  if (probabilities.length !== scenarioCount) {
    throw new AggregationInputError("wrong_length", `has ${probabilities.length} probabilities, expected ${scenarioCount}`, forecastIndex);
  }
  let sum = 0;
  for (let index = 0; index < scenarioCount; index++) {
    const value = probabilities[index];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new AggregationInputError("not_a_number", `probability ${index} is ${String(value)}`, forecastIndex);
    }
    if (value < 0) throw new AggregationInputError("negative", `probability ${index} is ${value}`, forecastIndex);
    if (value > 1) throw new AggregationInputError("above_one", `probability ${index} is ${value}`, forecastIndex);
    sum += value;
  }
  if (Math.abs(sum - 1) > SUM_TOLERANCE) throw new AggregationInputError("bad_sum", `probabilities add up to ${sum}`, forecastIndex);
}

/** Throws AggregationInputError unless a question can have `scenarioCount` scenarios. */
export function validateScenarioCount(scenarioCount: number): void {
  if (!(scenarioCount >= 2)) throw new AggregationInputError("too_few_scenarios", `${scenarioCount} scenarios; a question needs at least 2`);
  if (scenarioCount > MAX_SCENARIOS) throw new AggregationInputError("too_many_scenarios", `${scenarioCount} scenarios; at most ${MAX_SCENARIOS}`);
}

/** The logarithm the geometric mean averages: Metaculus clamps to [0.001, 0.999] so that 0 and 1 stay finite. */
export function clampedLog(probability: number): number {
  return Math.log(Math.min(Math.max(probability, PROBABILITY_FLOOR), 1 - PROBABILITY_FLOOR));
}

/**
 * Metaculus' renormalisation of multiple-choice medians: lift every scenario to the floor, then
 * share the rest in proportion to what lies above the floor. Binary questions get it too: there it
 * only removes rounding, since the medians of p and 1 − p add up to 1.
 */
export function renormaliseCenters(raw: ArrayLike<number>): number[] {
  const count = raw.length;
  const aboveFloor: number[] = [];
  let sum = 0;
  for (let index = 0; index < count; index++) {
    // Metaculus subtracts the floor without clamping: its forecasts never go below 0.001. Ours may be
    // 0, and a negative share would put the centre outside [0, 1].
    const above = Math.max(raw[index] ?? 0, PROBABILITY_FLOOR) - PROBABILITY_FLOOR;
    aboveFloor.push(above);
    sum += above;
  }
  // Only when every median sits on the floor, e.g. three forecasters each certain of a different scenario.
  if (!(sum > 0)) return aboveFloor.map(() => 1 / count);
  const spread = 1 - PROBABILITY_FLOOR * count;
  return aboveFloor.map((above) => (above / sum) * spread + PROBABILITY_FLOOR);
}

/**
 * Normalised geometric mean of the probabilities, from the (weighted) mean log per scenario. For two
 * scenarios this is the geometric mean of the odds: p / (1 − p) = Π (pᵢ / (1 − pᵢ))^wᵢ.
 */
export function centersFromLogMeans(logMeans: ArrayLike<number>): number[] {
  const geometric = Array.from(logMeans, Math.exp);
  const sum = geometric.reduce((total, value) => total + value, 0);
  return geometric.map((value) => value / sum);
}

/**
 * Metaculus' weighted percentile for each q in `quantiles` (each in (0, 1)): with the values sorted
 * and their weights summed in that order, the mean of the first value whose cumulative weight
 * reaches q × total and the first whose cumulative weight exceeds it. The two differ only on an exact
 * tie, e.g. the median of an even number of equally weighted values.
 *
 * The comparison is exact, as in Metaculus (numpy's `cumsum(w) / sum(w) >= q`, no tolerance). Equal
 * weights sum exactly here (integers), so their ties are found; recency weights e^√n, as real
 * numbers, never tie (by Lindemann–Weierstrass no subset of them adds up to a rational share of the
 * total), so a tolerance would only move the step, and at large N would merge the many negligible
 * old weights into it. Weights must be positive.
 */
export function weightedQuantiles(values: ArrayLike<number>, weights: ArrayLike<number> | null, quantiles: ReadonlyArray<number>): number[] {
  const count = values.length;
  if (count === 0) throw new RangeError("weightedQuantiles needs at least one value");
  if (weights && weights.length !== count) throw new RangeError("weightedQuantiles needs one weight per value");
  if (quantiles.some((q) => !(q > 0 && q < 1))) throw new RangeError("quantiles must lie strictly between 0 and 1");
  const order = quantiles.map((q, index) => ({ q, index })).sort((a, b) => a.q - b.q);
  const work = new Float64Array(count);
  const workWeights = new Float64Array(count);
  let total = 0;
  for (let index = 0; index < count; index++) {
    work[index] = values[index] ?? Number.NaN;
    const weight = weights ? (weights[index] ?? Number.NaN) : 1;
    workWeights[index] = weight;
    total += weight;
  }
  const sorted = selectWeightedQuantiles(work, workWeights, count, total, order.map(({ q }) => q));
  const result = new Array<number>(quantiles.length);
  order.forEach(({ index }, position) => (result[index] = sorted[position] ?? Number.NaN));
  return result;
}

/**
 * The crowd forecast from each forecaster's latest forecast, oldest first.
 *
 * lower and upper are always the weighted quartiles with the method's weights, also for the two
 * means; Metaculus bounds its means by semi-standard deviations instead, but quartiles keep the band
 * comparable when a reader switches method, and never leave [0, 1].
 */
export function aggregateForecasts(forecasts: ReadonlyArray<ReadonlyArray<number>>, method: AggregationMethod): AggregateResult {
  const count = forecasts.length;
  if (count === 0) return { centers: [], lower: [], upper: [], mean: [], count: 0 };
  const scenarioCount = forecasts[0]?.length ?? 0;
  validateScenarioCount(scenarioCount);
  for (let index = 0; index < count; index++) validateForecast(forecasts[index] ?? [], scenarioCount, index);

  const { weights, values, workWeights } = scratchFor(count);
  // Metaculus' RecencyWeighted: the n-th oldest of N gets e^(√n − √N), and up to two forecasts count alike.
  const recency = usesRecencyWeights(method) && count > 2;
  const newest = Math.sqrt(count);
  let total = 0;
  for (let index = 0; index < count; index++) {
    const weight = recency ? Math.exp(Math.sqrt(index + 1) - newest) : 1;
    weights[index] = weight;
    total += weight;
  }

  const geometric = method === "geometric_mean_of_odds";
  const lower: number[] = [];
  const median: number[] = [];
  const upper: number[] = [];
  const mean: number[] = [];
  const logMeans: number[] = [];
  for (let scenario = 0; scenario < scenarioCount; scenario++) {
    let weightedSum = 0;
    let weightedLogSum = 0;
    for (let index = 0; index < count; index++) {
      // + 0 turns a -0 into 0, which would otherwise surface as "-0" in a quartile.
      const value = (forecasts[index] as ReadonlyArray<number>)[scenario]! + 0;
      const weight = weights[index]!;
      values[index] = value;
      weightedSum += weight * value;
      if (geometric) weightedLogSum += weight * clampedLog(value);
    }
    workWeights.set(weights);
    const [q1, q2, q3] = selectWeightedQuantiles(values, workWeights, count, total, QUANTILES);
    lower.push(q1!);
    median.push(q2!);
    upper.push(q3!);
    mean.push(weightedSum / total);
    logMeans.push(weightedLogSum / total);
  }
  const raw = geometric ? centersFromLogMeans(logMeans) : method === "mean" ? mean : median;
  return { centers: renormaliseCenters(raw), lower, upper, mean, count };
}

// Buffers for aggregateForecasts, kept between calls: at 100 000 forecasters three fresh 800 kB
// arrays per call made the slowest calls a third slower (collector pauses). Nothing here calls out
// while using them, so one set serves every call.
let scratch = { weights: new Float64Array(0), values: new Float64Array(0), workWeights: new Float64Array(0) };

function scratchFor(count: number): typeof scratch {
  if (scratch.weights.length < count) {
    const length = Math.max(count, 2 * scratch.weights.length);
    scratch = { weights: new Float64Array(length), values: new Float64Array(length), workWeights: new Float64Array(length) };
  }
  return {
    weights: scratch.weights.subarray(0, count),
    values: scratch.values.subarray(0, count),
    workWeights: scratch.workWeights.subarray(0, count),
  };
}

// Below this many values a subrange is sorted outright.
const SMALL_RANGE = 16;
// Values drawn to bracket each quantile before the full pass; the full pass then only moves the
// values inside the brackets. Worth it once the crowd is many times the sample.
const SAMPLE_SIZE = 4096;
const BRACKET_FROM = 8 * SAMPLE_SIZE;
// Half-width of a bracket in standard errors of the sample quantile; a quantile outside its bracket
// (about 1 in 30 000 per edge) only costs the plain quickselect afterwards.
const BRACKET_SIGMAS = 4;
const MAX_BRACKETS = 3;

/**
 * Weighted quantiles by multi-target quickselect, O(n) expected: no full sort of each scenario, which
 * at 100 000 forecasters would take most of the time budget. `values` and `weights` are reordered.
 * `quantiles` must be ascending; `total` is the sum of `weights`.
 */
function selectWeightedQuantiles(values: Float64Array, weights: Float64Array, count: number, total: number, quantiles: ReadonlyArray<number>): number[] {
  // Each quantile is two targets, "reaches" then "exceeds" its threshold. In that order a target is
  // never reached before the ones listed ahead of it, so each side of a partition takes a contiguous run.
  const targetCount = quantiles.length * 2;
  const thresholds = new Float64Array(targetCount);
  const strict = new Uint8Array(targetCount);
  quantiles.forEach((q, index) => {
    thresholds[2 * index] = q * total;
    thresholds[2 * index + 1] = q * total;
    strict[2 * index + 1] = 1;
  });
  const selection: Selection = { values, weights, thresholds, strict, found: new Float64Array(targetCount) };
  if (!(count >= BRACKET_FROM && quantiles.length <= MAX_BRACKETS && bracketedSelect(selection, count, total, quantiles))) {
    select(selection, 0, count, 0, 0, targetCount, depthLimit(count));
  }
  const { found } = selection;
  return quantiles.map((_, index) => 0.5 * (found[2 * index]! + found[2 * index + 1]!));
}

const depthLimit = (count: number) => 2 * Math.ceil(Math.log2(count + 1)) + 8;

/**
 * Floyd–Rivest in spirit: estimate each quantile from a sample, then one pass sorts every value into
 * "inside a bracket" or not (few, predictable branches, where partitioning mispredicts half of them)
 * and adds up the weight between brackets; quickselect then runs on the bracketed values only.
 * Returns false if a quantile fell outside its bracket; `values` and `weights` are then still a
 * permutation of the input, ready for the plain quickselect.
 */
function bracketedSelect(selection: Selection, count: number, total: number, quantiles: ReadonlyArray<number>): boolean {
  const { values, weights } = selection;
  // Systematic sampling proportional to weight, so that the sample's plain quantiles estimate the
  // weighted ones; with recency weights an even spread would mostly sample forecasts weighing ~0.
  const sample = new Float64Array(SAMPLE_SIZE);
  const step = total / SAMPLE_SIZE;
  let taken = 0;
  let cumulative = 0;
  for (let index = 0; index < count && taken < SAMPLE_SIZE; index++) {
    cumulative += weights[index]!;
    while (taken < SAMPLE_SIZE && cumulative >= (taken + 0.5) * step) sample[taken++] = values[index]!;
  }
  while (taken < SAMPLE_SIZE) sample[taken++] = values[count - 1]!;

  const edges = quantiles.flatMap((q) => {
    const halfWidth = BRACKET_SIGMAS * Math.sqrt((q * (1 - q)) / SAMPLE_SIZE) + 2 / SAMPLE_SIZE;
    return [q - halfWidth, q + halfWidth];
  });
  const edgeValues = sampleQuantiles(sample, edges);
  // Brackets [low, high] in ascending order, overlapping ones merged.
  const bounds: number[] = [];
  for (let index = 0; index < quantiles.length; index++) {
    const low = edges[2 * index]! <= 0 ? Number.NEGATIVE_INFINITY : edgeValues[2 * index]!;
    const high = edges[2 * index + 1]! >= 1 ? Number.POSITIVE_INFINITY : edgeValues[2 * index + 1]!;
    if (bounds.length > 0 && low <= bounds[bounds.length - 1]!) bounds[bounds.length - 1] = Math.max(high, bounds[bounds.length - 1]!);
    else bounds.push(low, high);
  }
  const regions = bounds.length + 1;

  // Region r: even ones lie between brackets, odd ones inside bracket (r − 1) / 2. Bracketed values
  // gather at the front. Six named bounds (unused ones at +∞) let the compiler keep them in registers.
  const bound = Float64Array.from({ length: 2 * MAX_BRACKETS }, (_, edge) => bounds[edge] ?? Number.POSITIVE_INFINITY);
  const low0 = bound[0]!;
  const high0 = bound[1]!;
  const low1 = bound[2]!;
  const high1 = bound[3]!;
  const low2 = bound[4]!;
  const high2 = bound[5]!;
  const regionWeight = new Float64Array(2 * MAX_BRACKETS + 1);
  let bracketed = 0;
  for (let index = 0; index < count; index++) {
    const value = values[index]!;
    const weight = weights[index]!;
    const region =
      (value >= low0 ? 1 : 0) +
      (value > high0 ? 1 : 0) +
      (value >= low1 ? 1 : 0) +
      (value > high1 ? 1 : 0) +
      (value >= low2 ? 1 : 0) +
      (value > high2 ? 1 : 0);
    regionWeight[region] = regionWeight[region]! + weight;
    if (region & 1) {
      values[index] = values[bracketed]!;
      weights[index] = weights[bracketed]!;
      values[bracketed] = value;
      weights[bracketed] = weight;
      bracketed++;
    }
  }

  // Every target must land inside a bracket, else the estimate missed.
  const regionStart = new Float64Array(regions);
  for (let region = 1; region < regions; region++) regionStart[region] = regionStart[region - 1]! + regionWeight[region - 1]!;
  const targetCount = selection.thresholds.length;
  const firstTarget = new Int32Array(regions + 1);
  let region = 0;
  for (let target = 0; target < targetCount; target++) {
    while (region < regions && !reaches(selection, regionStart[region]! + regionWeight[region]!, target)) firstTarget[++region] = target;
    if (region === regions || (region & 1) === 0) return false;
  }
  while (region < regions) firstTarget[++region] = targetCount;

  // Order the bracketed values bracket by bracket, then select within each.
  let lo = 0;
  for (let bracket = 0; 2 * bracket + 1 < regions; bracket++) {
    const high = bound[2 * bracket + 1]!;
    let hi = lo;
    for (let index = lo; index < bracketed; index++) {
      const value = values[index]!;
      if (value > high) continue;
      const weight = weights[index]!;
      values[index] = values[hi]!;
      weights[index] = weights[hi]!;
      values[hi] = value;
      weights[hi] = weight;
      hi++;
    }
    const inside = 2 * bracket + 1;
    const from = firstTarget[inside]!;
    const to = firstTarget[inside + 1]!;
    if (from < to) select(selection, lo, hi, regionStart[inside]!, from, to, depthLimit(hi - lo));
    lo = hi;
  }
  return true;
}

/** Plain quantiles of the sample at each fraction (any order): the value where the count first reaches it. */
function sampleQuantiles(sample: Float64Array, fractions: number[]): number[] {
  const order = fractions.map((fraction, index) => ({ fraction, index })).sort((a, b) => a.fraction - b.fraction);
  const thresholds = Float64Array.from(order, ({ fraction }) => Math.min(Math.max(fraction, 0), 1) * sample.length);
  const selection: Selection = {
    values: sample,
    weights: new Float64Array(sample.length).fill(1),
    thresholds,
    strict: new Uint8Array(thresholds.length),
    found: new Float64Array(thresholds.length),
  };
  select(selection, 0, sample.length, 0, 0, thresholds.length, depthLimit(sample.length));
  const result = new Array<number>(fractions.length);
  order.forEach(({ index }, position) => (result[index] = selection.found[position]!));
  return result;
}

interface Selection {
  values: Float64Array;
  weights: Float64Array;
  thresholds: Float64Array;
  strict: Uint8Array;
  found: Float64Array;
}

const reaches = ({ thresholds, strict }: Selection, cumulative: number, target: number) =>
  strict[target] ? cumulative > thresholds[target]! : cumulative >= thresholds[target]!;

/** Targets [from, to) are not reached by `before`, the weight of everything ordered ahead of [lo, hi). */
function select(selection: Selection, lo: number, hi: number, before: number, from: number, to: number, depthLeft: number): void {
  const { values, weights, found } = selection;
  while (from < to) {
    if (hi - lo <= SMALL_RANGE || depthLeft === 0) {
      sortRange(values, weights, lo, hi);
      scanRange(selection, lo, hi, before, from, to);
      return;
    }
    depthLeft--;
    const pivot = medianOfThree(values[lo]!, values[(lo + hi) >>> 1]!, values[hi - 1]!);
    // Three-way partition: [lo, less) < pivot, [less, greater) = pivot, [greater, hi) > pivot.
    let less = lo;
    let index = lo;
    let greater = hi;
    let lessWeight = 0;
    let equalWeight = 0;
    while (index < greater) {
      const value = values[index]!;
      const weight = weights[index]!;
      if (value < pivot) {
        values[index] = values[less]!;
        weights[index] = weights[less]!;
        values[less] = value;
        weights[less] = weight;
        lessWeight += weight;
        less++;
        index++;
      } else if (value > pivot) {
        greater--;
        values[index] = values[greater]!;
        weights[index] = weights[greater]!;
        values[greater] = value;
        weights[greater] = weight;
      } else {
        equalWeight += weight;
        index++;
      }
    }
    const afterLess = before + lessWeight;
    const afterEqual = afterLess + equalWeight;
    let inLess = from;
    while (inLess < to && reaches(selection, afterLess, inLess)) inLess++;
    let inEqual = inLess;
    while (inEqual < to && reaches(selection, afterEqual, inEqual)) found[inEqual++] = pivot;
    if (inLess > from) select(selection, lo, less, before, from, inLess, depthLeft);
    lo = greater;
    before = afterEqual;
    from = inEqual;
  }
}

function scanRange(selection: Selection, lo: number, hi: number, before: number, from: number, to: number): void {
  const { values, weights, found } = selection;
  let target = from;
  let cumulative = before;
  for (let index = lo; index < hi && target < to; index++) {
    cumulative += weights[index]!;
    while (target < to && reaches(selection, cumulative, target)) found[target++] = values[index]!;
  }
  // Only rounding leaves a target here (the partition's sum reached it, this running sum fell an ulp
  // short): the crossing is at the last value of the range.
  while (target < to) found[target++] = values[hi - 1]!;
}

function sortRange(values: Float64Array, weights: Float64Array, lo: number, hi: number): void {
  if (hi - lo <= SMALL_RANGE) {
    for (let index = lo + 1; index < hi; index++) {
      const value = values[index]!;
      const weight = weights[index]!;
      let slot = index;
      while (slot > lo && values[slot - 1]! > value) {
        values[slot] = values[slot - 1]!;
        weights[slot] = weights[slot - 1]!;
        slot--;
      }
      values[slot] = value;
      weights[slot] = weight;
    }
    return;
  }
  // Reached only when pivots keep failing (adversarial orderings): a full sort bounds the cost.
  const order = Array.from({ length: hi - lo }, (_, offset) => lo + offset).sort((a, b) => values[a]! - values[b]!);
  const sortedValues = order.map((index) => values[index]!);
  const sortedWeights = order.map((index) => weights[index]!);
  values.set(sortedValues, lo);
  weights.set(sortedWeights, lo);
}

function medianOfThree(a: number, b: number, c: number): number {
  if (a < b) return b < c ? b : a < c ? c : a;
  return a < c ? a : b < c ? c : b;
}
