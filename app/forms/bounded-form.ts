import type { Submission, SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { z } from "zod";
import { DEFAULT_LIST_LIMIT, DEFAULT_VALUE_LIMIT, formShapeOf, type FormShape } from "./form-shape";

/**
 * conform's parseWithZod, with nothing unbounded reaching it. conform builds objects and arrays
 * from field names (`scenarios[2].title`) and its reply echoes every field back, so one field named
 * `x[999999999]` made a sparse array of that length and a reply of gigabytes (issue 14). Here the
 * form's own schema decides which names exist and how long values may be:
 * - a name with a path (`.`, `[`) that the form does not have, an index beyond the form's list
 *   limit, a path deeper than the form's, or a file → 400, before conform sees anything;
 * - a plain name the form does not have (a submit button, the honeypot) is left out;
 * - a value longer than its schema allows is left to the schema, which names the field and the
 *   limit; where the schema states no length, DEFAULT_VALUE_LIMIT refuses it here instead;
 * - the reply echoes only the form's own fields, each cut to its limit.
 */

export class FormRefusal extends Response {
  constructor(message: string) {
    super(message, { status: 400, statusText: "Bad Request", headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
}

// conform's own control fields: a form of ours never sends them to the server, and conform
// JSON-parses them without a guard.
const CONFORM_CONTROL_FIELDS = new Set(["__intent__", "__state__"]);
const PATH_SYNTAX = /[.[\]]/;
const PATH_TOKEN = /([^.[\]]+)|\[(\d{1,9})\]/g;

/** A field name as conform reads it (`a.b[3].c` → a, b, 3, c), or null when it is not one. */
export function pathOfFieldName(name: string): Array<string | number> | null {
  const segments: Array<string | number> = [];
  let end = 0;
  for (const match of name.matchAll(PATH_TOKEN)) {
    const separated = match.index === end || (match.index === end + 1 && name[end] === "." && segments.length > 0 && match[1] !== undefined);
    if (!separated) return null;
    segments.push(match[1] ?? Number(match[2]));
    end = match.index + match[0].length;
  }
  return end === name.length && segments.length > 0 ? segments : null;
}

type FieldVerdict = { keep: true; shape: FormShape | null } | { keep: false; refuse: boolean };

function judgeFieldName(shape: FormShape, name: string): FieldVerdict {
  if (CONFORM_CONTROL_FIELDS.has(name)) return { keep: false, refuse: false };
  if (!PATH_SYNTAX.test(name)) {
    if (shape.kind !== "object") return { keep: false, refuse: false };
    const field = shape.fields.get(name);
    if (field) return field.kind === "value" ? { keep: true, shape: field } : { keep: false, refuse: true };
    // A passthrough schema reads unknown plain fields itself (the probability form refuses a
    // scenario of another question by name), so they go through, bounded like any free value.
    return shape.passthrough ? { keep: true, shape: null } : { keep: false, refuse: false };
  }
  const path = pathOfFieldName(name);
  if (!path) return { keep: false, refuse: true };
  let current: FormShape | undefined = shape;
  for (const segment of path) {
    if (!current) return { keep: false, refuse: true };
    if (typeof segment === "number") {
      if (current.kind !== "list" || segment >= (current.maxItems ?? DEFAULT_LIST_LIMIT)) return { keep: false, refuse: true };
      current = current.item;
    } else {
      if (current.kind !== "object") return { keep: false, refuse: true };
      current = current.fields.get(segment);
    }
  }
  return current?.kind === "value" ? { keep: true, shape: current } : { keep: false, refuse: true };
}

const shapes = new WeakMap<z.ZodTypeAny, FormShape>();
function shapeOf(schema: z.ZodTypeAny): FormShape {
  let shape = shapes.get(schema);
  if (!shape) {
    shape = formShapeOf(schema);
    shapes.set(schema, shape);
  }
  return shape;
}

/** Only the fields the form has; throws a FormRefusal for anything it cannot hold. */
export function boundFormData(formData: FormData, schema: z.ZodTypeAny): FormData {
  const shape = shapeOf(schema);
  const bounded = new FormData();
  for (const [name, value] of formData) {
    const verdict = judgeFieldName(shape, name);
    if (!verdict.keep) {
      if (verdict.refuse) throw new FormRefusal("This form sent a field it does not have. Reload the page and try again.");
      continue;
    }
    if (typeof value !== "string") throw new FormRefusal("This form takes no files. Reload the page and try again.");
    const stated = verdict.shape?.kind === "value" ? verdict.shape.maxLength : null;
    if (stated === null && value.length > DEFAULT_VALUE_LIMIT) {
      throw new FormRefusal(`A field of this form is longer than ${DEFAULT_VALUE_LIMIT.toLocaleString("en")} characters.`);
    }
    bounded.append(name, value);
  }
  return bounded;
}

/** The reply's echo of what was typed, each value cut to what its field may hold. */
export function cutToShape(payload: unknown, shape: FormShape | null): unknown {
  if (typeof payload === "string") {
    const limit = shape?.kind === "value" ? (shape.maxLength ?? DEFAULT_VALUE_LIMIT) : DEFAULT_VALUE_LIMIT;
    return payload.length > limit ? payload.slice(0, limit) : payload;
  }
  if (Array.isArray(payload)) {
    const item = shape?.kind === "list" ? shape.item : shape;
    const maxItems = shape?.kind === "list" ? (shape.maxItems ?? DEFAULT_LIST_LIMIT) : DEFAULT_LIST_LIMIT;
    return payload.slice(0, maxItems).map((entry) => cutToShape(entry, item));
  }
  if (payload && typeof payload === "object") {
    const fields = shape?.kind === "object" ? shape.fields : new Map<string, FormShape>();
    return Object.fromEntries(Object.entries(payload).map(([key, entry]) => [key, cutToShape(entry, fields.get(key) ?? null)]));
  }
  return payload;
}

/**
 * parseWithZod on the form's own fields only; `reply()` as conform's, its echo cut to the limits.
 * Throws a FormRefusal (a 400 Response) for input no form of ours sends.
 */
export function parseBoundedForm<Schema extends z.ZodTypeAny>(formData: FormData, options: { schema: Schema }) {
  const shape = shapeOf(options.schema);
  const submission = parseWithZod(boundFormData(formData, options.schema), { schema: options.schema }) as Submission<z.input<Schema>, string[], z.output<Schema>>;
  const reply = submission.reply.bind(submission);
  submission.reply = ((replyOptions?: Parameters<typeof reply>[0]) => {
    const result: SubmissionResult<string[]> = reply(replyOptions);
    return result.initialValue ? { ...result, initialValue: cutToShape(result.initialValue, shape) as typeof result.initialValue } : result;
  }) as typeof submission.reply;
  return submission;
}
