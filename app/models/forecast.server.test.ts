// The forecast writer against real databases: SQLite (this file's own copy) and, when
// TEST_POSTGRES_URL is set, the run's PostgreSQL database, which other test files share — so
// every test makes its own article, question and users.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDb, getDb, type Db } from "~/db.server";
import { aggregateForecasts } from "~/domain/aggregation";
import { makeScenarioQuestion } from "../../test/model-questions";
import { postgresSkipReason } from "../../test/test-database";
import { getCurrentAggregate, listAggregateHistory, listChartHistory } from "./aggregate.server";
import { ForecastWriter, ForecastWriteError, forecastWriterFor, listUserForecasts, saveForecast, withdrawForecast } from "./forecast.server";

const unique = () => randomBytes(5).toString("hex");

const makeQuestion = async (db: Db, options: { scenarios?: number; status?: string; closesAt?: Date } = {}) => (await makeScenarioQuestion(db, options)).question;

async function makeUsers(db: Db, count: number) {
  const tag = unique();
  const data = Array.from({ length: count }, (_, index) => ({
    id: `u_${tag}_${String(index).padStart(4, "0")}`,
    username: `reader_${tag}_${index}`,
    email: `reader_${tag}_${index}@example.com`,
    passwordHash: "x",
  }));
  await db.user.createMany({ data });
  return data.map((user) => user.id);
}

const countRows = (db: Db, questionId: string) =>
  Promise.all([db.forecast.count({ where: { questionId } }), db.aggregateSnapshot.count({ where: { questionId } }), db.question.findUniqueOrThrow({ where: { id: questionId } })]).then(
    ([forecasts, snapshots, question]) => ({ forecasts, snapshots, version: question.aggregateVersion }),
  );

function describeWriter(name: string, dbOf: () => Db, secondClientOf: () => Db) {
  describe(`the forecast writer on ${name}`, () => {
    it("stores a first forecast, bumps the version to 1 and snapshots the aggregate in the same commit", async () => {
      const db = dbOf();
      const question = await makeQuestion(db);
      const [userId] = await makeUsers(db, 1);
      const outcome = await saveForecast({ questionId: question.id, userId: userId!, probabilities: [0.6, 0.3, 0.1], rationale: "because" }, db);
      expect(outcome).toMatchObject({ ok: true, version: 1, aggregate: { count: 1, method: "recency_weighted_median" } });
      if (!outcome.ok) return;
      expect(outcome.aggregate.centers).toEqual(aggregateForecasts([[0.6, 0.3, 0.1]], "recency_weighted_median").centers);
      expect(await countRows(db, question.id)).toEqual({ forecasts: 1, snapshots: 1, version: 1 });
      const [snapshot] = await listAggregateHistory(question.id, {}, db);
      expect(snapshot).toMatchObject({ version: 1, count: 1, centers: outcome.aggregate.centers });
    });

    it("keeps the history of an update and counts the forecaster once", async () => {
      const db = dbOf();
      const question = await makeQuestion(db);
      const [userId] = await makeUsers(db, 1);
      await saveForecast({ questionId: question.id, userId: userId!, probabilities: [0.6, 0.3, 0.1], rationale: null }, db);
      const second = await saveForecast({ questionId: question.id, userId: userId!, probabilities: [0.5, 0.3, 0.2], rationale: null }, db);
      expect(second).toMatchObject({ ok: true, version: 2, aggregate: { count: 1 } });
      const history = await listUserForecasts(question.id, userId!, db);
      expect(history.map((forecast) => forecast.probabilities)).toEqual([
        [0.6, 0.3, 0.1],
        [0.5, 0.3, 0.2],
      ]);
      const current = await db.forecast.findMany({ where: { questionId: question.id, supersededAt: null, withdrawnAt: null } });
      expect(current.map((forecast) => forecast.probabilities)).toEqual([JSON.stringify([0.5, 0.3, 0.2])]);
    });

    it("takes a withdrawn forecast out of the aggregate, and refuses a second withdrawal without writing anything", async () => {
      const db = dbOf();
      const question = await makeQuestion(db, { scenarios: 2 });
      const [alice, bob] = await makeUsers(db, 2);
      await saveForecast({ questionId: question.id, userId: alice!, probabilities: [0.2, 0.8], rationale: null }, db);
      await saveForecast({ questionId: question.id, userId: bob!, probabilities: [0.4, 0.6], rationale: null }, db);
      const withdrawn = await withdrawForecast({ questionId: question.id, userId: alice! }, db);
      expect(withdrawn).toMatchObject({ ok: true, version: 3, aggregate: { count: 1 } });
      if (withdrawn.ok) expect(withdrawn.aggregate.centers).toEqual(aggregateForecasts([[0.4, 0.6]], "recency_weighted_median").centers);
      const before = await countRows(db, question.id);
      expect(await withdrawForecast({ questionId: question.id, userId: alice! }, db)).toMatchObject({ ok: false, code: "nothing_to_withdraw" });
      expect(await countRows(db, question.id)).toEqual(before);
    });

    it("reads back the history of a crowd whose only forecast was withdrawn (a crowd of nobody)", async () => {
      const db = dbOf();
      const question = await makeQuestion(db, { scenarios: 2 });
      const [alice] = await makeUsers(db, 1);
      await saveForecast({ questionId: question.id, userId: alice!, probabilities: [0.2, 0.8], rationale: null }, db);
      expect(await withdrawForecast({ questionId: question.id, userId: alice! }, db)).toMatchObject({ ok: true, aggregate: { count: 0 } });
      const history = await listAggregateHistory(question.id, {}, db);
      expect(history.map(({ count, centers }) => ({ count, centers }))).toEqual([
        { count: 1, centers: [0.2, 0.8] },
        { count: 0, centers: [] },
      ]);
    });

    it("keeps the chart's history per version: later saves neither change it nor reach it, and the next version reads anew", async () => {
      const db = dbOf();
      const question = await makeQuestion(db, { scenarios: 2 });
      const [alice, bob] = await makeUsers(db, 2);
      await saveForecast({ questionId: question.id, userId: alice!, probabilities: [0.2, 0.8], rationale: null }, db);
      await saveForecast({ questionId: question.id, userId: bob!, probabilities: [0.4, 0.6], rationale: null }, db);
      const atTwo = await listChartHistory(question.id, 2, 400, db);
      expect(atTwo.map((point) => point.version)).toEqual([1, 2]);
      // A save lands while readers still hold version 2: their history must stay what version 2 was.
      await saveForecast({ questionId: question.id, userId: alice!, probabilities: [0.9, 0.1], rationale: null }, db);
      expect(await listChartHistory(question.id, 2, 400, db)).toBe(atTwo);
      const atThree = await listChartHistory(question.id, 3, 400, db);
      expect(atThree).toEqual(await listAggregateHistory(question.id, {}, db));
      expect(atThree.map((point) => point.version)).toEqual([1, 2, 3]);
    });

    it("refuses forecasts on closed questions and with the wrong number of scenarios, writing nothing", async () => {
      const db = dbOf();
      const closed = await makeQuestion(db, { status: "closed" });
      const expired = await makeQuestion(db, { closesAt: new Date(Date.now() - 1_000) });
      const open = await makeQuestion(db);
      const [userId] = await makeUsers(db, 1);
      for (const question of [closed, expired]) {
        expect(await saveForecast({ questionId: question.id, userId: userId!, probabilities: [0.6, 0.3, 0.1], rationale: null }, db)).toMatchObject({
          ok: false,
          code: "question_closed",
        });
        expect(await countRows(db, question.id)).toEqual({ forecasts: 0, snapshots: 0, version: 0 });
      }
      expect(await saveForecast({ questionId: open.id, userId: userId!, probabilities: [0.5, 0.5], rationale: null }, db)).toMatchObject({
        ok: false,
        code: "wrong_scenario_count",
      });
      expect(await saveForecast({ questionId: "no-such-question", userId: userId!, probabilities: [0.5, 0.5], rationale: null }, db)).toMatchObject({
        ok: false,
        code: "question_not_found",
      });
      expect(await countRows(db, open.id)).toEqual({ forecasts: 0, snapshots: 0, version: 0 });
    });

    it("writes a burst in few transactions, with consecutive versions and the exact aggregate of every forecast in order", async () => {
      const db = dbOf();
      const question = await makeQuestion(db);
      const users = await makeUsers(db, 300);
      const writer = new ForecastWriter(db);
      const vectors = users.map((_, index) => {
        const a = ((index * 37) % 90) / 100 + 0.05;
        const b = (1 - a) * (((index * 13) % 10) / 10);
        return [a, b, 1 - a - b];
      });
      const outcomes = await Promise.all(
        users.map((userId, index) => writer.submit({ kind: "save", questionId: question.id, userId, probabilities: vectors[index]!, rationale: null })),
      );
      expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
      expect(writer.stats.operations).toBe(300);
      // The first forecast goes alone (nothing to wait for); the rest queue behind it.
      expect(writer.stats.transactions).toBeLessThan(30);
      const rows = await countRows(db, question.id);
      expect(rows).toEqual({ forecasts: 300, snapshots: writer.stats.transactions, version: writer.stats.transactions });
      const versions = (await listAggregateHistory(question.id, {}, db)).map((point) => point.version);
      expect(versions).toEqual(Array.from({ length: versions.length }, (_, index) => index + 1));
      const expected = aggregateForecasts(vectors, "recency_weighted_median");
      const last = outcomes.at(-1)!;
      expect(last.ok && last.aggregate.count).toBe(300);
      if (last.ok) last.aggregate.centers.forEach((center, index) => expect(center).toBeCloseTo(expected.centers[index]!, 12));
    });

    it("lets only the later of two saves by one reader in one transaction stay current", async () => {
      const db = dbOf();
      const question = await makeQuestion(db, { scenarios: 2 });
      const [userId] = await makeUsers(db, 1);
      const writer = new ForecastWriter(db);
      const [first, second] = await Promise.all([
        writer.submit({ kind: "save", questionId: question.id, userId: userId!, probabilities: [0.9, 0.1], rationale: null }),
        writer.submit({ kind: "save", questionId: question.id, userId: userId!, probabilities: [0.3, 0.7], rationale: null }),
      ]);
      expect(first.ok && second.ok).toBe(true);
      const current = await db.forecast.findMany({ where: { questionId: question.id, supersededAt: null, withdrawnAt: null } });
      expect(current.map((forecast) => forecast.probabilities)).toEqual([JSON.stringify([0.3, 0.7])]);
      if (second.ok) expect(second.aggregate).toMatchObject({ count: 1, centers: aggregateForecasts([[0.3, 0.7]], "recency_weighted_median").centers });
    });

    it("fails only the operation the database refuses, not its neighbours in the batch", async () => {
      const db = dbOf();
      const question = await makeQuestion(db, { scenarios: 2 });
      const [userId] = await makeUsers(db, 1);
      const writer = new ForecastWriter(db);
      const [good, ghost] = await Promise.allSettled([
        writer.submit({ kind: "save", questionId: question.id, userId: userId!, probabilities: [0.5, 0.5], rationale: null }),
        writer.submit({ kind: "save", questionId: question.id, userId: "no-such-user", probabilities: [0.5, 0.5], rationale: null }),
        writer.submit({ kind: "save", questionId: question.id, userId: "no-such-user", probabilities: [0.4, 0.6], rationale: null }),
      ]);
      expect(good.status).toBe("fulfilled");
      expect(ghost.status).toBe("rejected");
      if (ghost.status === "rejected") expect(ghost.reason).toBeInstanceOf(ForecastWriteError);
      const current = await db.forecast.findMany({ where: { questionId: question.id } });
      expect(current.map((forecast) => forecast.userId)).toEqual([userId]);
      const aggregate = await getCurrentAggregate(question.id, undefined, db);
      expect(aggregate?.aggregate.count).toBe(1);
    });

    it("notices another instance's writes by the version and reloads before applying its own", async () => {
      const db = dbOf();
      const other = secondClientOf();
      const question = await makeQuestion(db, { scenarios: 2 });
      const [alice, bob, carol] = await makeUsers(db, 3);
      await saveForecast({ questionId: question.id, userId: alice!, probabilities: [0.2, 0.8], rationale: null }, db);
      await saveForecast({ questionId: question.id, userId: bob!, probabilities: [0.3, 0.7], rationale: null }, other);
      const third = await saveForecast({ questionId: question.id, userId: carol!, probabilities: [0.4, 0.6], rationale: null }, db);
      expect(third).toMatchObject({ ok: true, version: 3, aggregate: { count: 3 } });
      if (third.ok) {
        const expected = aggregateForecasts([[0.2, 0.8], [0.3, 0.7], [0.4, 0.6]], "recency_weighted_median");
        expect(third.aggregate.centers).toEqual(expected.centers);
        expect(third.aggregate.mean[0]).toBeCloseTo(0.3235021377, 9);
      }
      // The other instance, behind by a version, answers from the stored snapshot...
      const stored = await getCurrentAggregate(question.id, undefined, other);
      expect(stored).toMatchObject({ version: 3, method: "recency_weighted_median", aggregate: { count: 3 } });
      if (third.ok) expect(stored?.aggregate.centers).toEqual(third.aggregate.centers);
      // ...and a method it did not store makes it reload, in the order the writer saw.
      const reloaded = await getCurrentAggregate(question.id, "mean", other);
      expect(reloaded?.version).toBe(3);
      if (third.ok) reloaded?.aggregate.centers.forEach((value, index) => expect(value).toBeCloseTo(aggregateForecasts([[0.2, 0.8], [0.3, 0.7], [0.4, 0.6]], "mean").centers[index]!, 12));
      const recencyAfterReload = await getCurrentAggregate(question.id, "recency_weighted_median", other);
      if (third.ok) recencyAfterReload?.aggregate.centers.forEach((value, index) => expect(value).toBeCloseTo(third.aggregate.centers[index]!, 12));
    });

    it("uses one writer per database client", () => {
      const db = dbOf();
      expect(forecastWriterFor(db)).toBe(forecastWriterFor(db));
      expect(forecastWriterFor(db)).not.toBe(forecastWriterFor(secondClientOf()));
    });
  });
}

const extraClients: Db[] = [];
afterAll(async () => {
  await Promise.all(extraClients.map((client) => client.$disconnect()));
});
const secondClient = (url: string) => () => {
  const client = createDb(url);
  extraClients.push(client);
  return client;
};

describeWriter("SQLite", () => getDb(), () => secondClient(process.env.DATABASE_URL as string)());

describe.skipIf(postgresSkipReason())("PostgreSQL", () => {
  let postgres: Db;
  beforeAll(() => {
    postgres = createDb(inject("postgresUrl") as string);
    extraClients.push(postgres);
  });
  describeWriter("PostgreSQL", () => postgres, () => secondClient(inject("postgresUrl") as string)());
});
