import type { CrowdSnapshot } from "~/domain/consensus-series";

/**
 * The crowd's history as the question page ships it to the chart: columns of numbers instead of
 * one object per point, and probabilities to four decimals (a hundredth of a percentage point,
 * far finer than a pixel or the tooltip's one decimal). 400 points as objects with full-precision
 * floats were ~100 KB of every signed-in page's loader data; packed they are about a fifth.
 * The figures a reader reads as numbers (the table, the exports) never come from here.
 */
export interface PackedChartHistory {
  versions: number[];
  /** Milliseconds since the epoch. */
  at: number[];
  /** Per point, the scenarios' values; empty for a crowd of nobody. */
  centers: number[][];
  lower: number[][];
  upper: number[][];
}

export interface ChartHistoryPoint extends CrowdSnapshot {
  version: number;
}

const FOUR_DECIMALS = 10_000;
const rounded = (values: readonly number[]) => values.map((value) => Math.round(value * FOUR_DECIMALS) / FOUR_DECIMALS);

export function packChartHistory(points: ReadonlyArray<{ version: number; at: Date; centers: readonly number[]; lower: readonly number[]; upper: readonly number[] }>): PackedChartHistory {
  return {
    versions: points.map((point) => point.version),
    at: points.map((point) => point.at.getTime()),
    centers: points.map((point) => rounded(point.centers)),
    lower: points.map((point) => rounded(point.lower)),
    upper: points.map((point) => rounded(point.upper)),
  };
}

export function unpackChartHistory(packed: PackedChartHistory): ChartHistoryPoint[] {
  return packed.versions.map((version, index) => ({
    version,
    at: new Date(packed.at[index]!).toISOString(),
    centers: packed.centers[index] ?? [],
    lower: packed.lower[index] ?? [],
    upper: packed.upper[index] ?? [],
  }));
}
