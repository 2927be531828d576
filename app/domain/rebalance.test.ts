import { describe, expect, it } from "vitest";
import { evenSplit, isComplete, rebalance, roundToTotal, sumOf } from "./rebalance";
import { mulberry32 } from "../../test/seeded-random";


/** Whole multiples of `step`, counted in units, so sums are checked without float noise. */
const units = (values: readonly number[], step: number) => values.map((value) => Math.round(value / step));
const onGrid = (value: number, step: number) => Math.abs(value / step - Math.round(value / step)) < 1e-9;

function randomCase(random: () => number, step: number) {
  const k = 2 + Math.floor(random() * 7);
  // Some vectors start with zeros, so the all-others-zero branch is exercised too.
  const start = Array.from({ length: k }, () => (random() < 0.2 ? 0 : random() * 100));
  const values = random() < 0.5 ? roundToTotal(start, step) : start;
  const changedIndex = Math.floor(random() * k);
  const newValue = Math.round((random() * 120 - 10) / step) * step;
  return { values, changedIndex, newValue };
}

describe("rebalance", () => {
  for (const step of [1, 0.1]) {
    describe(`properties with step ${step}`, () => {
      const random = mulberry32(step === 1 ? 20261201 : 42);
      const cases = Array.from({ length: 2000 }, () => randomCase(random, step));

      it("adds up to exactly 100", () => {
        for (const { values, changedIndex, newValue } of cases) {
          const result = rebalance(values, changedIndex, newValue, step);
          expect(units(result, step).reduce((a, b) => a + b, 0)).toBe(Math.round(100 / step));
          expect(sumOf(result)).toBe(100);
          expect(result.every((value) => onGrid(value, step))).toBe(true);
        }
      });

      it("never goes negative or above 100", () => {
        for (const { values, changedIndex, newValue } of cases) {
          for (const value of rebalance(values, changedIndex, newValue, step)) {
            expect(value).toBeGreaterThanOrEqual(0);
            expect(value).toBeLessThanOrEqual(100);
          }
        }
      });

      it("keeps the changed value as set, clamped to 0–100", () => {
        for (const { values, changedIndex, newValue } of cases) {
          const expected = Math.min(100, Math.max(0, newValue));
          expect(rebalance(values, changedIndex, newValue, step)[changedIndex]).toBeCloseTo(expected, 9);
        }
      });

      it("keeps the others' proportions to within one step", () => {
        for (const { values, changedIndex, newValue } of cases) {
          const result = rebalance(values, changedIndex, newValue, step);
          const rest = 100 - (result[changedIndex] ?? 0);
          const othersTotal = values.reduce((sum, value, index) => (index === changedIndex ? sum : sum + value), 0);
          const othersCount = values.length - 1;
          values.forEach((value, index) => {
            if (index === changedIndex) return;
            const ideal = othersTotal > 0 ? (rest * value) / othersTotal : rest / othersCount;
            expect(Math.abs((result[index] ?? 0) - ideal)).toBeLessThan(step + 1e-9);
          });
        }
      });
    });
  }

  it("scales the others in proportion", () => {
    expect(rebalance([50, 30, 20], 0, 60)).toEqual([60, 24, 16]);
    expect(rebalance([40, 40, 20], 2, 40)).toEqual([30, 30, 40]);
  });

  it("rounds the others by largest remainder so the total stays 100", () => {
    expect(rebalance([25, 25, 25, 25], 0, 0)).toEqual([0, 34, 33, 33]);
    expect(rebalance([34, 33, 33], 0, 50)).toEqual([50, 25, 25]);
  });

  it("gives everything to the changed scenario when it is set to 100", () => {
    expect(rebalance([20, 30, 50], 1, 100)).toEqual([0, 100, 0]);
  });

  it("gives its share to the others when a scenario is set to 0", () => {
    expect(rebalance([20, 30, 50], 2, 0)).toEqual([40, 60, 0]);
  });

  it("keeps a two-scenario question complementary", () => {
    expect(rebalance([50, 50], 0, 73)).toEqual([73, 27]);
    expect(rebalance([50, 50], 1, 12.5, 0.1)).toEqual([87.5, 12.5]);
  });

  it("shares the rest equally when all the others are 0", () => {
    expect(rebalance([100, 0, 0], 0, 70)).toEqual([70, 15, 15]);
    expect(rebalance([0, 100, 0, 0], 1, 0)).toEqual([34, 0, 33, 33]);
    expect(rebalance([100, 0, 0, 0], 0, 90, 0.1)).toEqual([90, 3.4, 3.3, 3.3]);
  });

  it("clamps values outside 0–100", () => {
    expect(rebalance([50, 50], 0, 140)).toEqual([100, 0]);
    expect(rebalance([50, 50], 0, -5)).toEqual([0, 100]);
  });

  it("rounds the changed value to the step", () => {
    expect(rebalance([50, 50], 0, 33.33, 0.1)).toEqual([33.3, 66.7]);
    expect(rebalance([50, 50], 0, 33.6)).toEqual([34, 66]);
  });

  it("gives decimals that print as typed with step 0.1", () => {
    expect(rebalance([33.3, 33.3, 33.4], 0, 33.3, 0.1).map(String)).toEqual(["33.3", "33.3", "33.4"]);
  });

  it("ignores a NaN and returns the vector unchanged", () => {
    const values = [20, 30, 50];
    const result = rebalance(values, 0, Number.NaN);
    expect(result).toEqual(values);
    expect(result).not.toBe(values);
  });

  it("treats blanks in the other values as 0", () => {
    expect(rebalance([Number.NaN, 20, 60], 2, 60)).toEqual([0, 40, 60]);
  });

  it("refuses an index outside the vector and a step that does not divide 100", () => {
    expect(() => rebalance([50, 50], 2, 10)).toThrow(RangeError);
    expect(() => rebalance([50, 50], 0, 10, 0.3)).toThrow(RangeError);
  });
});

describe("roundToTotal", () => {
  it("scales a stored forecast back to 100 on the step grid", () => {
    expect(roundToTotal([100 / 3, 100 / 3, 100 / 3], 0.1)).toEqual([33.4, 33.3, 33.3]);
    expect(roundToTotal([0.2, 0.3, 0.5])).toEqual([20, 30, 50]);
  });

  it("turns an all-zero vector into an even split", () => {
    expect(roundToTotal([0, 0])).toEqual([50, 50]);
  });
});

describe("evenSplit", () => {
  it("splits 100 equally, spare units first", () => {
    expect(evenSplit(2)).toEqual([50, 50]);
    expect(evenSplit(3)).toEqual([34, 33, 33]);
    expect(evenSplit(3, 0.1)).toEqual([33.4, 33.3, 33.3]);
    expect(evenSplit(7).reduce((a, b) => a + b, 0)).toBe(100);
  });

  it("refuses a count that is not a positive integer", () => {
    expect(() => evenSplit(0)).toThrow(RangeError);
    expect(() => evenSplit(2.5)).toThrow(RangeError);
  });
});

describe("sumOf and isComplete", () => {
  it("adds typed decimals without float noise", () => {
    expect(0.1 + 64 + 0.1 + 35.8).not.toBe(100);
    expect(sumOf([0.1, 64, 0.1, 35.8])).toBe(100);
  });

  it("accepts a total within the tolerance", () => {
    expect(isComplete([33.3, 33.3, 33.3])).toBe(true);
    expect(isComplete([33, 33, 33])).toBe(false);
    expect(isComplete([33, 33, 33], 1)).toBe(true);
  });

  it("rejects blanks, negatives and values over 100", () => {
    expect(isComplete([Number.NaN, 100])).toBe(false);
    expect(isComplete([-10, 110])).toBe(false);
    expect(isComplete([])).toBe(false);
  });
});

describe("rebalance with pinned scenarios", () => {
  it("keeps the scenario set just before, so typing 60 then 30 gives 60 / 30 / 10", () => {
    const first = rebalance([45, 40, 15], 0, 60);
    expect(first).toEqual([60, 29, 11]);
    expect(rebalance(first, 1, 30, 1, [0])).toEqual([60, 30, 10]);
  });

  it("lets the pinned scenario move when it leaves no room for the new value", () => {
    expect(rebalance([60, 30, 10], 1, 50, 1, [0])).toEqual([43, 50, 7]);
  });

  it("ignores a pin that would leave nothing free to absorb the change", () => {
    expect(rebalance([50, 50], 0, 70, 1, [1])).toEqual([70, 30]);
    expect(rebalance([40, 30, 30], 0, 20, 1, [1, 2])).toEqual([20, 40, 40]);
  });

  it("ignores pins on the changed scenario itself and out of range", () => {
    expect(rebalance([45, 40, 15], 0, 60, 1, [0, 7, -1])).toEqual([60, 29, 11]);
  });
});
