import { describe, expect, it } from "vitest";
import { packChartHistory, unpackChartHistory } from "./chart-history";

describe("the chart's packed history", () => {
  const points = [
    { version: 1, at: new Date("2026-12-01T10:00:00.123Z"), centers: [0.123456789, 0.876543211], lower: [0.1, 0.8], upper: [0.2, 0.9] },
    // A crowd of nobody (the only forecast withdrawn) is stored with empty vectors.
    { version: 2, at: new Date("2026-12-01T11:30:00.000Z"), centers: [], lower: [], upper: [] },
    { version: 7, at: new Date("2026-12-02T08:00:00.000Z"), centers: [1 / 3, 2 / 3], lower: [0.25, 0.5], upper: [0.5, 0.75] },
  ];

  it("gives back every point's version, time and values to within half a hundredth of a percentage point", () => {
    const unpacked = unpackChartHistory(packChartHistory(points));
    expect(unpacked.map(({ version, at }) => ({ version, at }))).toEqual(points.map(({ version, at }) => ({ version, at: at.toISOString() })));
    unpacked.forEach((point, index) => {
      for (const series of ["centers", "lower", "upper"] as const) {
        expect(point[series]).toHaveLength(points[index]![series].length);
        point[series].forEach((value, scenario) => expect(Math.abs(value - points[index]![series][scenario]!)).toBeLessThanOrEqual(0.00005));
      }
    });
  });

  it("survives the trip through JSON and is far smaller than the points as objects", () => {
    const many = Array.from({ length: 400 }, (_, index) => ({
      version: index + 1,
      at: new Date(Date.UTC(2026, 11, 1) + index * 60_000),
      centers: [Math.random() / 2, Math.random() / 4, 0.25],
      lower: [Math.random() / 3, Math.random() / 5, 0.2],
      upper: [Math.random(), Math.random(), 0.3],
    }));
    const packed = packChartHistory(many);
    expect(unpackChartHistory(JSON.parse(JSON.stringify(packed)))).toEqual(unpackChartHistory(packed));
    expect(JSON.stringify(packed).length).toBeLessThan(JSON.stringify(many).length / 2);
  });
});
