import { getDb, Prisma, type Db } from "~/db.server";
import type { AggregateResult, AggregationMethod } from "~/domain/aggregation";
import { parseProbabilityVector } from "~/domain/probability-vector";
import { aggregationMethodSchema } from "~/realtime/contract";
import { liveAggregatesOf, loadAggregator, type LiveAggregate } from "./aggregate.server";
import { nextForecastId } from "./forecast-ids";

/**
 * The only writer of forecasts. Saves and withdrawals queue here and are written by group commit:
 * whatever arrives while a transaction is running goes into the next one, so a lone forecast is
 * written at once and a burst shares one transaction (one fsync, one version bump and one
 * aggregate snapshot per question). Each caller's promise settles only after its transaction has
 * committed: an acknowledged forecast is durable.
 */

export type ForecastOperation =
  | { kind: "save"; questionId: string; userId: string; probabilities: number[]; rationale: string | null }
  | { kind: "withdraw"; questionId: string; userId: string };

export type ForecastRefusal = "question_not_found" | "question_closed" | "wrong_scenario_count" | "nothing_to_withdraw";

export type ForecastOutcome =
  | {
      ok: true;
      forecastId: string | null;
      at: Date;
      questionId: string;
      version: number;
      aggregate: AggregateResult & { method: AggregationMethod };
      /** Saves and withdrawals of this question in the same commit, this one included. */
      changes: number;
      revealCrowd: "always" | "after_forecast";
    }
  | { ok: false; code: ForecastRefusal; message: string };

const REFUSALS: Record<ForecastRefusal, string> = {
  question_not_found: "This question does not exist (any more).",
  question_closed: "This question is closed for forecasting.",
  wrong_scenario_count: "This forecast does not match the question's scenarios; reload the page and try again.",
  nothing_to_withdraw: "You have no current forecast on this question to withdraw.",
};
const refuse = (code: ForecastRefusal): ForecastOutcome => ({ ok: false, code, message: REFUSALS[code] });

/** A group commit could not be written (the database refused or is down); nothing of it was stored. */
export class ForecastWriteError extends Error {}

/** Rolls a batch back to run it again, when a question's scenarios changed while it was being written. */
class ScenariosChangedError extends Error {}
const MAX_ATTEMPTS = 3;

interface Pending {
  operation: ForecastOperation;
  resolve(outcome: ForecastOutcome): void;
  reject(error: Error): void;
}

// Large enough to absorb a burst, small enough to keep one transaction (and the libSQL adapter's
// connection lock, which every other query waits for) short.
const MAX_BATCH = 256;

export class ForecastWriter {
  private queue: Pending[] = [];
  private writing = false;
  /** Transactions committed, and operations they carried: the group-commit ratio, for benchmarks. */
  readonly stats = { transactions: 0, operations: 0 };

  constructor(private readonly db: Db) {}

  submit(operation: ForecastOperation): Promise<ForecastOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ operation, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain() {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        // libSQL answers synchronously, so a transaction runs start to end in microtasks and no
        // request that arrived meanwhile gets to queue here; one turn of the event loop lets them
        // (a lone forecast waits microseconds, not a timer).
        await new Promise((resolve) => setImmediate(resolve));
        // Filled only once the transaction has begun: on SQLite every query of the process waits
        // for the same connection, so whatever queued here meanwhile joins this transaction
        // instead of waiting for the next one.
        const batch: Pending[] = [];
        try {
          await this.writeBatchWithRetries(batch, () => this.queue.splice(0, MAX_BATCH));
        } catch (error) {
          if (batch.length === 0) {
            // The transaction never began (the database is unreachable): nothing to retry alone.
            for (const pending of this.queue.splice(0, MAX_BATCH)) pending.reject(asWriteError(error));
          } else if (batch.length === 1) {
            batch[0]!.reject(asWriteError(error));
          } else {
            // One bad operation (say, a user deleted a moment ago) must not sink its neighbours:
            // retry each alone, so only the one that fails again is refused.
            for (const pending of batch) await this.writeBatchWithRetries([pending]).catch((retryError) => pending.reject(asWriteError(retryError)));
          }
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async writeBatchWithRetries(batch: Pending[], take?: () => Pending[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.writeBatch(batch, take);
      } catch (error) {
        if (!(error instanceof ScenariosChangedError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Refuses, before anything is written, the withdrawals that would find no current forecast
   * (counting this batch's own saves and withdrawals in order), so that a refused withdrawal
   * leaves no trace: no version bump, no snapshot.
   */
  private async withoutEmptyWithdrawals(
    tx: Pick<Db, "forecast">,
    questionId: string,
    group: Pending[],
    outcomes: Map<Pending, ForecastOutcome>,
  ): Promise<Pending[]> {
    const withdrawing = group.filter((pending) => pending.operation.kind === "withdraw").map((pending) => pending.operation.userId);
    if (withdrawing.length === 0) return group;
    const rows = await tx.forecast.findMany({
      where: { questionId, userId: { in: [...new Set(withdrawing)] }, supersededAt: null, withdrawnAt: null },
      select: { userId: true },
    });
    const hasCurrent = new Set(rows.map((row) => row.userId));
    return group.filter((pending) => {
      const { operation } = pending;
      if (operation.kind === "save") {
        hasCurrent.add(operation.userId);
        return true;
      }
      if (!hasCurrent.delete(operation.userId)) {
        outcomes.set(pending, refuse("nothing_to_withdraw"));
        return false;
      }
      return true;
    });
  }

  /** Writes `batch` in one transaction; an empty batch is first filled by `take`, once the transaction has begun. */
  private async writeBatch(batch: Pending[], take?: () => Pending[]): Promise<void> {
    let now = new Date();
    const cache = liveAggregatesOf(this.db);
    const touched = new Map<string, LiveAggregate>();
    const outcomes = new Map<Pending, ForecastOutcome>();
    try {
      await this.db.$transaction(
        async (tx) => {
          if (batch.length === 0 && take) {
            batch.push(...take());
            now = new Date();
          }
          const questionIds = [...new Set(batch.map((pending) => pending.operation.questionId))];
          const questions = await tx.question.findMany({
            where: { id: { in: questionIds } },
            select: { id: true, status: true, closesAt: true, aggregationMethod: true, revealCrowd: true, _count: { select: { scenarios: true } } },
          });
          const byId = new Map(questions.map((question) => [question.id, question]));
          const groups = new Map<string, Pending[]>();
          for (const pending of batch) {
            const { operation } = pending;
            const question = byId.get(operation.questionId);
            if (!question) outcomes.set(pending, refuse("question_not_found"));
            else if (question.status !== "open" || (question.closesAt && question.closesAt <= now)) outcomes.set(pending, refuse("question_closed"));
            else if (operation.kind === "save" && operation.probabilities.length !== question._count.scenarios) outcomes.set(pending, refuse("wrong_scenario_count"));
            else groups.set(question.id, [...(groups.get(question.id) ?? []), pending]);
          }

          for (const [questionId, candidates] of groups) {
            const group = await this.withoutEmptyWithdrawals(tx, questionId, candidates, outcomes);
            if (group.length === 0) continue;
            const question = byId.get(questionId)!;
            const scenarioCount = question._count.scenarios;
            // The increment also takes the question's row lock (PostgreSQL), so two instances
            // writing the same question take turns and their versions never collide.
            const locked = await tx.question.update({
              where: { id: questionId },
              data: { aggregateVersion: { increment: 1 } },
              select: { aggregateVersion: true, _count: { select: { scenarios: true } } },
            });
            // An author added a scenario between the first look and the lock: start the batch again.
            if (locked._count.scenarios !== scenarioCount) throw new ScenariosChangedError();
            const version = locked.aggregateVersion;
            let live = cache.get(questionId);
            if (!live || live.version !== version - 1 || live.scenarioCount !== scenarioCount) {
              live = { version: version - 1, scenarioCount, aggregator: await loadAggregator(tx, questionId, scenarioCount) };
            }
            touched.set(questionId, live);
            const { aggregator } = live;

            const creates: ForecastRow[] = [];
            const createdInBatch = new Map<string, (typeof creates)[number]>();
            const closeInDb = { superseded: new Set<string>(), withdrawn: new Set<string>() };
            const successes: { pending: Pending; forecastId: string | null }[] = [];
            for (const pending of group) {
              const { operation } = pending;
              const earlier = createdInBatch.get(operation.userId);
              if (operation.kind === "save") {
                if (earlier && !earlier.withdrawnAt) earlier.supersededAt = now;
                else if (!earlier) closeInDb.superseded.add(operation.userId);
                const row = {
                  id: nextForecastId(now.getTime()),
                  questionId,
                  userId: operation.userId,
                  probabilities: JSON.stringify(operation.probabilities),
                  rationale: operation.rationale,
                  createdAt: now,
                };
                creates.push(row);
                createdInBatch.set(operation.userId, row);
                aggregator.upsert(operation.userId, operation.probabilities);
                successes.push({ pending, forecastId: row.id });
              } else {
                if (earlier) earlier.withdrawnAt = now;
                else closeInDb.withdrawn.add(operation.userId);
                aggregator.remove(operation.userId);
                successes.push({ pending, forecastId: null });
              }
            }

            // Closing old rows first keeps the new ones, not yet inserted, out of these updates.
            // Plain SQL (the same text on SQLite and PostgreSQL): Prisma's createMany spent
            // ~90 µs a row compiling and mapping, four times the database's own work.
            if (closeInDb.superseded.size > 0) await tx.$executeRaw(closeCurrentForecasts(questionId, closeInDb.superseded, "supersededAt", now));
            if (closeInDb.withdrawn.size > 0) await tx.$executeRaw(closeCurrentForecasts(questionId, closeInDb.withdrawn, "withdrawnAt", now));
            if (creates.length > 0) await tx.$executeRaw(insertForecasts(creates));

            const method = aggregationMethodSchema.catch("recency_weighted_median").parse(question.aggregationMethod);
            const result = aggregator.aggregate(method);
            await tx.aggregateSnapshot.create({
              data: {
                questionId,
                version,
                method,
                centers: JSON.stringify(result.centers),
                lower: JSON.stringify(result.lower),
                upper: JSON.stringify(result.upper),
                count: result.count,
                createdAt: now,
              },
            });
            live.version = version;
            const revealCrowd = question.revealCrowd === "after_forecast" ? "after_forecast" : "always";
            for (const { pending, forecastId } of successes) {
              outcomes.set(pending, { ok: true, forecastId, at: now, questionId, version, aggregate: { method, ...result }, changes: successes.length, revealCrowd });
            }
          }
        },
        { maxWait: 10_000, timeout: 20_000 },
      );
    } catch (error) {
      // The in-memory aggregates already took this batch's changes; the database did not.
      for (const questionId of touched.keys()) cache.delete(questionId);
      throw error;
    }
    for (const [questionId, live] of touched) {
      const cached = cache.get(questionId);
      if (!cached || cached.version < live.version || cached === live) cache.set(questionId, live);
    }
    this.stats.transactions += 1;
    this.stats.operations += batch.length;
    for (const pending of batch) pending.resolve(outcomes.get(pending)!);
  }
}

type ForecastRow = { id: string; questionId: string; userId: string; probabilities: string; rationale: string | null; createdAt: Date; supersededAt?: Date; withdrawnAt?: Date };

function closeCurrentForecasts(questionId: string, userIds: ReadonlySet<string>, column: "supersededAt" | "withdrawnAt", at: Date): Prisma.Sql {
  return Prisma.sql`UPDATE "Forecast" SET ${Prisma.raw(`"${column}"`)} = ${at}
    WHERE "questionId" = ${questionId} AND "supersededAt" IS NULL AND "withdrawnAt" IS NULL AND "userId" IN (${Prisma.join([...userIds])})`;
}

function insertForecasts(rows: readonly ForecastRow[]): Prisma.Sql {
  const values = rows.map(
    (row) => Prisma.sql`(${row.id}, ${row.questionId}, ${row.userId}, ${row.probabilities}, ${row.rationale}, ${row.createdAt}, ${row.supersededAt ?? null}, ${row.withdrawnAt ?? null})`,
  );
  return Prisma.sql`INSERT INTO "Forecast" ("id", "questionId", "userId", "probabilities", "rationale", "createdAt", "supersededAt", "withdrawnAt") VALUES ${Prisma.join(values)}`;
}

function asWriteError(error: unknown): ForecastWriteError {
  if (error instanceof ForecastWriteError) return error;
  const writeError = new ForecastWriteError(`The forecast could not be stored: ${(error as Error).message}`);
  writeError.cause = error;
  return writeError;
}

const writers = new WeakMap<Db, ForecastWriter>();

/** One writer per database client: on SQLite it is the process's only writer of forecasts. */
export function forecastWriterFor(db: Db = getDb()): ForecastWriter {
  let writer = writers.get(db);
  if (!writer) {
    writer = new ForecastWriter(db);
    writers.set(db, writer);
  }
  return writer;
}

export function saveForecast(input: Omit<Extract<ForecastOperation, { kind: "save" }>, "kind">, db: Db = getDb()) {
  return forecastWriterFor(db).submit({ kind: "save", ...input });
}

export function withdrawForecast(input: Omit<Extract<ForecastOperation, { kind: "withdraw" }>, "kind">, db: Db = getDb()) {
  return forecastWriterFor(db).submit({ kind: "withdraw", ...input });
}

export interface ViewerForecast {
  id: string;
  at: Date;
  probabilities: number[];
  rationale: string | null;
  /** Set on the newest forecast once it was withdrawn. */
  withdrawnAt: Date | null;
}

/** A user's forecasts on a question, oldest first (their history is public to themselves). */
export async function listUserForecasts(questionId: string, userId: string, db: Db = getDb()): Promise<ViewerForecast[]> {
  return (await listUserForecastsOf([questionId], userId, db)).get(questionId) ?? [];
}

/** The same for several questions in one query. */
export async function listUserForecastsOf(questionIds: readonly string[], userId: string, db: Db = getDb()): Promise<Map<string, ViewerForecast[]>> {
  const rows = await db.forecast.findMany({
    where: { questionId: { in: [...questionIds] }, userId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { id: true, questionId: true, createdAt: true, probabilities: true, rationale: true, withdrawnAt: true },
  });
  const byQuestion = new Map<string, ViewerForecast[]>(questionIds.map((id) => [id, []]));
  for (const row of rows) {
    byQuestion.get(row.questionId)?.push({
      id: row.id,
      at: row.createdAt,
      probabilities: parseProbabilityVector(row.probabilities),
      rationale: row.rationale,
      withdrawnAt: row.withdrawnAt,
    });
  }
  return byQuestion;
}

/** Whether `userId` has ever forecast `questionId`; a withdrawn forecast counts (they have seen the crowd). */
export async function hasForecastOn(questionId: string, userId: string, db: Db = getDb()): Promise<boolean> {
  return (await db.forecast.findFirst({ where: { questionId, userId }, select: { id: true } })) !== null;
}

/** Those of `userIds` who have ever forecast `questionId`, in one query. */
export async function forecastersAmong(questionId: string, userIds: readonly string[], db: Db = getDb()): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await db.forecast.findMany({
    where: { questionId, userId: { in: [...new Set(userIds)] } },
    distinct: ["userId"],
    select: { userId: true },
  });
  return new Set(rows.map((row) => row.userId).filter((id): id is string => id !== null));
}
