import { describe, expect, it } from "vitest";
import { LoginSchema, SignupSchema } from "~/auth/account-forms";
import { AUTHORING_LIMITS, ArticleFormSchema, ScenariosFormSchema } from "~/domain/authoring-forms";
import { baselineFormSchema } from "~/domain/forecast";
import { FormRefusal, boundFormData, parseBoundedForm, pathOfFieldName } from "./bounded-form";
import { MAX_FORM_FIELDS, readFormData } from "./read-form-data.server";

const form = (entries: Array<[string, string | Blob]>) => {
  const formData = new FormData();
  for (const [name, value] of entries) formData.append(name, value);
  return formData;
};

function refusalOf(run: () => unknown): FormRefusal {
  try {
    run();
  } catch (error) {
    if (error instanceof FormRefusal) return error;
    throw error;
  }
  throw new Error("expected a FormRefusal");
}

const scenarioRow = (index: number) =>
  (["id", "title", "summary"] as const).map((field): [string, string] => [`scenarios[${index}].${field}`, `${field} ${index}`]);

describe("pathOfFieldName", () => {
  it.each([
    ["title", ["title"]],
    ["scenarios[3].title", ["scenarios", 3, "title"]],
    ["a.b.c", ["a", "b", "c"]],
    ["scenarios[0]", ["scenarios", 0]],
  ])("reads %s as conform does", (name, path) => {
    expect(pathOfFieldName(name)).toEqual(path);
  });

  it.each(["a..b", ".a", "a.", "a[", "a[x]", "a[-1]", "a[]", "a[9999999999]", "a]"])("refuses %s", (name) => {
    expect(pathOfFieldName(name)).toBeNull();
  });
});

describe("boundFormData", () => {
  it.each([
    ["x[999999999]", "an index on a field the form does not have"],
    ["scenarios[999999999].id", "an index far beyond the form's list"],
    [`scenarios[${AUTHORING_LIMITS.maxScenarios}].id`, "the first index beyond the form's list"],
    ["scenarios[0].id.x", "a path deeper than the form's"],
    ["scenarios.id", "a key where the form has a list"],
    ["scenarios[0].nope", "a field the list's items do not have"],
    ["scenarios", "a list sent as a plain value"],
    ["scenarios[a]", "an index that is not a number"],
  ])("refuses %s (%s) with a 400 that does not repeat the name", async (name) => {
    const refusal = refusalOf(() => boundFormData(form([...scenarioRow(0), [name, "1"]]), ScenariosFormSchema));
    expect(refusal.status).toBe(400);
    const message = await refusal.text();
    expect(message).toMatch(/does not have/);
    expect(message).not.toContain(name);
  });

  it("keeps the form's own fields up to its list's maximum", () => {
    const rows = Array.from({ length: AUTHORING_LIMITS.maxScenarios }, (_, index) => scenarioRow(index)).flat();
    const bounded = boundFormData(form(rows), ScenariosFormSchema);
    expect([...bounded.keys()]).toEqual(rows.map(([name]) => name));
  });

  it("leaves out plain fields the form does not have and conform's control fields", () => {
    const bounded = boundFormData(
      form([
        ["identifier", "ada"],
        ["password", "correct horse"],
        ["website", "bot"],
        ["__intent__", "{not json"],
        ["__state__", "{not json"],
      ]),
      LoginSchema,
    );
    expect([...bounded.keys()]).toEqual(["identifier", "password"]);
  });

  it("passes unknown plain fields to a passthrough schema, which refuses them by name itself", () => {
    const schema = baselineFormSchema([{ id: "s1", title: "Open" }], "scenarios");
    const bounded = boundFormData(form([["p_s1", "100"], ["p_other", "0"], ["note", "why"]]), schema);
    expect(bounded.get("p_other")).toBe("0");
  });

  it("refuses a free field beyond the default limit, and files", () => {
    const schema = baselineFormSchema([{ id: "s1", title: "Open" }], "scenarios");
    expect(refusalOf(() => boundFormData(form([["p_other", "1".repeat(10_001)]]), schema)).status).toBe(400);
    expect(refusalOf(() => boundFormData(form([["identifier", new Blob(["x"])]]), LoginSchema)).status).toBe(400);
  });
});

describe("parseBoundedForm", () => {
  it("lets the schema name a field over its limit, and echoes the value cut to that limit", () => {
    const longTitle = "T".repeat(1_000_000);
    const submission = parseBoundedForm(form([["title", longTitle], ["slug", "ok"], ["unknown", "U".repeat(50)]]), { schema: ArticleFormSchema });
    expect(submission.status).toBe("error");
    const reply = submission.reply();
    expect(reply.error?.title).toEqual([`Title must be at most ${AUTHORING_LIMITS.articleTitle} characters`]);
    const echoed = reply.initialValue as Record<string, unknown>;
    expect(echoed.title).toBe("T".repeat(AUTHORING_LIMITS.articleTitle));
    expect(echoed).not.toHaveProperty("unknown");
    expect(JSON.stringify(reply).length).toBeLessThan(2_000);
  });

  it("still hides passwords and parses a good submission", () => {
    const submission = parseBoundedForm(form([["username", "Ada_L"], ["email", "ada@example.com"], ["password", "a long password"]]), { schema: SignupSchema });
    expect(submission.status).toBe("success");
    expect(submission.status === "success" && submission.value.username).toBe("ada_l");
    expect(submission.reply({ hideFields: ["password"] }).initialValue).toEqual({ username: "Ada_L", email: "ada@example.com" });
  });
});

describe("readFormData", () => {
  const post = (body: BodyInit, contentType = "application/x-www-form-urlencoded") =>
    new Request("http://localhost/signup", { method: "POST", body, headers: { "Content-Type": contentType } });

  it("refuses more fields than any form has", async () => {
    const body = new URLSearchParams(Array.from({ length: MAX_FORM_FIELDS + 1 }, (_, index): [string, string] => [`f${index}`, "1"]));
    const refusal = await readFormData(post(body)).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(FormRefusal);
    expect((refusal as Response).status).toBe(400);
  });

  it("refuses a field name longer than any form uses", async () => {
    const refusal = await readFormData(post(new URLSearchParams({ ["n".repeat(201)]: "1" }))).catch((error: unknown) => error);
    expect((refusal as Response).status).toBe(400);
  });

  it("answers a body that is not form data with a 400", async () => {
    const refusal = await readFormData(post('{"username":"ada"}', "application/json")).catch((error: unknown) => error);
    expect((refusal as Response).status).toBe(400);
  });

  it.each(["x[999999999]", "x[100]", "a.b.c.d", "a..b", "a[x]"])("refuses %s, which no form of ours has, whatever the action", async (name) => {
    const refusal = await readFormData(post(new URLSearchParams({ [name]: "1" }))).catch((error: unknown) => error);
    expect((refusal as Response).status).toBe(400);
  });

  it.each(["scenarios[7].whatHappens", "p_cmx123", "x[99]"])("lets %s through to the form's own check", async (name) => {
    expect((await readFormData(post(new URLSearchParams({ [name]: "1" })))).get(name)).toBe("1");
  });

  it("refuses a NUL character in any value (PostgreSQL cannot store it)", async () => {
    const refusal = await readFormData(post(new URLSearchParams({ body: "a\u0000b" }))).catch((error: unknown) => error);
    expect((refusal as Response).status).toBe(400);
    expect(await (refusal as Response).text()).toMatch(/NUL character/);
  });

  it("reads an ordinary form", async () => {
    const formData = await readFormData(post(new URLSearchParams({ username: "ada" })));
    expect(formData.get("username")).toBe("ada");
  });
});
