import { describe, expect, it } from "vitest";
import { AGGREGATION_METHODS, AggregationInputError, aggregateForecasts } from "./aggregation";
import { IncrementalAggregator } from "./incremental-aggregation";
import { mulberry32 } from "../../test/seeded-random";


/** `coarseShare` of the forecasts from a few whole-number shares: many equal values, exact ties. */
function randomForecast(random: () => number, scenarioCount: number, coarseShare: number): number[] {
  const coarse = random() < coarseShare;
  const raw = Array.from({ length: scenarioCount }, () => (coarse ? Math.floor(random() * 4) : random()));
  if (!raw.some((value) => value > 0)) raw[0] = 1;
  const sum = raw.reduce((total, value) => total + value, 0);
  return raw.map((value) => value / sum);
}

/** The reference: the crowd as a plain list, oldest first, aggregated from scratch. */
class Crowd {
  readonly order: { key: string; probabilities: number[] }[] = [];

  upsert(key: string, probabilities: number[]) {
    this.remove(key);
    this.order.push({ key, probabilities });
  }

  remove(key: string): boolean {
    const place = this.order.findIndex((entry) => entry.key === key);
    if (place >= 0) this.order.splice(place, 1);
    return place >= 0;
  }
}

function crowdOf(entries: [string, number[]][]): Crowd {
  const crowd = new Crowd();
  for (const [key, probabilities] of entries) crowd.upsert(key, probabilities);
  return crowd;
}

function expectSameAggregates(aggregator: IncrementalAggregator, crowd: Crowd, context: string) {
  expect(aggregator.count, context).toBe(crowd.order.length);
  const forecasts = crowd.order.map((entry) => entry.probabilities);
  for (const method of AGGREGATION_METHODS) {
    const actual = aggregator.aggregate(method);
    const expected = aggregateForecasts(forecasts, method);
    expect(actual.count, `${context} ${method}`).toBe(expected.count);
    for (const field of ["centers", "lower", "upper", "mean"] as const) {
      expect(actual[field], `${context} ${method} ${field}`).toHaveLength(expected[field].length);
      actual[field].forEach((value, scenario) => {
        const difference = Math.abs(value - expected[field][scenario]!);
        if (difference > 1e-12) expect.fail(`${context} ${method} ${field}[${scenario}]: ${value} vs ${expected[field][scenario]}`);
      });
    }
  }
}

type Operation = "join" | "update newest" | "update recent" | "update any" | "update oldest" | "withdraw any" | "withdraw oldest" | "withdraw newest";

/** Applies `steps` random operations to both, comparing every `checkEvery` steps and at small sizes. */
function runSequence(options: {
  seed: number;
  scenarioCount: number;
  steps: number;
  checkEvery: number;
  coarseShare: number;
  initial?: number;
  pick: (random: () => number, size: number, step: number) => Operation;
}) {
  const random = mulberry32(options.seed);
  const crowd = new Crowd();
  let nextKey = 0;
  const newForecast = () => randomForecast(random, options.scenarioCount, options.coarseShare);
  for (let index = 0; index < (options.initial ?? 0); index++) crowd.upsert(`f${nextKey++}`, newForecast());
  const aggregator = IncrementalAggregator.fromForecasts(
    options.scenarioCount,
    crowd.order.map(({ key, probabilities }) => ({ forecasterKey: key, probabilities })),
  );
  expectSameAggregates(aggregator, crowd, "after fromForecasts");
  for (let step = 0; step < options.steps; step++) {
    const size = crowd.order.length;
    const operation = size === 0 ? "join" : options.pick(random, size, step);
    const at = operation.endsWith("oldest")
      ? 0
      : operation.endsWith("newest")
        ? size - 1
        : operation === "update recent"
          ? Math.max(0, size - 2 - Math.floor(random() * 8))
          : Math.floor(random() * size);
    const key = operation === "join" ? `f${nextKey++}` : crowd.order[at]!.key;
    if (operation.startsWith("withdraw")) {
      expect(aggregator.remove(key)).toBe(true);
      crowd.remove(key);
    } else {
      const probabilities = newForecast();
      aggregator.upsert(key, probabilities);
      crowd.upsert(key, probabilities);
    }
    if (step % options.checkEvery === 0 || crowd.order.length <= 4) expectSameAggregates(aggregator, crowd, `step ${step} (${operation}, N=${crowd.order.length})`);
  }
  expectSameAggregates(aggregator, crowd, "at the end");
  return { aggregator, crowd };
}

const mixed = (random: () => number): Operation => {
  const roll = random();
  if (roll < 0.35) return "join";
  if (roll < 0.5) return "update newest";
  if (roll < 0.75) return "update any";
  if (roll < 0.8) return "update oldest";
  if (roll < 0.95) return "withdraw any";
  return "withdraw oldest";
};

describe("IncrementalAggregator", () => {
  it("keeps one forecast per forecaster, newest last", () => {
    const aggregator = new IncrementalAggregator(2);
    expect(aggregator.count).toBe(0);
    expect(aggregator.aggregate("median")).toEqual({ centers: [], lower: [], upper: [], mean: [], count: 0 });
    aggregator.upsert("ana", [0.2, 0.8]);
    aggregator.upsert("bo", [0.3, 0.7]);
    aggregator.upsert("cy", [0.4, 0.6]);
    aggregator.upsert("ana", [0.1, 0.9]);
    expect(aggregator.count).toBe(3);
    expect(aggregator.has("ana")).toBe(true);
    // Ana is now the newest, so she weighs most.
    expectSameAggregates(aggregator, crowdOf([["bo", [0.3, 0.7]], ["cy", [0.4, 0.6]], ["ana", [0.1, 0.9]]]), "after Ana's update");
    expect(aggregator.remove("bo")).toBe(true);
    expect(aggregator.remove("bo")).toBe(false);
    expect(aggregator.has("bo")).toBe(false);
    expectSameAggregates(aggregator, crowdOf([["cy", [0.4, 0.6]], ["ana", [0.1, 0.9]]]), "after Bo left");
    aggregator.upsert("bo", [0.5, 0.5]);
    expectSameAggregates(aggregator, crowdOf([["cy", [0.4, 0.6]], ["ana", [0.1, 0.9]], ["bo", [0.5, 0.5]]]), "after Bo came back");
  });

  it("validates like aggregateForecasts and leaves the aggregate as it was", () => {
    expect(() => new IncrementalAggregator(1)).toThrow(AggregationInputError);
    const aggregator = new IncrementalAggregator(3);
    aggregator.upsert("ana", [0.2, 0.3, 0.5]);
    const codeOf = (probabilities: number[]) => {
      try {
        aggregator.upsert("bo", probabilities);
      } catch (error) {
        return (error as AggregationInputError).code;
      }
      return "accepted";
    };
    expect(codeOf([0.5, 0.5])).toBe("wrong_length");
    expect(codeOf([Number.NaN, 0.5, 0.5])).toBe("not_a_number");
    expect(codeOf([-0.5, 1, 0.5])).toBe("negative");
    expect(codeOf([0.5, 0.5, 0.5])).toBe("bad_sum");
    expect(aggregator.count).toBe(1);
    expect(aggregator.has("bo")).toBe(false);
  });

  it("fromForecasts lets a later forecast of the same key supersede the earlier and take its place", () => {
    const aggregator = IncrementalAggregator.fromForecasts(2, [
      { forecasterKey: "ana", probabilities: [0.9, 0.1] },
      { forecasterKey: "bo", probabilities: [0.3, 0.7] },
      { forecasterKey: "cy", probabilities: [0.6, 0.4] },
      { forecasterKey: "ana", probabilities: [0.2, 0.8] },
    ]);
    expectSameAggregates(aggregator, crowdOf([["bo", [0.3, 0.7]], ["cy", [0.6, 0.4]], ["ana", [0.2, 0.8]]]), "from forecasts");
    expect(() => IncrementalAggregator.fromForecasts(2, [{ forecasterKey: "ana", probabilities: [0.9, 0.2] }])).toThrow(AggregationInputError);
  });

  it("matches the reference through growth from nobody, N ≤ 2 and back", () => {
    runSequence({ seed: 1, scenarioCount: 3, steps: 1500, checkEvery: 1, coarseShare: 0.5, pick: mixed });
    runSequence({
      seed: 2,
      scenarioCount: 2,
      steps: 400,
      checkEvery: 1,
      coarseShare: 0.8,
      pick: (random, size) => (size > 6 ? "withdraw any" : mixed(random)),
    });
  });

  it("matches the reference while the recency window is narrower than the crowd", () => {
    // Above 1 600 forecasters the oldest weigh under e^-40 of the newest and leave the window.
    const { crowd } = runSequence({ seed: 3, scenarioCount: 3, steps: 2500, checkEvery: 10, coarseShare: 0.5, initial: 4000, pick: mixed });
    expect(crowd.order.length).toBeGreaterThan(3000);
  });

  it("matches the reference when old forecasters leave and update, and as the crowd shrinks through the window edge", () => {
    runSequence({
      seed: 4,
      scenarioCount: 4,
      steps: 2600,
      checkEvery: 20,
      coarseShare: 0.3,
      initial: 2600,
      pick: (random, _size, step) => {
        if (step > 1000) return random() < 0.9 ? "withdraw any" : "update any";
        const roll = random();
        return roll < 0.4 ? "update oldest" : roll < 0.7 ? "withdraw oldest" : "join";
      },
    });
  });

  it("matches the reference on exact ties: every forecaster on a few shares", () => {
    runSequence({ seed: 5, scenarioCount: 2, steps: 1200, checkEvery: 3, coarseShare: 1, initial: 40, pick: mixed });
  });

  it("matches the reference when one of the newest few updates: only their blocks go stale", () => {
    runSequence({ seed: 6, scenarioCount: 3, steps: 300, checkEvery: 1, coarseShare: 0.3, initial: 2000, pick: () => "update recent" });
  });

  it("matches the reference as the weight scale follows √N up and down", () => {
    // Built at √N = 30; rescaled past √N = 50 on the way up and again below 30 on the way down.
    runSequence({
      seed: 7,
      scenarioCount: 3,
      steps: 3400,
      checkEvery: 4,
      coarseShare: 0.3,
      initial: 900,
      pick: (_random, _size, step) => (step < 1700 ? "join" : "withdraw newest"),
    });
  });

  it("matches the reference as the crowd empties, blocks merging on the way", () => {
    runSequence({ seed: 8, scenarioCount: 2, steps: 3000, checkEvery: 25, coarseShare: 0.5, initial: 3000, pick: () => "withdraw any" });
  });
});
