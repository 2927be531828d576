import { describe, expect, it } from "vitest";
import { z } from "zod";
import * as accountForms from "~/auth/account-forms";
import * as authoringForms from "~/domain/authoring-forms";
import { baselineFormSchema, forecastFormSchema } from "~/domain/forecast";
import { formShapeOf, unboundedFields, type FormShape } from "./form-shape";

const fieldsOf = (shape: FormShape) => (shape.kind === "object" ? shape.fields : new Map<string, FormShape>());

// Every schema a form of ours posts to a conform action, including those built per request.
const scenarios = [
  { id: "s1", title: "Open" },
  { id: "s2", title: "Closed" },
];
const exportedSchemas = [...Object.entries(accountForms), ...Object.entries(authoringForms)].filter(
  (entry): entry is [string, z.ZodTypeAny] => entry[1] instanceof z.ZodType,
);
const builtSchemas: Array<[string, z.ZodTypeAny]> = [
  ["changePasswordSchema", accountForms.changePasswordSchema({ username: "ada", email: "ada@example.com" })],
  ["deleteAccountSchema", accountForms.deleteAccountSchema("ada")],
  ["baselineFormSchema", baselineFormSchema(scenarios, "scenarios")],
  ["forecastFormSchema", forecastFormSchema(scenarios, "binary")],
];

describe("formShapeOf", () => {
  it.each([...exportedSchemas, ...builtSchemas])("%s states a length for every field and a maximum for every list", (_name, schema) => {
    expect(unboundedFields(formShapeOf(schema))).toEqual([]);
  });

  it("reads lists, their maximum and the fields of their items", () => {
    const shape = formShapeOf(authoringForms.ScenariosFormSchema);
    const scenariosField = fieldsOf(shape).get("scenarios");
    expect(scenariosField).toMatchObject({ kind: "list", maxItems: authoringForms.AUTHORING_LIMITS.maxScenarios });
    const item = scenariosField?.kind === "list" ? scenariosField.item : null;
    expect(item && fieldsOf(item).get("title")).toEqual({ kind: "value", maxLength: authoringForms.AUTHORING_LIMITS.scenarioTitle });
    expect(item && fieldsOf(item).get("id")).toEqual({ kind: "value", maxLength: 64 });
  });

  it("takes the limit from either end of a pipeline and from either half of an intersection", () => {
    const shape = formShapeOf(accountForms.SignupSchema);
    // The intersection's other half reads these fields as unknown: it must not lift their limits.
    expect(fieldsOf(shape).get("password")).toEqual({ kind: "value", maxLength: 256 });
    expect(fieldsOf(shape).get("username")).toEqual({ kind: "value", maxLength: 30 });
    const article = formShapeOf(authoringForms.ArticleFormSchema);
    expect(fieldsOf(article).get("body")).toEqual({ kind: "value", maxLength: authoringForms.AUTHORING_LIMITS.body });
  });

  it("knows every field any option of a union has, literals and enums by their longest text", () => {
    const shape = formShapeOf(authoringForms.NewQuestionSchema);
    expect(fieldsOf(shape).get("kind")).toEqual({ kind: "value", maxLength: "scenarios".length });
    expect(fieldsOf(shape).has("scenarioTitles")).toBe(true);
    expect(fieldsOf(shape).get("revealCrowd")).toEqual({ kind: "value", maxLength: "after_forecast".length });
  });

  it("marks a passthrough object, whose schema reads fields it does not name", () => {
    expect(formShapeOf(baselineFormSchema(scenarios, "scenarios"))).toMatchObject({ kind: "object", passthrough: true });
    expect(formShapeOf(accountForms.LoginSchema)).toMatchObject({ kind: "object", passthrough: false });
  });

  it("reports what a schema leaves unbounded", () => {
    const shape = formShapeOf(z.object({ free: z.string(), items: z.array(z.object({ note: z.string().max(5) })) }));
    expect(unboundedFields(shape)).toEqual(["free", "items[]"]);
  });
});
