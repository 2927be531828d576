import { describe, expect, it } from "vitest";
import {
  AddScenarioSchema,
  ArticleFormSchema,
  NewQuestionSchema,
  QuestionSettingsSchema,
  ScenariosFormSchema,
  SlugSchema,
  initialScenarioTitles,
  publicationBlocker,
  suggestSlug,
  toDateInputValue,
} from "./authoring-forms";

type Failure = { success: false; error: { issues: { path: (string | number)[]; message: string }[] } };
const messagesOf = (result: Failure) => {
  const messages: Record<string, string[]> = {};
  for (const issue of result.error.issues) (messages[issue.path.join(".")] ??= []).push(issue.message);
  return messages;
};
function failureOf(result: { success: boolean }): Record<string, string[]> {
  expect(result.success).toBe(false);
  return messagesOf(result as Failure);
}

const article = { title: "Open vs closed", slug: "open-vs-closed", dek: "Who wins", summary: "In brief.", body: "One.\r\n\r\nTwo." };

describe("ArticleFormSchema", () => {
  it("trims, lowercases the slug and stores line breaks as \\n", () => {
    const parsed = ArticleFormSchema.parse({ ...article, title: "  Open vs closed  ", slug: " Open-VS-Closed " });
    expect(parsed).toEqual({ ...article, slug: "open-vs-closed", body: "One.\n\nTwo." });
  });

  it("lets a draft leave standfirst, summary and body empty", () => {
    expect(ArticleFormSchema.parse({ title: "T", slug: "t" })).toEqual({ title: "T", slug: "t", dek: "", summary: "", body: "" });
  });

  it("names every wrong field at once, with its limit", () => {
    const messages = failureOf(
      ArticleFormSchema.safeParse({
        title: "x".repeat(10_240),
        slug: "s".repeat(81),
        dek: "d".repeat(301),
        summary: "s".repeat(5_001),
        body: "b".repeat(100_001),
      }),
    );
    expect(messages.title).toEqual(["Title must be at most 200 characters"]);
    expect(messages.slug).toEqual(["Slug must be at most 80 characters"]);
    expect(messages.dek).toEqual(["Standfirst must be at most 300 characters"]);
    expect(messages.summary).toEqual(["Summary must be at most 5,000 characters"]);
    expect(messages.body).toEqual(["Body must be at most 100,000 characters"]);
  });

  it("accepts the limits themselves", () => {
    const atLimit = { title: "x".repeat(200), slug: "s".repeat(80), dek: "d".repeat(300), summary: "s".repeat(5_000), body: "b".repeat(100_000) };
    expect(ArticleFormSchema.safeParse(atLimit).success).toBe(true);
  });

  it("requires a title and a slug", () => {
    const messages = failureOf(ArticleFormSchema.safeParse({ title: "   ", dek: "x" }));
    expect(messages.title).toEqual(["Title is required"]);
    expect(messages.slug).toEqual(["Slug is required"]);
  });

  it("refuses a multi-line title and non-text values without throwing", () => {
    expect(failureOf(ArticleFormSchema.safeParse({ ...article, title: "one\ntwo" })).title?.[0]).toMatch(/one line of text/);
    expect(failureOf(ArticleFormSchema.safeParse({ ...article, body: 5 })).body).toEqual(["Body must be text"]);
  });
});

describe("SlugSchema", () => {
  it.each(["a", "open-vs-closed-ai-2026", "2028"])("accepts %o", (slug) => {
    expect(SlugSchema.parse(slug)).toBe(slug);
  });
  it.each(["-lead", "trail-", "double--hyphen", "under_score", "spa ce", "é", "a/b", "../x"])("refuses %o", (slug) => {
    expect(SlugSchema.safeParse(slug).error?.issues[0]?.message).toBe("Slug may contain only letters a–z, digits and single hyphens between them");
  });
});

describe("suggestSlug", () => {
  it("makes a slug from the title", () => {
    expect(suggestSlug("Open vs Closed AI 2026: Who Controls the Future?")).toBe("open-vs-closed-ai-2026-who-controls-the-future");
    expect(suggestSlug("Café crème — l’été")).toBe("cafe-creme-lete");
    expect(suggestSlug("  ***  ")).toBe("");
  });

  it("cuts long titles at a word boundary within the limit, and always passes the slug schema", () => {
    const slug = suggestSlug("word ".repeat(40));
    expect(slug.length).toBeLessThanOrEqual(80);
    expect(slug.endsWith("word")).toBe(true);
    expect(SlugSchema.safeParse(slug).success).toBe(true);
    const unbroken = suggestSlug("x".repeat(100));
    expect(unbroken).toBe("x".repeat(80));
  });
});

describe("publicationBlocker", () => {
  it("says what is missing before an article may be published", () => {
    expect(publicationBlocker(article)).toBeNull();
    expect(publicationBlocker({ ...article, body: " " })).toBe("Write the body before publishing, then save");
    expect(publicationBlocker({ ...article, dek: "", summary: "", body: "" })).toBe("Write the standfirst, summary and body before publishing, then save");
  });
});

const question = { title: "Which scenario?", description: "Pick one.", revealCrowd: "always" };

describe("NewQuestionSchema", () => {
  it("reads scenario titles one per line, skipping blank lines", () => {
    const parsed = NewQuestionSchema.parse({ ...question, kind: "scenarios", scenarioTitles: " Open wins \r\n\r\nClosed holds\nSplit\n" });
    expect(parsed.kind === "scenarios" && parsed.scenarioTitles).toEqual(["Open wins", "Closed holds", "Split"]);
    expect(initialScenarioTitles(parsed)).toEqual(["Open wins", "Closed holds", "Split"]);
    expect(parsed.closesAt).toBeNull();
  });

  it("gives a binary question Yes and No and ignores any scenario titles sent", () => {
    const parsed = NewQuestionSchema.parse({ ...question, kind: "binary", scenarioTitles: "A\nB\nC", closesAt: "2028-01-31" });
    expect(initialScenarioTitles(parsed)).toEqual(["Yes", "No"]);
    expect(parsed.closesAt?.toISOString()).toBe("2028-01-31T00:00:00.000Z");
  });

  it.each([
    ["one scenario", "Only one", "at least 2 scenario titles"],
    ["nine scenarios", Array.from({ length: 9 }, (_, index) => `S${index}`).join("\n"), "at most 8 scenarios (you gave 9)"],
    ["a title over 120 characters", `Fine\n${"x".repeat(121)}`, "the title on line 2 must be at most 120 characters"],
    ["the same title twice", "Open\nopen", "“open” appears twice"],
  ])("refuses %s on the scenarios field", (_name, scenarioTitles, message) => {
    const messages = failureOf(NewQuestionSchema.safeParse({ ...question, kind: "scenarios", scenarioTitles }));
    expect(messages.scenarioTitles?.join(" ")).toContain(message);
  });

  it("reports the settings' errors together with the scenarios' and the kind's", () => {
    const messages = failureOf(NewQuestionSchema.safeParse({ title: "x".repeat(301), revealCrowd: "sometimes", closesAt: "2028-02-30", kind: "scenarios", scenarioTitles: "One" }));
    expect(messages.title).toEqual(["Question title must be at most 300 characters"]);
    expect(messages.revealCrowd).toEqual(["Choose when readers see the crowd’s forecast"]);
    expect(messages.closesAt).toEqual(["Closes at must be a date like 2028-01-31"]);
    expect(messages.scenarioTitles?.[0]).toMatch(/at least 2/);
    expect(failureOf(NewQuestionSchema.safeParse({ ...question, kind: "poll" })).kind).toEqual(["Choose the kind of question"]);
    expect(failureOf(NewQuestionSchema.safeParse(question)).kind).toEqual(["Choose the kind of question"]);
  });
});

describe("QuestionSettingsSchema", () => {
  it("round-trips the closing date through the date input", () => {
    const parsed = QuestionSettingsSchema.parse({ ...question, revealCrowd: "after_forecast", closesAt: "2027-12-31" });
    expect(toDateInputValue(parsed.closesAt)).toBe("2027-12-31");
    expect(toDateInputValue(null)).toBe("");
    expect(QuestionSettingsSchema.parse({ ...question, closesAt: "" }).closesAt).toBeNull();
  });

  it("limits the description", () => {
    expect(failureOf(QuestionSettingsSchema.safeParse({ ...question, description: "d".repeat(5_001) })).description).toEqual([
      "Description must be at most 5,000 characters",
    ]);
  });
});

describe("ScenariosFormSchema", () => {
  const scenario = (id: string) => ({ id, title: `Scenario ${id}`, summary: "S", whatHappens: " first \r\n\r\n second ", catalysts: "", timeline: "2027", thesis: "" });

  it("stores list items one per line without blanks", () => {
    const parsed = ScenariosFormSchema.parse({ scenarios: [scenario("a"), scenario("b")] });
    expect(parsed.scenarios[0]?.whatHappens).toBe("first\nsecond");
    expect(parsed.scenarios[1]?.catalysts).toBe("");
  });

  it("puts each error on the scenario field it belongs to", () => {
    const messages = failureOf(
      ScenariosFormSchema.safeParse({ scenarios: [{ ...scenario("a"), title: "" }, { ...scenario("b"), thesis: "t".repeat(5_001) }] }),
    );
    expect(messages["scenarios.0.title"]).toEqual(["Scenario title is required"]);
    expect(messages["scenarios.1.thesis"]).toEqual(["Investable thesis must be at most 5,000 characters"]);
  });

  it("refuses a form with fewer than two or more than eight scenarios", () => {
    expect(ScenariosFormSchema.safeParse({ scenarios: [scenario("a")] }).success).toBe(false);
    expect(ScenariosFormSchema.safeParse({ scenarios: Array.from({ length: 9 }, (_, index) => scenario(String(index))) }).success).toBe(false);
  });
});

describe("AddScenarioSchema", () => {
  it("needs a title of at most 120 characters", () => {
    expect(AddScenarioSchema.parse({ title: " New " })).toEqual({ title: "New", summary: "" });
    expect(failureOf(AddScenarioSchema.safeParse({ title: "x".repeat(121) })).title).toEqual(["Scenario title must be at most 120 characters"]);
  });
});
