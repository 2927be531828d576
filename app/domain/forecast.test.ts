import { describe, expect, it } from "vitest";
import { baselineFormSchema, forecastFormSchema, RATIONALE_MAX_LENGTH } from "./forecast";
import { probabilityFieldName } from "./probability-fields";

const scenarios = [
  { id: "open", title: "Open wins" },
  { id: "closed", title: "Closed holds" },
  { id: "split", title: "Split" },
];
const binary = [
  { id: "yes", title: "Yes" },
  { id: "no", title: "No" },
];
const fields = (values: Record<string, string>) => Object.fromEntries(Object.entries(values).map(([id, value]) => [probabilityFieldName(id), value]));
const messagesOf = (result: { success: false; error: { issues: { path: (string | number)[]; message: string }[] } }) =>
  Object.fromEntries(result.error.issues.map((issue) => [issue.path.join("."), issue.message]));

describe("forecastFormSchema", () => {
  const schema = forecastFormSchema(scenarios, "scenarios");
  const binarySchema = forecastFormSchema(binary, "binary");

  it("turns percentages into probabilities that sum to exactly 1", () => {
    const parsed = schema.parse({ ...fields({ open: "60", closed: "30", split: "10" }), rationale: "  because  " });
    expect(parsed.probabilities).toEqual([0.6, 0.3, 0.1]);
    expect(parsed.rationale).toBe("because");
  });

  it("accepts rounding within half a point and normalises it away", () => {
    const parsed = schema.parse(fields({ open: "33.3", closed: "33.3", split: "33.3" }));
    expect(parsed.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(parsed.rationale).toBeNull();
  });

  it("says what the probabilities add up to when they do not make 100", () => {
    const result = schema.safeParse(fields({ open: "60", closed: "30", split: "7" }));
    expect(result.success).toBe(false);
    if (!result.success) expect(messagesOf(result).probabilities).toBe("The probabilities must add up to 100 % (they add up to 97 %)");
  });

  it.each([
    ["-5", "cannot be negative"],
    ["101", "cannot be more than 100 %"],
    ["abc", "must be a number between 0 and 100"],
    ["NaN", "must be a number between 0 and 100"],
    // Plain decimals only: Number() would read each of these as a percentage (issue 14).
    ["Infinity", "must be a number between 0 and 100"],
    ["0x32", "must be a number between 0 and 100"],
    ["5e1", "must be a number between 0 and 100"],
    ["0b110010", "must be a number between 0 and 100"],
    ["\n50", "must be a number between 0 and 100"],
    ["\u00a050", "must be a number between 0 and 100"],
    ["50\t", "must be a number between 0 and 100"],
    ["1_0", "must be a number between 0 and 100"],
    ["+50", "must be a number between 0 and 100"],
  ])("names the scenario whose value %o is wrong", (value, message) => {
    const result = schema.safeParse(fields({ open: value, closed: "30", split: "10" }));
    expect(result.success).toBe(false);
    if (!result.success) expect(messagesOf(result)[probabilityFieldName("open")]).toContain(message);
  });

  it.each([
    ["50", 0.5],
    ["50.5", 0.505],
    [" 50 ", 0.5],
    ["50.", 0.5],
    [".5", 0.005],
  ])("reads the plain decimal %o", (value, probability) => {
    const result = binarySchema.safeParse({ [probabilityFieldName("yes")]: value });
    expect(result.success && result.data.probabilities[0]).toBeCloseTo(probability, 10);
  });

  it("names a missing scenario", () => {
    const result = schema.safeParse(fields({ open: "60", closed: "40" }));
    expect(result.success).toBe(false);
    if (!result.success) expect(messagesOf(result)[probabilityFieldName("split")]).toBe("Give a probability for “Split”");
  });

  it("refuses a field naming a scenario of another question", () => {
    const result = schema.safeParse(fields({ open: "60", closed: "30", split: "10", elsewhere: "0" }));
    expect(result.success).toBe(false);
    if (!result.success) expect(messagesOf(result).probabilities).toMatch(/not part of this question/);
  });

  it("refuses a rationale over the limit and reports it with the probability errors", () => {
    const result = schema.safeParse({ ...fields({ open: "60" }), rationale: "x".repeat(RATIONALE_MAX_LENGTH + 1) });
    expect(result.success).toBe(false);
    if (!result.success) {
      const messages = messagesOf(result);
      expect(messages.rationale).toMatch(/5,000 characters/);
      expect(messages[probabilityFieldName("closed")]).toBeDefined();
    }
  });

  it("refuses non-string values without throwing", () => {
    expect(schema.safeParse({ ...fields({ open: "60", closed: "30", split: "10" }), rationale: 5 }).success).toBe(false);
    expect(schema.safeParse({ [probabilityFieldName("open")]: { nested: true } }).success).toBe(false);
  });
});

describe("binary questions", () => {
  const schema = forecastFormSchema(binary, "binary");

  it("derive No from Yes when only Yes is posted", () => {
    expect(schema.parse(fields({ yes: "70" })).probabilities).toEqual([expect.closeTo(0.7, 12), expect.closeTo(0.3, 12)]);
  });

  it("still check both when both are posted", () => {
    expect(schema.safeParse(fields({ yes: "70", no: "20" })).success).toBe(false);
  });

  it("need the Yes probability", () => {
    expect(schema.safeParse(fields({ no: "20" })).success).toBe(false);
  });
});

describe("baselineFormSchema", () => {
  const schema = baselineFormSchema(scenarios, "scenarios");

  it("needs a note explaining the revision", () => {
    const result = schema.safeParse({ ...fields({ open: "45", closed: "40", split: "15" }), note: "  " });
    expect(result.success).toBe(false);
    if (!result.success) expect(messagesOf(result).note).toBe("Say in a sentence why the baseline changes");
  });

  it("returns the note and the probabilities", () => {
    const parsed = schema.parse({ ...fields({ open: "45", closed: "40", split: "15" }), note: "New model releases" });
    expect(parsed).toEqual({ note: "New model releases", probabilities: [0.45, 0.4, 0.15].map((value) => expect.closeTo(value, 12)) });
  });
});
