import { getDb, type Db } from "~/db.server";
import type { AggregateResult, AggregationMethod } from "~/domain/aggregation";
import { IncrementalAggregator } from "~/domain/incremental-aggregation";
import { parseProbabilityVector } from "~/domain/probability-vector";
import { aggregationMethodSchema } from "~/realtime/contract";

/**
 * The crowd's aggregate per question, kept in memory so that a save costs an incremental update,
 * not a recompute over every forecaster. The database stays the truth: each entry records the
 * `Question.aggregateVersion` it reflects, and whoever finds the database ahead (another instance
 * wrote, or this one restarted) reloads the question's current forecasts.
 */
export interface LiveAggregate {
  version: number;
  scenarioCount: number;
  aggregator: IncrementalAggregator;
}

type Tx = Pick<Db, "forecast" | "question">;

const cachesByDb = new WeakMap<Db, Map<string, LiveAggregate>>();

export function liveAggregatesOf(db: Db): Map<string, LiveAggregate> {
  let cache = cachesByDb.get(db);
  if (!cache) {
    cache = new Map();
    cachesByDb.set(db, cache);
  }
  return cache;
}

/** Who a current forecast belongs to in the aggregate; anonymised forecasts (deleted accounts) stand alone. */
export const forecasterKeyOf = (forecast: { id: string; userId: string | null }) => forecast.userId ?? `deleted:${forecast.id}`;

/** Every current (neither superseded nor withdrawn) forecast of the question, oldest first. */
export async function loadAggregator(tx: Tx, questionId: string, scenarioCount: number): Promise<IncrementalAggregator> {
  const current = await tx.forecast.findMany({
    where: { questionId, supersededAt: null, withdrawnAt: null },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { id: true, userId: true, probabilities: true },
  });
  return IncrementalAggregator.fromForecasts(
    scenarioCount,
    current.map((forecast) => ({ forecasterKey: forecasterKeyOf(forecast), probabilities: parseProbabilityVector(forecast.probabilities) })),
  );
}

export interface AggregateView {
  method: AggregationMethod;
  centers: number[];
  lower: number[];
  upper: number[];
  count: number;
}

const viewOf = (method: AggregationMethod, { centers, lower, upper, count }: AggregateResult): AggregateView => ({ method, centers, lower, upper, count });

/**
 * The crowd at the question's current version under `method`. From memory when this instance's
 * aggregate is current (every method is then cheap); otherwise the stored snapshot answers for
 * the question's own method, so a page view never costs a reload of every forecast — only a
 * request for another method, on an instance whose memory is behind, does.
 */
export async function getCurrentAggregate(
  questionId: string,
  method: AggregationMethod | undefined,
  db: Db = getDb(),
): Promise<{ version: number; method: AggregationMethod; aggregate: AggregateView } | null> {
  const question = await db.question.findUnique({
    where: { id: questionId },
    select: {
      aggregateVersion: true,
      aggregationMethod: true,
      _count: { select: { scenarios: true } },
      aggregateSnapshots: { orderBy: { version: "desc" }, take: 1 },
    },
  });
  if (!question) return null;
  const chosen = method ?? aggregationMethodSchema.catch("recency_weighted_median").parse(question.aggregationMethod);
  const cache = liveAggregatesOf(db);
  const cached = cache.get(questionId);
  if (cached && cached.version === question.aggregateVersion) {
    return { version: cached.version, method: chosen, aggregate: viewOf(chosen, cached.aggregator.aggregate(chosen)) };
  }
  const snapshot = question.aggregateSnapshots[0];
  if (question.aggregateVersion === 0) {
    return { version: 0, method: chosen, aggregate: { method: chosen, centers: [], lower: [], upper: [], count: 0 } };
  }
  if (snapshot && snapshot.version === question.aggregateVersion && snapshot.method === chosen) {
    return { version: snapshot.version, method: chosen, aggregate: snapshotView(snapshot) };
  }
  // Version first, then forecasts: a write landing in between makes the entry look older than its
  // forecasts, which only costs the writer a reload; the other order could pass stale data as current.
  const scenarioCount = question._count.scenarios;
  const entry = { version: question.aggregateVersion, scenarioCount, aggregator: await loadAggregator(db, questionId, scenarioCount) };
  // The writer may have moved on while this loaded; never replace a newer entry with an older one.
  const latest = cache.get(questionId);
  if (!latest || latest.version < entry.version) cache.set(questionId, entry);
  return { version: entry.version, method: chosen, aggregate: viewOf(chosen, entry.aggregator.aggregate(chosen)) };
}

function snapshotView(row: { method: string; centers: string; lower: string; upper: string; count: number }): AggregateView {
  return {
    method: aggregationMethodSchema.parse(row.method),
    centers: parseProbabilityVector(row.centers),
    lower: parseProbabilityVector(row.lower),
    upper: parseProbabilityVector(row.upper),
    count: row.count,
  };
}

export interface AggregateHistoryPoint {
  version: number;
  at: Date;
  method: AggregationMethod;
  centers: number[];
  lower: number[];
  upper: number[];
  count: number;
}

/**
 * Stored snapshots, oldest first. Versions are consecutive (one per group commit), so a long
 * history is thinned by picking evenly spaced versions, always keeping the newest ones whole.
 */
export async function listAggregateHistory(
  questionId: string,
  options: { maxPoints?: number; since?: Date } = {},
  db: Db = getDb(),
): Promise<AggregateHistoryPoint[]> {
  const maxPoints = options.maxPoints ?? Infinity;
  const where = { questionId, ...(options.since ? { createdAt: { gte: options.since } } : {}) };
  let versionFilter: { in: number[] } | undefined;
  if (Number.isFinite(maxPoints)) {
    const [first, last] = await Promise.all([
      db.aggregateSnapshot.findFirst({ where, orderBy: { version: "asc" }, select: { version: true } }),
      db.aggregateSnapshot.findFirst({ where, orderBy: { version: "desc" }, select: { version: true } }),
    ]);
    if (!first || !last) return [];
    const span = last.version - first.version + 1;
    if (span > maxPoints) versionFilter = { in: evenlySpacedVersions(first.version, last.version, maxPoints) };
  }
  const rows = await db.aggregateSnapshot.findMany({
    where: { ...where, ...(versionFilter ? { version: versionFilter } : {}) },
    orderBy: { version: "asc" },
  });
  return rows.map((row) => ({ version: row.version, at: row.createdAt, ...snapshotView(row) }));
}

export function evenlySpacedVersions(first: number, last: number, maxPoints: number): number[] {
  const newestKept = Math.min(Math.floor(maxPoints / 5), last - first + 1);
  const spaced = maxPoints - newestKept;
  const versions = new Set<number>();
  const olderEnd = last - newestKept;
  for (let index = 0; index < spaced && olderEnd >= first; index++) {
    versions.add(first + Math.round(((olderEnd - first) * index) / Math.max(1, spaced - 1)));
  }
  for (let version = olderEnd + 1; version <= last; version++) versions.add(version);
  return [...versions].sort((a, b) => a - b);
}

/** When the crowd last moved (the newest snapshot), or null before the first forecast. */
export async function latestAggregateAt(questionId: string, db: Db = getDb()): Promise<Date | null> {
  const latest = await db.aggregateSnapshot.findFirst({ where: { questionId }, orderBy: { version: "desc" }, select: { createdAt: true } });
  return latest?.createdAt ?? null;
}
