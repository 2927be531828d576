/**
 * The aggregate and baseline history of a question as CSV, one row per crowd snapshot or baseline
 * revision, oldest first, in the shape spreadsheet users expect: one column per scenario figure.
 */

export interface HistoryExportInput {
  scenarios: readonly { title: string }[];
  crowd: readonly { at: Date; version: number; method: string; count: number; centers: number[]; lower: number[]; upper: number[] }[];
  baseline: readonly { at: Date; note: string; probabilities: number[] }[];
}

/**
 * Quotes what CSV needs quoted, and defuses cells a spreadsheet would run as a formula (an
 * author's note starting with "=" must stay text: OWASP's CSV injection advice).
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const round = (value: number | undefined) => (value === undefined ? null : Math.round(value * 1e6) / 1e6);

export function historyToCsv(input: HistoryExportInput): string {
  const header = ["at", "series", "version", "method", "forecasters", "note"];
  for (const { title } of input.scenarios) header.push(title, `${title} (25th percentile)`, `${title} (75th percentile)`);
  const rows: { at: Date; cells: (string | number | null)[] }[] = [];
  for (const point of input.crowd) {
    const cells: (string | number | null)[] = [point.at.toISOString(), "crowd", point.version, point.method, point.count, null];
    input.scenarios.forEach((_, index) => cells.push(round(point.centers[index]), round(point.lower[index]), round(point.upper[index])));
    rows.push({ at: point.at, cells });
  }
  for (const revision of input.baseline) {
    const cells: (string | number | null)[] = [revision.at.toISOString(), "author_baseline", null, null, null, revision.note];
    input.scenarios.forEach((_, index) => cells.push(round(revision.probabilities[index]), null, null));
    rows.push({ at: revision.at, cells });
  }
  // Stable: within one instant, snapshots keep their version order ahead of a revision.
  rows.sort((a, b) => a.at.getTime() - b.at.getTime());
  return [header, ...rows.map((row) => row.cells)].map((cells) => cells.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
