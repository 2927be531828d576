/**
 * Turns a question's history (crowd aggregates, the author's baseline revisions, the viewer's own
 * forecasts) into the rows a time chart draws, for one time range. Pure: the caller passes `now`.
 *
 * Every value is a percentage (0–100). Rows are shared by all series and sorted by time; the crowd
 * and the baseline carry the value in force at each row, because both only change at discrete
 * events (a forecast, a revision) and are drawn as step lines.
 */

export type ConsensusRange = "all" | "30d" | "7d";

export interface CrowdSnapshot {
  at: string;
  centers: number[];
  lower: number[];
  upper: number[];
}

export interface BaselineRevision {
  at: string;
  probabilities: number[];
  note: string;
}

export interface OwnForecast {
  at: string;
  probabilities: number[];
}

export interface ConsensusHistory {
  scenarios: { id: string; title: string }[];
  kind: "scenarios" | "binary";
  crowd: CrowdSnapshot[];
  baseline: BaselineRevision[];
  own: OwnForecast[];
  /** ISO time from the server, so that server and client agree on the window. */
  now: string;
}

export interface ShownScenario {
  /** Position in the question's scenario order (it picks the colour). */
  index: number;
  id: string;
  title: string;
}

export interface ConsensusRow {
  /** Milliseconds since the epoch. */
  t: number;
  /** The crowd's center in force at `t`, per shown scenario; null before the first aggregate. */
  crowd: (number | null)[];
  /** The 25–75 % band in force at `t`, as [lower, upper]. */
  band: ([number, number] | null)[];
  /** The baseline in force at `t`; null before the first revision. */
  baseline: (number | null)[];
  /** The viewer's forecast made exactly at `t`, if any. */
  own: (number | null)[];
  /** Set on the row of a revision made inside the window (not on carried-forward rows). */
  revision: { at: string; note: string } | null;
}

export interface ConsensusSeries {
  scenarios: ShownScenario[];
  /** [start, end] in milliseconds; `end` is `now`, or later if live data arrived after it. */
  domain: [number, number];
  rows: ConsensusRow[];
  hasCrowd: boolean;
  hasBaseline: boolean;
  hasOwn: boolean;
}

export interface ConsensusSeriesOptions {
  range: ConsensusRange;
  /** Upper bound on crowd points drawn, window-start and `now` points included. */
  maxCrowdPoints?: number;
}

export const DEFAULT_MAX_CROWD_POINTS = 500;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RANGE_LENGTH: Record<Exclude<ConsensusRange, "all">, number> = { "30d": 30 * DAY, "7d": 7 * DAY };
// A window of zero length has no scale; one hour still reads as "just now".
const MIN_SPAN = HOUR;

/** Binary questions chart their "Yes" claim only: "No" is its mirror image and would add noise. */
export function shownScenarios(history: Pick<ConsensusHistory, "scenarios" | "kind">): ShownScenario[] {
  const all = history.scenarios.map((scenario, index) => ({ index, id: scenario.id, title: scenario.title }));
  return history.kind === "binary" ? all.slice(0, 1) : all;
}

export function toPercent(probability: number | undefined): number | null {
  if (probability === undefined || !Number.isFinite(probability)) return null;
  return Math.min(100, Math.max(0, probability * 100));
}

interface Timed<T> {
  t: number;
  item: T;
}

function timed<T extends { at: string }>(items: readonly T[]): Timed<T>[] {
  return items
    .map((item) => ({ t: Date.parse(item.at), item }))
    .filter((entry) => Number.isFinite(entry.t))
    .sort((a, b) => a.t - b.t);
}

interface CrowdPoint {
  t: number;
  centers: (number | null)[];
  bands: ([number, number] | null)[];
}

function crowdPoint(t: number, snapshot: CrowdSnapshot, shown: ShownScenario[]): CrowdPoint {
  return {
    t,
    centers: shown.map(({ index }) => toPercent(snapshot.centers[index])),
    bands: shown.map(({ index }) => {
      const lower = toPercent(snapshot.lower[index]);
      const upper = toPercent(snapshot.upper[index]);
      return lower === null || upper === null ? null : [lower, upper];
    }),
  };
}

/**
 * Largest-Triangle-Three-Buckets over all shown scenarios at once: one snapshot is one vector, so
 * every scenario must keep the same instants. The triangle areas are summed across scenarios, which
 * keeps the sharp moves of any of them. First and last points are always kept.
 */
export function downsample<P extends { t: number; centers: (number | null)[] }>(points: readonly P[], limit: number): P[] {
  const threshold = Math.max(2, Math.floor(limit));
  if (points.length <= threshold) return [...points];
  const first = points[0] as P;
  const last = points[points.length - 1] as P;
  if (threshold === 2) return [first, last];

  const sampled: P[] = [first];
  const bucketSize = (points.length - 2) / (threshold - 2);
  let anchor = first;
  for (let bucket = 0; bucket < threshold - 2; bucket += 1) {
    const from = Math.floor(bucket * bucketSize) + 1;
    const to = Math.floor((bucket + 1) * bucketSize) + 1;
    // The next bucket's average stands in for the point that will be chosen there.
    const nextFrom = to;
    const nextTo = Math.min(Math.floor((bucket + 2) * bucketSize) + 1, points.length);
    const next = points.slice(nextFrom, Math.max(nextTo, nextFrom + 1));
    const avgT = next.reduce((sum, point) => sum + point.t, 0) / next.length;
    const avgValues = anchor.centers.map(
      (_, k) => next.reduce((sum, point) => sum + (point.centers[k] ?? 0), 0) / next.length,
    );

    let best = points[from] as P;
    let bestArea = -1;
    for (let i = from; i < to; i += 1) {
      const candidate = points[i] as P;
      let area = 0;
      for (let k = 0; k < anchor.centers.length; k += 1) {
        const ay = anchor.centers[k] ?? 0;
        area += Math.abs(
          (anchor.t - avgT) * ((candidate.centers[k] ?? 0) - ay) - (anchor.t - candidate.t) * ((avgValues[k] ?? 0) - ay),
        );
      }
      if (area > bestArea) {
        bestArea = area;
        best = candidate;
      }
    }
    sampled.push(best);
    anchor = best;
  }
  sampled.push(last);
  return sampled;
}

/** The last entry at or before `t` (entries sorted by t), found by binary search. */
function inForceAt<P extends { t: number }>(points: readonly P[], t: number): P | undefined {
  let low = 0;
  let high = points.length - 1;
  let found: P | undefined;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const point = points[middle] as P;
    if (point.t <= t) {
      found = point;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

/**
 * Steps that stay in the window: the value in force at `start` (carried forward from the last
 * event before it), the events inside, and the last value held until `end`.
 */
function windowed<P extends { t: number }>(points: readonly P[], start: number, end: number, at: (point: P, t: number) => P): P[] {
  const inside = points.filter((point) => point.t >= start && point.t <= end);
  const before = inForceAt(points, start - 1);
  return before && inside[0]?.t !== start ? [at(before, start), ...inside] : inside;
}

function windowOf(times: number[], now: number, range: ConsensusRange): [number, number] {
  // A loop, not Math.max(...times): long histories would overflow the argument list.
  let end = now;
  let earliest = Infinity;
  for (const t of times) {
    if (t > end) end = t;
    if (t < earliest) earliest = t;
  }
  if (earliest === Infinity) earliest = end - RANGE_LENGTH["7d"];
  // A young question would otherwise show an empty stretch before its first event.
  const start = range === "all" ? earliest : Math.max(end - RANGE_LENGTH[range], earliest);
  return [Math.min(start, end - MIN_SPAN), end];
}

export function buildConsensusSeries(history: ConsensusHistory, options: ConsensusSeriesOptions): ConsensusSeries {
  const shown = shownScenarios(history);
  const now = Date.parse(history.now);
  if (!Number.isFinite(now)) throw new RangeError(`now is not a date: ${history.now}`);

  const crowd = timed(history.crowd).map(({ t, item }) => crowdPoint(t, item, shown));
  const baseline = timed(history.baseline).map(({ t, item }) => ({
    t,
    values: shown.map(({ index }) => toPercent(item.probabilities[index])),
    revision: { at: item.at, note: item.note } as ConsensusRow["revision"],
  }));
  const own = timed(history.own);

  const [start, end] = windowOf([...crowd, ...baseline, ...own].map((entry) => entry.t), now, options.range);

  const crowdInWindow = windowed(crowd, start, end, (point, t) => ({ ...point, t }));
  const crowdNeedsEnd = crowdInWindow.length > 0 && (crowdInWindow.at(-1) as CrowdPoint).t < end;
  const limit = (options.maxCrowdPoints ?? DEFAULT_MAX_CROWD_POINTS) - (crowdNeedsEnd ? 1 : 0);
  const crowdDrawn = downsample(crowdInWindow, limit);
  if (crowdNeedsEnd) crowdDrawn.push({ ...(crowdDrawn.at(-1) as CrowdPoint), t: end });

  const baselineDrawn = windowed(baseline, start, end, (point, t) => ({ ...point, t, revision: null }));
  const lastBaseline = baselineDrawn.at(-1);
  if (lastBaseline && lastBaseline.t < end) baselineDrawn.push({ ...lastBaseline, t: end, revision: null });

  const ownDrawn = own.filter(({ t }) => t >= start && t <= end);

  const times = [...new Set([...crowdDrawn, ...baselineDrawn, ...ownDrawn].map((entry) => entry.t))].sort((a, b) => a - b);
  const revisionAt = new Map(baselineDrawn.filter((point) => point.revision).map((point) => [point.t, point.revision]));
  const ownAt = new Map(ownDrawn.map(({ t, item }) => [t, item]));
  const none = shown.map(() => null);

  const rows = times.map((t): ConsensusRow => {
    const crowdNow = inForceAt(crowdDrawn, t);
    const baselineNow = inForceAt(baselineDrawn, t);
    const ownNow = ownAt.get(t);
    return {
      t,
      crowd: crowdNow ? crowdNow.centers : none,
      band: crowdNow ? crowdNow.bands : none,
      baseline: baselineNow ? baselineNow.values : none,
      own: ownNow ? shown.map(({ index }) => toPercent(ownNow.probabilities[index])) : none,
      revision: revisionAt.get(t) ?? null,
    };
  });

  return {
    scenarios: shown,
    domain: [start, end],
    rows,
    hasCrowd: crowdDrawn.length > 0,
    hasBaseline: baselineDrawn.length > 0,
    hasOwn: ownDrawn.length > 0,
  };
}

export interface LatestFigures {
  crowd: { at: string; centers: (number | null)[]; bands: ([number, number] | null)[] } | null;
  baseline: { at: string; values: (number | null)[]; note: string } | null;
  own: { at: string; values: (number | null)[] } | null;
}

/** The newest figure of each kind, whatever range is shown: what a summary or a table states. */
export function latestFigures(history: ConsensusHistory): LatestFigures {
  const shown = shownScenarios(history);
  const crowd = timed(history.crowd).at(-1);
  const baseline = timed(history.baseline).at(-1);
  const own = timed(history.own).at(-1);
  const values = (probabilities: number[]) => shown.map(({ index }) => toPercent(probabilities[index]));
  return {
    crowd: crowd ? { at: crowd.item.at, ...pick(crowdPoint(crowd.t, crowd.item, shown)) } : null,
    baseline: baseline ? { at: baseline.item.at, values: values(baseline.item.probabilities), note: baseline.item.note } : null,
    own: own ? { at: own.item.at, values: values(own.item.probabilities) } : null,
  };
}

const pick = ({ centers, bands }: CrowdPoint) => ({ centers, bands });

export type TickUnit = "hour" | "day" | "month";

const TICK_STEPS: { unit: TickUnit; size: number }[] = [
  ...[1, 2, 3, 6, 12].map((size) => ({ unit: "hour" as const, size })),
  ...[1, 2, 7, 14].map((size) => ({ unit: "day" as const, size })),
  ...[1, 2, 3, 6, 12].map((size) => ({ unit: "month" as const, size })),
];

function ticksFor(start: number, end: number, unit: TickUnit, size: number): number[] {
  const ticks: number[] = [];
  if (unit === "month") {
    const from = new Date(start);
    // Date.UTC rolls months past December into the next year.
    let month = from.getUTCMonth() + (Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1) < start ? 1 : 0);
    month = Math.ceil(month / size) * size;
    for (let t = Date.UTC(from.getUTCFullYear(), month, 1); t <= end; month += size, t = Date.UTC(from.getUTCFullYear(), month, 1)) {
      ticks.push(t);
    }
    return ticks;
  }
  const step = size * (unit === "hour" ? HOUR : DAY);
  // Week steps fall on Mondays: the epoch was a Thursday, the first Monday four days later.
  const offset = unit === "day" && size % 7 === 0 ? 4 * DAY : 0;
  for (let t = Math.ceil((start - offset) / step) * step + offset; t <= end; t += step) ticks.push(t);
  return ticks;
}

/**
 * Axis ticks on round UTC instants (whole hours, midnights, Mondays, first days of months), at
 * most `maxCount` of them, with the unit they should be labelled in.
 */
export function timeTicks(start: number, end: number, maxCount: number): { unit: TickUnit; ticks: number[] } {
  for (const { unit, size } of TICK_STEPS) {
    const approximate = (end - start) / (size * (unit === "hour" ? HOUR : unit === "day" ? DAY : 30 * DAY));
    if (approximate > maxCount + 1) continue;
    const ticks = ticksFor(start, end, unit, size);
    if (ticks.length <= maxCount) return { unit, ticks };
  }
  const years = ticksFor(start, end, "month", 12);
  const every = Math.ceil(years.length / Math.max(1, maxCount));
  return { unit: "month", ticks: years.filter((_, i) => i % every === 0) };
}
