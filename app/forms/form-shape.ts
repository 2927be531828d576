import { z } from "zod";

/**
 * What a form can hold, read off its zod schema: which field names exist (`title`,
 * `scenarios[3].id`), how many items each list takes, how long each value may be. The bounded
 * reader (bounded-form.ts) refuses anything outside it before conform turns field names into
 * objects and arrays — `x[999999999]` would otherwise become an array of that length.
 */
export type FormShape =
  | { kind: "value"; maxLength: number | null }
  | { kind: "object"; fields: Map<string, FormShape>; passthrough: boolean }
  | { kind: "list"; maxItems: number | null; item: FormShape };

/** A value whose schema states no length of its own (free text, unknown) may still be no longer than this. */
export const DEFAULT_VALUE_LIMIT = 10_000;
/** A list whose schema states no maximum (a form of ours always states one) may hold no more. */
export const DEFAULT_LIST_LIMIT = 100;

const value = (maxLength: number | null): FormShape => ({ kind: "value", maxLength });
const UNKNOWN = value(null);

// How long the text of a non-string value can be when a person or a browser sends it.
const BOOLEAN_TEXT = "false".length;
const NUMBER_TEXT = 32;
const DATE_TEXT = 40;

function stringLimit(schema: z.ZodString): number | null {
  let limit: number | null = null;
  for (const check of schema._def.checks) {
    if (check.kind === "max" || check.kind === "length") limit = limit === null ? check.value : Math.min(limit, check.value);
  }
  return limit;
}

const textLengthOf = (literal: unknown) => String(literal).length;

/** Walks a zod 3 schema; wrappers (effects, optional, pipelines...) pass through to what they wrap. */
export function formShapeOf(schema: z.ZodTypeAny): FormShape {
  const def = schema._def as { typeName: z.ZodFirstPartyTypeKind } & Record<string, unknown>;
  switch (def.typeName) {
    case z.ZodFirstPartyTypeKind.ZodObject: {
      const object = schema as z.AnyZodObject;
      const fields = new Map<string, FormShape>();
      for (const [key, field] of Object.entries(object.shape as Record<string, z.ZodTypeAny>)) fields.set(key, formShapeOf(field));
      return { kind: "object", fields, passthrough: object._def.unknownKeys === "passthrough" };
    }
    case z.ZodFirstPartyTypeKind.ZodArray: {
      const array = schema as z.ZodArray<z.ZodTypeAny>;
      const limits = [array._def.maxLength?.value, array._def.exactLength?.value].filter((limit): limit is number => typeof limit === "number");
      return { kind: "list", maxItems: limits.length > 0 ? Math.min(...limits) : null, item: formShapeOf(array.element) };
    }
    case z.ZodFirstPartyTypeKind.ZodString:
      return value(stringLimit(schema as z.ZodString));
    case z.ZodFirstPartyTypeKind.ZodBoolean:
      return value(BOOLEAN_TEXT);
    case z.ZodFirstPartyTypeKind.ZodNumber:
    case z.ZodFirstPartyTypeKind.ZodBigInt:
      return value(NUMBER_TEXT);
    case z.ZodFirstPartyTypeKind.ZodDate:
      return value(DATE_TEXT);
    case z.ZodFirstPartyTypeKind.ZodLiteral:
      return value(textLengthOf((schema as z.ZodLiteral<unknown>).value));
    case z.ZodFirstPartyTypeKind.ZodEnum:
      return value(Math.max(...(schema as z.ZodEnum<[string, ...string[]]>).options.map(textLengthOf)));
    case z.ZodFirstPartyTypeKind.ZodEffects:
      return formShapeOf((schema as z.ZodEffects<z.ZodTypeAny>).innerType());
    case z.ZodFirstPartyTypeKind.ZodOptional:
    case z.ZodFirstPartyTypeKind.ZodNullable:
    case z.ZodFirstPartyTypeKind.ZodDefault:
    case z.ZodFirstPartyTypeKind.ZodCatch:
    case z.ZodFirstPartyTypeKind.ZodReadonly:
      return formShapeOf(def.innerType as z.ZodTypeAny);
    case z.ZodFirstPartyTypeKind.ZodBranded:
      return formShapeOf(def.type as z.ZodTypeAny);
    case z.ZodFirstPartyTypeKind.ZodPipeline:
      // Both ends must accept the value: what one end leaves open, the other may bound.
      return intersect(formShapeOf(def.in as z.ZodTypeAny), formShapeOf(def.out as z.ZodTypeAny));
    case z.ZodFirstPartyTypeKind.ZodIntersection:
      return intersect(formShapeOf(def.left as z.ZodTypeAny), formShapeOf(def.right as z.ZodTypeAny));
    case z.ZodFirstPartyTypeKind.ZodUnion:
    case z.ZodFirstPartyTypeKind.ZodDiscriminatedUnion: {
      const options = [...(def.options as Iterable<z.ZodTypeAny>)];
      return options.map(formShapeOf).reduce(unite);
    }
    default:
      return UNKNOWN;
  }
}

const isUnknown = (shape: FormShape) => shape.kind === "value" && shape.maxLength === null;

/** Both schemas apply to one value: the tighter bound holds, and an unknown side says nothing. */
function intersect(left: FormShape, right: FormShape): FormShape {
  if (isUnknown(left)) return right;
  if (isUnknown(right)) return left;
  if (left.kind === "value" && right.kind === "value") return value(Math.min(left.maxLength ?? Infinity, right.maxLength ?? Infinity));
  if (left.kind === "object" && right.kind === "object") {
    const fields = new Map(left.fields);
    for (const [key, shape] of right.fields) fields.set(key, fields.has(key) ? intersect(fields.get(key)!, shape) : shape);
    // Each half of an intersection sees the whole input, so a key one half knows is known.
    return { kind: "object", fields, passthrough: left.passthrough || right.passthrough };
  }
  if (left.kind === "list" && right.kind === "list") {
    const maxItems = left.maxItems === null ? right.maxItems : right.maxItems === null ? left.maxItems : Math.min(left.maxItems, right.maxItems);
    return { kind: "list", maxItems, item: intersect(left.item, right.item) };
  }
  return left;
}

/** Either schema may apply: whatever one of them accepts may arrive. */
function unite(left: FormShape, right: FormShape): FormShape {
  if (left.kind === "value" && right.kind === "value") {
    return value(left.maxLength === null || right.maxLength === null ? null : Math.max(left.maxLength, right.maxLength));
  }
  if (left.kind === "object" && right.kind === "object") {
    const fields = new Map(left.fields);
    for (const [key, shape] of right.fields) fields.set(key, fields.has(key) ? unite(fields.get(key)!, shape) : shape);
    return { kind: "object", fields, passthrough: left.passthrough || right.passthrough };
  }
  if (left.kind === "list" && right.kind === "list") {
    const maxItems = left.maxItems === null || right.maxItems === null ? null : Math.max(left.maxItems, right.maxItems);
    return { kind: "list", maxItems, item: unite(left.item, right.item) };
  }
  return isUnknown(left) ? right : left;
}

/** Every value of the shape whose schema gives no length: a form schema of ours should have none. */
export function unboundedFields(shape: FormShape, path = ""): string[] {
  switch (shape.kind) {
    case "value":
      return shape.maxLength === null ? [path] : [];
    case "list":
      return [...(shape.maxItems === null ? [`${path}[]`] : []), ...unboundedFields(shape.item, `${path}[]`)];
    case "object":
      return [...shape.fields].flatMap(([key, field]) => unboundedFields(field, path ? `${path}.${key}` : key));
  }
}
