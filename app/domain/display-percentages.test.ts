import { describe, expect, it } from "vitest";
import { toDisplayPercentages } from "./display-percentages";

describe("toDisplayPercentages", () => {
  it("keeps exact percentages", () => {
    expect(toDisplayPercentages([0.45, 0.4, 0.15])).toEqual([45, 40, 15]);
  });
  it("rounds thirds so they still sum to 100", () => {
    const shown = toDisplayPercentages([1 / 3, 1 / 3, 1 / 3]);
    expect(shown.reduce((a, b) => a + b, 0)).toBe(100);
    expect(shown).toEqual([34, 33, 33]);
  });
  it("shows zeros for an all-zero vector rather than dividing by zero", () => {
    expect(toDisplayPercentages([0, 0])).toEqual([0, 0]);
  });
});
