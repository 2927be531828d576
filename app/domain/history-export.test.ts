import { describe, expect, it } from "vitest";
import { csvCell, historyToCsv } from "./history-export";

describe("csvCell", () => {
  it("leaves plain text and numbers alone", () => {
    expect(csvCell("Open wins")).toBe("Open wins");
    expect(csvCell(0.45)).toBe("0.45");
    expect(csvCell(null)).toBe("");
  });

  it("quotes commas, quotes and line breaks", () => {
    expect(csvCell('He said "no", twice\nreally')).toBe('"He said ""no"", twice\nreally"');
  });

  it("keeps a note that looks like a formula as text", () => {
    expect(csvCell("=HYPERLINK(\"http://evil\")")).toBe("\"'=HYPERLINK(\"\"http://evil\"\")\"");
    expect(csvCell("+1")).toBe("'+1");
    expect(csvCell(-0.5)).toBe("-0.5");
  });
});

describe("historyToCsv", () => {
  const scenarios = [{ title: "Open" }, { title: "Closed, mostly" }];

  it("writes a header naming each scenario's figures and one row per snapshot and revision, oldest first", () => {
    const csv = historyToCsv({
      scenarios,
      crowd: [{ at: new Date("2026-11-02T00:00:00Z"), version: 1, method: "recency_weighted_median", count: 1, centers: [0.6, 0.4], lower: [0.6, 0.4], upper: [0.6, 0.4] }],
      baseline: [{ at: new Date("2026-11-01T00:00:00Z"), note: "First view", probabilities: [0.45, 0.55] }],
    });
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe('at,series,version,method,forecasters,note,Open,Open (25th percentile),Open (75th percentile),"Closed, mostly","Closed, mostly (25th percentile)","Closed, mostly (75th percentile)"');
    expect(lines[1]).toBe("2026-11-01T00:00:00.000Z,author_baseline,,,,First view,0.45,,,0.55,,");
    expect(lines[2]).toBe("2026-11-02T00:00:00.000Z,crowd,1,recency_weighted_median,1,,0.6,0.6,0.6,0.4,0.4,0.4");
    expect(lines).toHaveLength(3);
  });

  it("is just the header when nothing has happened yet", () => {
    expect(historyToCsv({ scenarios, crowd: [], baseline: [] }).split("\r\n").filter(Boolean)).toHaveLength(1);
  });
});
