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

export interface CurrentAggregate {
  version: number;
  method: AggregationMethod;
  aggregate: AggregateView;
  /** When the newest snapshot was taken; null before the first forecast. */
  at: Date | null;
}

export async function getCurrentAggregate(questionId: string, method: AggregationMethod | undefined, db: Db = getDb()): Promise<CurrentAggregate | null> {
  return (await getCurrentAggregates([questionId], method, db)).get(questionId) ?? null;
}

/**
 * The crowd of each question at its current version, under `method` (default: the question's
 * own). From memory when this instance's aggregate is current (every method is then cheap);
 * otherwise the stored snapshot answers for the question's own method, so a page view never costs
 * a reload of every forecast — only a request for another method, on an instance whose memory is
 * behind, does. One query for all the questions, however many an article holds.
 */
export async function getCurrentAggregates(
  questionIds: readonly string[],
  method: AggregationMethod | undefined,
  db: Db = getDb(),
): Promise<Map<string, CurrentAggregate>> {
  const questions = await db.question.findMany({
    where: { id: { in: [...questionIds] } },
    select: {
      id: true,
      aggregateVersion: true,
      aggregationMethod: true,
      _count: { select: { scenarios: true } },
    },
  });
  const snapshots = await latestSnapshotsOf(db, questions);
  const cache = liveAggregatesOf(db);
  const result = new Map<string, CurrentAggregate>();
  for (const question of questions) {
    const chosen = method ?? aggregationMethodSchema.catch("recency_weighted_median").parse(question.aggregationMethod);
    const snapshot = snapshots.get(question.id);
    const at = snapshot?.createdAt ?? null;
    const cached = cache.get(question.id);
    let aggregate: AggregateView;
    if (cached && cached.version === question.aggregateVersion) {
      aggregate = viewOf(chosen, cached.aggregator.aggregate(chosen));
    } else if (question.aggregateVersion === 0) {
      aggregate = { method: chosen, centers: [], lower: [], upper: [], count: 0 };
    } else if (snapshot && snapshot.version === question.aggregateVersion && snapshot.method === chosen) {
      aggregate = snapshotView(snapshot);
    } else {
      // Version first (above), then forecasts: a write landing in between makes the entry look
      // older than its forecasts, which only costs the writer a reload; the other order could
      // pass stale data as current.
      const scenarioCount = question._count.scenarios;
      const entry = { version: question.aggregateVersion, scenarioCount, aggregator: await loadAggregator(db, question.id, scenarioCount) };
      // The writer may have moved on while this loaded; never replace a newer entry with an older one.
      const latest = cache.get(question.id);
      if (!latest || latest.version < entry.version) cache.set(question.id, entry);
      aggregate = viewOf(chosen, entry.aggregator.aggregate(chosen));
    }
    result.set(question.id, { version: question.aggregateVersion, method: chosen, aggregate, at });
  }
  return result;
}

/**
 * Each question's snapshot at its current version, by the (question, version) key. Not a nested
 * `aggregateSnapshots: { take: 1 }`: Prisma cannot limit a relation per parent in SQL, so that
 * read every snapshot the question ever had (LIMIT -1) and kept one, ~7 ms on a question with
 * 2 000 versions, on every page view and socket join.
 */
export async function latestSnapshotsOf(db: Db, questions: ReadonlyArray<{ id: string; aggregateVersion: number }>) {
  const keys = questions.filter((question) => question.aggregateVersion > 0).map((question) => ({ questionId: question.id, version: question.aggregateVersion }));
  const rows = keys.length === 0 ? [] : await db.aggregateSnapshot.findMany({ where: { OR: keys } });
  return new Map(rows.map((row) => [row.questionId, row]));
}

function snapshotView(row: { method: string; centers: string; lower: string; upper: string; count: number }): AggregateView {
  // Withdrawing the last forecast leaves a crowd of nobody, stored with empty vectors.
  const vectorOf = (stored: string) => (row.count === 0 ? [] : parseProbabilityVector(stored));
  return {
    method: aggregationMethodSchema.parse(row.method),
    centers: vectorOf(row.centers),
    lower: vectorOf(row.lower),
    upper: vectorOf(row.upper),
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
  options: { maxPoints?: number; upToVersion?: number } = {},
  db: Db = getDb(),
): Promise<AggregateHistoryPoint[]> {
  const maxPoints = options.maxPoints ?? Infinity;
  const upTo = options.upToVersion === undefined ? undefined : { lte: options.upToVersion };
  const where = { questionId, version: upTo };
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
    where: { questionId, version: versionFilter ?? upTo },
    orderBy: { version: "asc" },
  });
  return rows.map((row) => ({ version: row.version, at: row.createdAt, ...snapshotView(row) }));
}

/** Thinned histories per (question, version, points): a dozen per question covers the versions readers still hold. */
const CHART_HISTORIES_MAX = 200;
const chartHistoriesByDb = new WeakMap<Db, Map<string, AggregateHistoryPoint[]>>();

/**
 * The history a chart draws, up to and including `version`: stored snapshots never change, so the
 * answer for one version is the same for every reader and is kept (a signed-in question page read
 * ~600 rows for it on every view, the largest share of its database time). Callers must not
 * mutate the points they get.
 */
export async function listChartHistory(questionId: string, version: number, maxPoints: number, db: Db = getDb()): Promise<readonly AggregateHistoryPoint[]> {
  let cache = chartHistoriesByDb.get(db);
  if (!cache) chartHistoriesByDb.set(db, (cache = new Map()));
  const key = `${questionId}:${version}:${maxPoints}`;
  const kept = cache.get(key);
  if (kept) return kept;
  const history = await listAggregateHistory(questionId, { maxPoints, upToVersion: version }, db);
  if (cache.size >= CHART_HISTORIES_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(key, history);
  return history;
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
