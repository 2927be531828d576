import { describe, expect, it } from "vitest";
import {
  buildConsensusSeries,
  downsample,
  latestFigures,
  timeTicks,
  type ConsensusHistory,
  type CrowdSnapshot,
} from "./consensus-series";

const DAY = 86_400_000;
const NOW = "2026-12-01T12:00:00.000Z";
const now = Date.parse(NOW);
const daysAgo = (days: number) => new Date(now - days * DAY).toISOString();

const threeScenarios = [
  { id: "open", title: "Open wins" },
  { id: "closed", title: "Closed holds" },
  { id: "split", title: "Split" },
];

function history(overrides: Partial<ConsensusHistory> = {}): ConsensusHistory {
  return { scenarios: threeScenarios, kind: "scenarios", crowd: [], baseline: [], own: [], now: NOW, ...overrides };
}

const rounded = (values: (number | null)[] | undefined) => values?.map((value) => (value === null ? null : Math.round(value)));

const snapshot = (at: string, centers: number[]): CrowdSnapshot => ({
  at,
  centers,
  lower: centers.map((value) => value - 0.05),
  upper: centers.map((value) => value + 0.05),
});

describe("buildConsensusSeries: empty inputs", () => {
  it("draws nothing but still spans a window that ends now", () => {
    const series = buildConsensusSeries(history(), { range: "all" });
    expect(series.rows).toEqual([]);
    expect(series.domain[1]).toBe(now);
    expect(series.domain[0]).toBeLessThan(now);
    expect(series).toMatchObject({ hasCrowd: false, hasBaseline: false, hasOwn: false });
  });

  it("shows the baseline without a crowd, carried to now", () => {
    const series = buildConsensusSeries(
      history({ baseline: [{ at: daysAgo(3), probabilities: [0.45, 0.4, 0.15], note: "First take" }] }),
      { range: "all" },
    );
    expect(series.hasCrowd).toBe(false);
    expect(series.rows.map((row) => row.t)).toEqual([now - 3 * DAY, now]);
    expect(series.rows[0]).toMatchObject({ crowd: [null, null, null], baseline: [45, 40, 15], revision: { note: "First take" } });
    expect(series.rows[1]).toMatchObject({ baseline: [45, 40, 15], revision: null });
  });

  it("gives a single event a window of at least an hour", () => {
    const series = buildConsensusSeries(history({ crowd: [snapshot(NOW, [0.5, 0.3, 0.2])] }), { range: "all" });
    expect(series.domain).toEqual([now - 3_600_000, now]);
    expect(series.rows).toHaveLength(1);
  });

  it("rejects a `now` that is not a date rather than drawing garbage", () => {
    expect(() => buildConsensusSeries(history({ now: "soon" }), { range: "all" })).toThrow(RangeError);
  });

  it("skips entries whose time does not parse", () => {
    const series = buildConsensusSeries(history({ own: [{ at: "yesterday", probabilities: [1, 0, 0] }] }), { range: "all" });
    expect(series.hasOwn).toBe(false);
  });
});

describe("buildConsensusSeries: percentages and scenarios", () => {
  it("turns probabilities into percentages, bands as [lower, upper]", () => {
    const series = buildConsensusSeries(history({ crowd: [snapshot(daysAgo(1), [0.45, 0.4, 0.15])] }), { range: "all" });
    const [first] = series.rows;
    expect(first?.crowd.map((value) => Math.round(value ?? -1))).toEqual([45, 40, 15]);
    expect(first?.band[0]?.map(Math.round)).toEqual([40, 50]);
  });

  it("clamps rounding noise into 0–100 and keeps missing values as null", () => {
    const series = buildConsensusSeries(
      history({ crowd: [{ at: daysAgo(1), centers: [1.0000001, -0.0000001], lower: [0.9], upper: [] }] }),
      { range: "all" },
    );
    expect(series.rows[0]?.crowd).toEqual([100, 0, null]);
    expect(series.rows[0]?.band).toEqual([null, null, null]);
  });

  it("charts only the Yes claim (index 0) of a binary question", () => {
    const series = buildConsensusSeries(
      {
        scenarios: [
          { id: "yes", title: "Yes" },
          { id: "no", title: "No" },
        ],
        kind: "binary",
        crowd: [snapshot(daysAgo(2), [0.62, 0.38])],
        baseline: [{ at: daysAgo(3), probabilities: [0.55, 0.45], note: "" }],
        own: [{ at: daysAgo(1), probabilities: [0.7, 0.3] }],
        now: NOW,
      },
      { range: "all" },
    );
    expect(series.scenarios).toEqual([{ index: 0, id: "yes", title: "Yes" }]);
    for (const row of series.rows) {
      expect(row.crowd).toHaveLength(1);
      expect(row.baseline).toHaveLength(1);
      expect(row.own).toHaveLength(1);
    }
    expect(series.rows.find((row) => row.own[0] !== null)?.own).toEqual([70]);
    expect(series.rows.at(-1)?.crowd[0]).toBeCloseTo(62);
  });

  it("keeps every scenario of a scenarios question, in order", () => {
    expect(buildConsensusSeries(history(), { range: "all" }).scenarios.map((scenario) => scenario.index)).toEqual([0, 1, 2]);
  });
});

describe("buildConsensusSeries: rows", () => {
  const mixed = history({
    crowd: [snapshot(daysAgo(4), [0.5, 0.3, 0.2]), snapshot(daysAgo(2), [0.4, 0.4, 0.2])],
    baseline: [
      { at: daysAgo(5), probabilities: [0.6, 0.3, 0.1], note: "Opening view" },
      { at: daysAgo(3), probabilities: [0.5, 0.35, 0.15], note: "After the vote" },
    ],
    own: [{ at: daysAgo(1), probabilities: [0.3, 0.5, 0.2] }],
  });

  it("merges all events into one time-ordered row list ending at now", () => {
    const series = buildConsensusSeries(mixed, { range: "all" });
    expect(series.rows.map((row) => (now - row.t) / DAY)).toEqual([5, 4, 3, 2, 1, 0]);
    expect(series.domain).toEqual([now - 5 * DAY, now]);
  });

  it("fills each row with the crowd and baseline in force (step semantics)", () => {
    const rows = buildConsensusSeries(mixed, { range: "all" }).rows;
    const at = (days: number) => rows.find((row) => row.t === now - days * DAY);
    expect(at(5)?.crowd).toEqual([null, null, null]);
    expect(rounded(at(3)?.crowd)).toEqual([50, 30, 20]);
    expect(at(3)?.baseline).toEqual([50, 35, 15]);
    expect(rounded(at(1)?.crowd)).toEqual([40, 40, 20]);
    expect(at(1)?.own).toEqual([30, 50, 20]);
    expect(at(0)?.baseline).toEqual([50, 35, 15]);
  });

  it("marks revisions only on their own rows, with their notes", () => {
    const rows = buildConsensusSeries(mixed, { range: "all" }).rows;
    expect(rows.filter((row) => row.revision).map((row) => row.revision?.note)).toEqual(["Opening view", "After the vote"]);
    expect(rows.filter((row) => row.own[0] !== null)).toHaveLength(1);
  });

  it("merges events that share an instant into one row", () => {
    const at = daysAgo(2);
    const series = buildConsensusSeries(
      history({
        crowd: [snapshot(at, [0.5, 0.3, 0.2])],
        baseline: [{ at, probabilities: [0.4, 0.4, 0.2], note: "Same moment" }],
        own: [{ at, probabilities: [0.2, 0.2, 0.6] }],
      }),
      { range: "all" },
    );
    expect(series.rows).toHaveLength(2);
    expect(series.rows[0]).toMatchObject({ baseline: [40, 40, 20], own: [20, 20, 60], revision: { note: "Same moment" } });
  });

  it("sorts input that arrives out of order", () => {
    const series = buildConsensusSeries(
      history({ crowd: [snapshot(daysAgo(1), [0.2, 0.4, 0.4]), snapshot(daysAgo(3), [0.6, 0.2, 0.2])] }),
      { range: "all" },
    );
    expect(series.rows.map((row) => Math.round(row.crowd[0] ?? -1))).toEqual([60, 20, 20]);
  });

  it("moves the end past now when live data arrives later than the server's now", () => {
    const later = new Date(now + 60_000).toISOString();
    const series = buildConsensusSeries(
      history({
        crowd: [snapshot(daysAgo(1), [0.5, 0.3, 0.2]), snapshot(later, [0.45, 0.35, 0.2])],
        baseline: [{ at: daysAgo(2), probabilities: [0.5, 0.3, 0.2], note: "" }],
      }),
      { range: "7d" },
    );
    expect(series.domain[1]).toBe(now + 60_000);
    expect(series.rows.at(-1)).toMatchObject({ t: now + 60_000, baseline: [50, 30, 20] });
    expect(rounded(series.rows.at(-1)?.crowd)).toEqual([45, 35, 20]);
  });
});

describe("buildConsensusSeries: ranges and carry-forward", () => {
  const long = history({
    crowd: [
      snapshot(daysAgo(60), [0.7, 0.2, 0.1]),
      snapshot(daysAgo(20), [0.6, 0.3, 0.1]),
      snapshot(daysAgo(10), [0.5, 0.3, 0.2]),
      snapshot(daysAgo(3), [0.45, 0.4, 0.15]),
    ],
    baseline: [
      { at: daysAgo(90), probabilities: [0.8, 0.1, 0.1], note: "Launch" },
      { at: daysAgo(40), probabilities: [0.6, 0.3, 0.1], note: "Polls moved" },
      { at: daysAgo(5), probabilities: [0.5, 0.35, 0.15], note: "Court ruling" },
    ],
    own: [
      { at: daysAgo(45), probabilities: [0.5, 0.4, 0.1] },
      { at: daysAgo(2), probabilities: [0.4, 0.4, 0.2] },
    ],
  });

  it("'all' starts at the earliest event and carries nothing", () => {
    const series = buildConsensusSeries(long, { range: "all" });
    expect(series.domain).toEqual([now - 90 * DAY, now]);
    expect(series.rows.filter((row) => row.revision)).toHaveLength(3);
    expect(series.rows.filter((row) => row.own[0] !== null)).toHaveLength(2);
  });

  it("'30d' starts 30 days before now with the baseline and crowd in force then", () => {
    const series = buildConsensusSeries(long, { range: "30d" });
    const start = now - 30 * DAY;
    expect(series.domain).toEqual([start, now]);
    const [first] = series.rows;
    expect(first?.t).toBe(start);
    expect(first?.baseline).toEqual([60, 30, 10]);
    expect(rounded(first?.crowd)).toEqual([70, 20, 10]);
    // Carried forward, not revised at the window start.
    expect(first?.revision).toBeNull();
    expect(series.rows.filter((row) => row.revision).map((row) => row.revision?.note)).toEqual(["Court ruling"]);
  });

  it("'30d' leaves out the viewer's forecasts from before the window", () => {
    const series = buildConsensusSeries(long, { range: "30d" });
    expect(series.rows.filter((row) => row.own[0] !== null).map((row) => row.t)).toEqual([now - 2 * DAY]);
  });

  it("'7d' carries the crowd from 10 days ago and the revision from 5 days ago", () => {
    const series = buildConsensusSeries(long, { range: "7d" });
    const start = now - 7 * DAY;
    expect(series.rows.map((row) => (row.t - start) / DAY)).toEqual([0, 2, 4, 5, 7]);
    expect(series.rows[0]).toMatchObject({ baseline: [60, 30, 10], revision: null });
    expect(rounded(series.rows[0]?.crowd)).toEqual([50, 30, 20]);
    expect(series.rows[1]).toMatchObject({ baseline: [50, 35, 15], revision: { note: "Court ruling" } });
  });

  it("extends the last crowd and baseline values to now", () => {
    const last = buildConsensusSeries(long, { range: "7d" }).rows.at(-1);
    expect(last?.t).toBe(now);
    expect(rounded(last?.crowd)).toEqual([45, 40, 15]);
    expect(last?.baseline).toEqual([50, 35, 15]);
    expect(last?.own).toEqual([null, null, null]);
  });

  it("does not add a carried point when an event falls exactly on the window start", () => {
    const series = buildConsensusSeries(
      history({
        baseline: [
          { at: daysAgo(20), probabilities: [0.2, 0.4, 0.4], note: "Old" },
          { at: daysAgo(30), probabilities: [0.3, 0.3, 0.4], note: "On the edge" },
        ],
      }),
      { range: "30d" },
    );
    expect(series.rows[0]).toMatchObject({ t: now - 30 * DAY, revision: { note: "On the edge" } });
    expect(series.rows.filter((row) => row.t === now - 30 * DAY)).toHaveLength(1);
  });

  it("carries a crowd that stopped before the window across the whole window", () => {
    const series = buildConsensusSeries(history({ crowd: [snapshot(daysAgo(40), [0.5, 0.25, 0.25])] }), { range: "7d" });
    expect(series.rows.map((row) => row.t)).toEqual([now - 7 * DAY, now]);
    expect(series.rows.every((row) => Math.round(row.crowd[0] ?? -1) === 50)).toBe(true);
    expect(series.hasCrowd).toBe(true);
  });

  it("starts a young question's short ranges at its first event instead of an empty stretch", () => {
    const series = buildConsensusSeries(history({ crowd: [snapshot(daysAgo(3), [0.5, 0.3, 0.2])] }), { range: "30d" });
    expect(series.domain).toEqual([now - 3 * DAY, now]);
  });
});

describe("buildConsensusSeries: downsampling the crowd", () => {
  const many = (count: number, from = 100) =>
    Array.from({ length: count }, (_, i) => {
      const p = 0.3 + 0.2 * Math.sin(i / 50);
      return snapshot(new Date(now - from * DAY + (i * (from - 1) * DAY) / count).toISOString(), [p, 0.9 - p, 0.1]);
    });

  it("draws at most 500 crowd points from a long history, the last one exact", () => {
    const crowd = many(5_000);
    const series = buildConsensusSeries(history({ crowd }), { range: "all" });
    expect(series.rows.length).toBeLessThanOrEqual(500);
    expect(series.rows.length).toBeGreaterThan(450);
    const lastReal = series.rows.at(-2);
    expect(lastReal?.t).toBe(Date.parse((crowd.at(-1) as CrowdSnapshot).at));
    expect(lastReal?.crowd[0]).toBeCloseTo(((crowd.at(-1) as CrowdSnapshot).centers[0] ?? 0) * 100, 10);
    expect(series.rows.at(-1)?.t).toBe(now);
    expect(series.rows[0]?.t).toBe(Date.parse((crowd[0] as CrowdSnapshot).at));
  });

  it("counts the carried start point and the point at now within the bound", () => {
    const series = buildConsensusSeries(history({ crowd: many(3_000, 40) }), { range: "30d", maxCrowdPoints: 100 });
    expect(series.rows.length).toBeLessThanOrEqual(100);
    expect(series.rows[0]?.t).toBe(now - 30 * DAY);
    expect(series.rows.at(-1)?.t).toBe(now);
  });

  it("keeps short histories untouched", () => {
    const crowd = many(40);
    expect(buildConsensusSeries(history({ crowd }), { range: "all" }).rows).toHaveLength(41);
  });

  it("keeps baseline revisions and own forecasts on top of the sampled crowd", () => {
    const series = buildConsensusSeries(
      history({
        crowd: many(2_000),
        baseline: [{ at: daysAgo(50.123), probabilities: [0.4, 0.4, 0.2], note: "Mid-way" }],
        own: [{ at: daysAgo(10.456), probabilities: [0.4, 0.4, 0.2] }],
      }),
      { range: "all", maxCrowdPoints: 50 },
    );
    expect(series.rows.some((row) => row.revision?.note === "Mid-way")).toBe(true);
    expect(series.rows.some((row) => row.own[0] === 40)).toBe(true);
    expect(series.rows.length).toBeLessThanOrEqual(52);
  });
});

describe("downsample", () => {
  const line = (values: number[]) => values.map((value, t) => ({ t, centers: [value] }));

  it("returns short inputs unchanged", () => {
    const points = line([1, 2, 3]);
    expect(downsample(points, 5)).toEqual(points);
  });

  it("returns exactly `limit` points, first and last included", () => {
    const points = line(Array.from({ length: 1_000 }, (_, i) => Math.sin(i)));
    const sampled = downsample(points, 100);
    expect(sampled).toHaveLength(100);
    expect(sampled[0]).toBe(points[0]);
    expect(sampled.at(-1)).toBe(points.at(-1));
    expect(sampled.map((point) => point.t)).toEqual([...sampled.map((point) => point.t)].sort((a, b) => a - b));
  });

  it("keeps a lone spike that plain decimation would drop", () => {
    const values = Array.from({ length: 1_000 }, () => 30);
    values[503] = 90;
    const sampled = downsample(line(values), 20);
    expect(sampled.some((point) => point.centers[0] === 90)).toBe(true);
  });

  it("keeps a spike in any one scenario of a vector", () => {
    const points = Array.from({ length: 600 }, (_, t) => ({ t, centers: [50, t === 301 ? 5 : 40] }));
    expect(downsample(points, 30).some((point) => point.t === 301)).toBe(true);
  });

  it("never returns fewer than the two ends", () => {
    const points = line([1, 2, 3, 4]);
    expect(downsample(points, 0)).toEqual([points[0], points[3]]);
  });
});

describe("latestFigures", () => {
  it("reports the newest crowd, baseline and own figures whatever the range", () => {
    const figures = latestFigures(
      history({
        crowd: [snapshot(daysAgo(2), [0.4, 0.4, 0.2]), snapshot(daysAgo(1), [0.45, 0.4, 0.15])],
        baseline: [
          { at: daysAgo(9), probabilities: [0.5, 0.3, 0.2], note: "Old" },
          { at: daysAgo(4), probabilities: [0.5, 0.35, 0.15], note: "New" },
        ],
        own: [{ at: daysAgo(3), probabilities: [0.2, 0.5, 0.3] }],
      }),
    );
    expect(figures.crowd?.at).toBe(daysAgo(1));
    expect(figures.crowd?.centers.map((value) => Math.round(value ?? -1))).toEqual([45, 40, 15]);
    expect(figures.crowd?.bands[2]?.map(Math.round)).toEqual([10, 20]);
    expect(figures.baseline).toEqual({ at: daysAgo(4), values: [50, 35, 15], note: "New" });
    expect(figures.own).toEqual({ at: daysAgo(3), values: [20, 50, 30] });
  });

  it("is all null for an empty history and picks Yes only for binary questions", () => {
    expect(latestFigures(history())).toEqual({ crowd: null, baseline: null, own: null });
    const binary = latestFigures(
      history({
        kind: "binary",
        scenarios: threeScenarios.slice(0, 2),
        baseline: [{ at: daysAgo(1), probabilities: [0.3, 0.7], note: "" }],
      }),
    );
    expect(binary.baseline?.values).toEqual([30]);
  });
});

describe("timeTicks", () => {
  const iso = (ticks: number[]) => ticks.map((t) => new Date(t).toISOString());

  it("puts a week's ticks on UTC midnights", () => {
    const { unit, ticks } = timeTicks(now - 7 * DAY, now, 5);
    expect(unit).toBe("day");
    expect(ticks.length).toBeLessThanOrEqual(5);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(iso(ticks).every((value) => value.endsWith("T00:00:00.000Z"))).toBe(true);
  });

  it("uses Mondays for a few months", () => {
    const { unit, ticks } = timeTicks(Date.parse("2026-10-01T00:00:00Z"), Date.parse("2026-11-20T00:00:00Z"), 5);
    expect(unit).toBe("day");
    expect(ticks.every((t) => new Date(t).getUTCDay() === 1)).toBe(true);
  });

  it("uses first days of months for longer spans", () => {
    const { unit, ticks } = timeTicks(Date.parse("2025-11-15T00:00:00Z"), Date.parse("2026-12-01T00:00:00Z"), 5);
    expect(unit).toBe("month");
    expect(iso(ticks)).toEqual(["2026-01-01T00:00:00.000Z", "2026-04-01T00:00:00.000Z", "2026-07-01T00:00:00.000Z", "2026-10-01T00:00:00.000Z"]);
  });

  it("uses whole hours within a day", () => {
    const { unit, ticks } = timeTicks(now - 3_600_000 * 5, now, 5);
    expect(unit).toBe("hour");
    expect(iso(ticks).every((value) => value.endsWith(":00:00.000Z"))).toBe(true);
  });

  it("keeps every tick inside the window and within the count", () => {
    for (const span of [0.5, 3, 10, 45, 200, 800, 5_000]) {
      const start = now - span * DAY;
      const { ticks } = timeTicks(start, now, 4);
      expect(ticks.length).toBeLessThanOrEqual(4);
      expect(ticks.every((t) => t >= start && t <= now)).toBe(true);
    }
  });
});
