import { describe, expect, it } from "vitest";
import {
  AGGREGATION_METHODS,
  type AggregateResult,
  AggregationInputError,
  type AggregationMethod,
  DEFAULT_AGGREGATION_METHOD,
  aggregateForecasts,
  weightedQuantiles,
} from "./aggregation";
import { mulberry32 } from "../../test/seeded-random";


/** Half of the forecasts from a few whole-number shares, so that equal values and exact ties are common. */
function randomForecast(random: () => number, scenarioCount: number): number[] {
  const coarse = random() < 0.5;
  const raw = Array.from({ length: scenarioCount }, () => (coarse ? Math.floor(random() * 4) : random()));
  if (!raw.some((value) => value > 0)) raw[0] = 1;
  const sum = raw.reduce((total, value) => total + value, 0);
  return raw.map((value) => value / sum);
}

function expectClose(actual: number[], expected: number[], digits = 10) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, index) => expect(value).toBeCloseTo(expected[index]!, digits));
}

const recencyWeights = (count: number) => Array.from({ length: count }, (_, index) => (count <= 2 ? 1 : Math.exp(Math.sqrt(index + 1) - Math.sqrt(count))));
const methodWeights = (method: AggregationMethod, count: number) =>
  method === "recency_weighted_median" || method === "geometric_mean_of_odds" ? recencyWeights(count) : Array<number>(count).fill(1);

/** The definition, literally: sort, accumulate, find the first to reach and the first to exceed. */
function quantileByDefinition(values: number[], weights: number[], q: number): number {
  const order = values.map((_, index) => index).sort((a, b) => values[a]! - values[b]!);
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  let cumulative = 0;
  let reached: number | undefined;
  for (const index of order) {
    cumulative += weights[index]!;
    if (reached === undefined && cumulative >= q * total) reached = values[index]!;
    if (cumulative > q * total) return 0.5 * (reached! + values[index]!);
  }
  throw new Error("unreachable for q < 1");
}

describe("aggregation methods", () => {
  it("lists the four methods with the default first", () => {
    expect(AGGREGATION_METHODS).toEqual(["recency_weighted_median", "median", "geometric_mean_of_odds", "mean"]);
    expect(DEFAULT_AGGREGATION_METHOD).toBe(AGGREGATION_METHODS[0]);
  });
});

describe("aggregateForecasts: Metaculus' own test cases", () => {
  it("unweighted median of two binary forecasts averages them, quartiles at the ends", () => {
    const result = aggregateForecasts([[0.2, 0.8], [0.4, 0.6]], "median");
    expectClose(result.centers, [0.3, 0.7]);
    expectClose(result.lower, [0.2, 0.6]);
    expectClose(result.upper, [0.4, 0.8]);
    expectClose(result.mean, [0.3, 0.7]);
    expect(result.count).toBe(2);
  });

  it("renormalises multiple-choice medians with the 0.001 floor", () => {
    const result = aggregateForecasts(
      [
        [0.6, 0.15, 0.25],
        [0.6, 0.25, 0.15],
        [0.4, 0.35, 0.25],
      ],
      "median",
    );
    expectClose(result.centers, [0.545396536, 0.227301732, 0.227301732]);
    // The band stays on the unrenormalised scale.
    expectClose(result.lower, [0.4, 0.15, 0.15]);
    expectClose(result.upper, [0.6, 0.35, 0.25]);
  });

  it("weights recent forecasts more", () => {
    const forecasts = [
      [0.2, 0.8],
      [0.3, 0.7],
      [0.4, 0.6],
    ];
    const recency = aggregateForecasts(forecasts, "recency_weighted_median");
    expectClose(recency.centers, [0.3, 0.7]);
    expectClose(recency.lower, [0.3, 0.6]);
    expectClose(recency.upper, [0.4, 0.7]);
    expectClose(recency.mean, [0.3235021377, 0.6764978623]);
    expect(recency.mean[0]).toBeCloseTo(0.32350213768407476, 15);
    const plain = aggregateForecasts(forecasts, "median");
    expectClose(plain.lower, [0.2, 0.6]);
    expectClose(plain.upper, [0.4, 0.8]);
  });

  it("plain median of three with an outlier", () => {
    const result = aggregateForecasts(
      [
        [0.1, 0.9],
        [0.3, 0.7],
        [0.4, 0.6],
      ],
      "median",
    );
    expectClose(result.centers, [0.3, 0.7]);
    expectClose(result.lower, [0.1, 0.6]);
    expectClose(result.upper, [0.4, 0.9]);
    expectClose(result.mean, [0.8 / 3, 2.2 / 3]);
  });

  it("weighted percentiles match measures.py's table", () => {
    expectClose(weightedQuantiles([0.5, 0.6], null, [0.5, 0.4]), [0.55, 0.5]);
    expectClose(weightedQuantiles([0.5, 0.4], null, [0.5, 0.4]), [0.45, 0.4]);
    expectClose(weightedQuantiles([0.5, 0.6, 0.1], [0.1, 0.1, 1], [0.5]), [0.1]);
    const rows = [
      [0.33, 0.33, 0.34],
      [0, 0.5, 0.5],
      [0.4, 0.2, 0.4],
      [0.2, 0.6, 0.2],
    ];
    const column = (scenario: number) => rows.map((row) => row[scenario]!);
    expectClose([0, 1, 2].map((scenario) => weightedQuantiles(column(scenario), null, [0.5])[0]!), [0.265, 0.415, 0.37]);
    expectClose([0, 1, 2].map((scenario) => weightedQuantiles(column(scenario), [0.1, 0.2, 0.3, 0.4], [0.5])[0]!), [0.2, 0.5, 0.37]);
  });
});

describe("aggregateForecasts: the other methods", () => {
  it("geometric mean of odds for a binary question, recency weighted, inputs clamped to [0.001, 0.999]", () => {
    const forecasts = [
      [0, 1],
      [0.3, 0.7],
      [0.6, 0.4],
    ];
    const weights = recencyWeights(3);
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    const clamp = (p: number) => Math.min(Math.max(p, 0.001), 0.999);
    const logOdds = forecasts.reduce((sum, [yes], index) => sum + (weights[index]! / total) * Math.log(clamp(yes!) / (1 - clamp(yes!))), 0);
    const yes = 1 / (1 + Math.exp(-logOdds));
    const result = aggregateForecasts(forecasts, "geometric_mean_of_odds");
    expectClose(result.centers, [yes, 1 - yes], 12);
    expectClose(result.mean, [0.3 * weights[1]! / total + (0.6 * weights[2]!) / total, 1 - (0.3 * weights[1]! + 0.6 * weights[2]!) / total], 12);
  });

  it("mean weighs everyone alike", () => {
    const result = aggregateForecasts(
      [
        [0.2, 0.3, 0.5],
        [0.4, 0.4, 0.2],
        [0.6, 0.2, 0.2],
      ],
      "mean",
    );
    expectClose(result.centers, [0.4, 0.3, 0.3], 12);
    expectClose(result.mean, [0.4, 0.3, 0.3], 12);
  });

  it("counts up to two forecasters alike under recency weighting, as Metaculus does", () => {
    const forecasts = [
      [0.2, 0.8],
      [0.5, 0.5],
    ];
    expect(aggregateForecasts(forecasts, "recency_weighted_median")).toEqual(aggregateForecasts(forecasts, "median"));
  });

  it("shares equally when every median sits on the floor", () => {
    const result = aggregateForecasts(
      [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
      "median",
    );
    expectClose(result.centers, [1 / 3, 1 / 3, 1 / 3]);
  });

  it("keeps a centre of a scenario nobody believes in at the floor, not below it", () => {
    const result = aggregateForecasts(
      [
        [0, 0.5, 0.5],
        [0, 0.3, 0.7],
        [0, 0.4, 0.6],
      ],
      "median",
    );
    expect(result.centers[0]).toBeCloseTo(0.001, 15);
    expect(result.centers.reduce((sum, center) => sum + center, 0)).toBeCloseTo(1, 14);
  });

  it("returns nothing for nobody", () => {
    for (const method of AGGREGATION_METHODS) {
      expect(aggregateForecasts([], method)).toEqual({ centers: [], lower: [], upper: [], mean: [], count: 0 });
    }
  });
});

describe("aggregateForecasts: input checks", () => {
  const codeOf = (forecasts: number[][]) => {
    try {
      aggregateForecasts(forecasts, "median");
    } catch (error) {
      expect(error).toBeInstanceOf(AggregationInputError);
      return (error as AggregationInputError).code;
    }
    return "accepted";
  };

  it("rejects each kind of bad forecast with its own code", () => {
    expect(codeOf([[0.5, 0.5], [0.2, 0.3, 0.5]])).toBe("wrong_length");
    expect(codeOf([[1]])).toBe("too_few_scenarios");
    expect(codeOf([[]])).toBe("too_few_scenarios");
    expect(codeOf([[Number.NaN, 1]])).toBe("not_a_number");
    expect(codeOf([[Number.POSITIVE_INFINITY, 0]])).toBe("not_a_number");
    expect(codeOf([[-0.1, 1.1]])).toBe("negative");
    expect(codeOf([[1.0000005, 0]])).toBe("above_one");
    expect(codeOf([[0.5, 0.6]])).toBe("bad_sum");
    expect(codeOf([Array<number>(1000).fill(0.001)])).toBe("too_many_scenarios");
  });

  it("says which forecast is at fault", () => {
    try {
      aggregateForecasts([[0.5, 0.5], [0.5, 0.4]], "mean");
      expect.unreachable();
    } catch (error) {
      expect((error as AggregationInputError).forecastIndex).toBe(1);
    }
  });

  it("accepts sums within 1e-6 of 1, and -0", () => {
    expect(codeOf([[0.3333333, 0.3333333, 0.3333333]])).toBe("accepted");
    expect(aggregateForecasts([[-0, 1]], "median").lower[0]).toBe(0);
  });
});

describe("aggregateForecasts: properties on random crowds", () => {
  const random = mulberry32(20240611);
  const crowds = Array.from({ length: 120 }, () => {
    const scenarioCount = 2 + Math.floor(random() * 5);
    const count = 1 + Math.floor(random() * (random() < 0.2 ? 400 : 40));
    return Array.from({ length: count }, () => randomForecast(random, scenarioCount));
  });
  const shuffled = <T>(items: T[]) => {
    const copy = [...items];
    for (let index = copy.length - 1; index > 0; index--) {
      const other = Math.floor(random() * (index + 1));
      [copy[index], copy[other]] = [copy[other]!, copy[index]!];
    }
    return copy;
  };
  const column = (forecasts: number[][], scenario: number) => forecasts.map((forecast) => forecast[scenario]!);

  it("median and mean do not depend on who came first", () => {
    for (const forecasts of crowds) {
      for (const method of ["median", "mean"] as const) {
        const original = aggregateForecasts(forecasts, method);
        const permuted = aggregateForecasts(shuffled(forecasts), method);
        for (const field of ["centers", "lower", "upper", "mean"] as const) expectClose(permuted[field], original[field], 12);
      }
    }
  });

  it("centres add up to 1 within [0.001, 1]; quartiles bracket the median within the inputs' range", () => {
    for (const forecasts of crowds) {
      for (const method of AGGREGATION_METHODS) {
        const result: AggregateResult = aggregateForecasts(forecasts, method);
        expect(result.count).toBe(forecasts.length);
        expect(result.centers.reduce((sum, center) => sum + center, 0)).toBeCloseTo(1, 12);
        const weights = methodWeights(method, forecasts.length);
        result.centers.forEach((center, scenario) => {
          expect(center).toBeGreaterThanOrEqual(0.001 - 1e-15);
          expect(center).toBeLessThanOrEqual(1);
          const values = column(forecasts, scenario);
          const [min, max] = [Math.min(...values), Math.max(...values)];
          const [lower, median, upper] = weightedQuantiles(values, weights, [0.25, 0.5, 0.75]);
          expect(lower).toBeGreaterThanOrEqual(min);
          expect(lower).toBeLessThanOrEqual(median!);
          expect(median).toBeLessThanOrEqual(upper!);
          expect(upper).toBeLessThanOrEqual(max);
          expect(result.lower[scenario]).toBe(lower);
          expect(result.upper[scenario]).toBe(upper);
          expect(result.lower[scenario]).toBeLessThanOrEqual(result.upper[scenario]!);
          expect(result.mean[scenario]).toBeGreaterThanOrEqual(min - 1e-15);
          expect(result.mean[scenario]).toBeLessThanOrEqual(max + 1e-15);
        });
      }
    }
  });

  it("quickselect finds what sorting finds, ties and all", () => {
    for (let round = 0; round < 60; round++) {
      const count = 1 + Math.floor(random() * 3000);
      const coarse = random() < 0.5;
      const values = Array.from({ length: count }, () => (coarse ? Math.floor(random() * 8) / 8 : random()));
      // Whole-number weights sum exactly in any order, so even exact ties must agree.
      const weights = random() < 0.5 ? Array.from({ length: count }, () => 1 + Math.floor(random() * 3)) : recencyWeights(count);
      const quantiles = [0.25, 0.5, 0.75];
      const found = weightedQuantiles(values, weights, quantiles);
      quantiles.forEach((q, index) => expect(found[index]).toBe(quantileByDefinition(values, weights, q)));
    }
  });

  it("bracketing large crowds from a sample finds what sorting finds", () => {
    for (const kind of ["ties, whole weights", "continuous, recency weights", "continuous, random weights"] as const) {
      const count = 40_000;
      const values = Array.from({ length: count }, () => (kind.startsWith("ties") ? Math.floor(random() * 20) / 20 : random()));
      const weights =
        kind === "ties, whole weights"
          ? Array.from({ length: count }, () => 1 + Math.floor(random() * 3))
          : kind === "continuous, recency weights"
            ? recencyWeights(count)
            : Array.from({ length: count }, () => random());
      const quantiles = [0.25, 0.5, 0.75];
      const found = weightedQuantiles(values, weights, quantiles);
      quantiles.forEach((q, index) => expect(found[index], kind).toBe(quantileByDefinition(values, weights, q)));
    }
  });

  it("still answers when the sample misleads: every tenth forecaster apart from the rest", () => {
    // With equal weights the sample takes every tenth value, so it sees only the outliers and the
    // brackets miss; the plain quickselect must take over.
    const count = 40_960;
    const values = Array.from({ length: count }, (_, index) => (index % 10 === 4 ? 0.9 : random() / 2));
    const weights = Array<number>(count).fill(1);
    const found = weightedQuantiles(values, null, [0.25, 0.5, 0.75]);
    [0.25, 0.5, 0.75].forEach((q, index) => expect(found[index]).toBe(quantileByDefinition(values, weights, q)));
  });

  it("survives orderings that defeat median-of-three pivots", () => {
    const count = 5000;
    const organPipe = Array.from({ length: count }, (_, index) => (index < count / 2 ? index : count - index) / count);
    const weights = Array<number>(count).fill(1);
    expect(weightedQuantiles(organPipe, weights, [0.5])[0]).toBe(quantileByDefinition(organPipe, weights, 0.5));
    const sorted = Array.from({ length: count }, (_, index) => index / count);
    expect(weightedQuantiles(sorted, null, [0.25, 0.75])).toEqual([0.25, 0.75].map((q) => quantileByDefinition(sorted, weights, q)));
  });
});
