import { FormRefusal, pathOfFieldName } from "./bounded-form";
import { DEFAULT_LIST_LIMIT } from "./form-shape";

/** No form of ours has a tenth of this many fields; a body with more is not from one of them. */
export const MAX_FORM_FIELDS = 1_000;
/** Our longest field name (`scenarios[7].whatHappens`) is a tenth of this. */
export const MAX_FIELD_NAME_LENGTH = 200;
/** Our deepest field name (`scenarios[7].whatHappens`) has three parts. */
export const MAX_FIELD_NAME_DEPTH = 3;

const PATH_SYNTAX = /[.[\]]/;

/**
 * Whether a field name could belong to some form of ours: actions that read no fields at all
 * (log-out, publish) refuse `x[999999999]` as the forms do, and no name reaches any action that
 * would make a list longer than any form's. Each form checks its own names exactly
 * (bounded-form.ts).
 */
function isPlausibleFieldName(name: string): boolean {
  if (!PATH_SYNTAX.test(name)) return true;
  const path = pathOfFieldName(name);
  return path !== null && path.length <= MAX_FIELD_NAME_DEPTH && path.every((segment) => typeof segment === "string" || segment < DEFAULT_LIST_LIMIT);
}

/**
 * The request's form fields, or a 400 a person can read: a JSON or truncated body must not turn
 * into a 500 (the body size itself is capped earlier, in server/mutation-guard.ts), and a body of
 * thousands of fields or of field names that are essays is refused before any action reads it.
 */
export async function readFormData(request: Request): Promise<FormData> {
  let formData: FormData;
  try {
    formData = await request.formData();
  } catch {
    throw new Response("Send this form as form data (application/x-www-form-urlencoded or multipart/form-data).", {
      status: 400,
      statusText: "Bad Request",
    });
  }
  let fields = 0;
  for (const [name, value] of formData) {
    if (++fields > MAX_FORM_FIELDS) throw new FormRefusal(`This form sent more than ${MAX_FORM_FIELDS.toLocaleString("en")} fields; no form here has that many.`);
    if (name.length > MAX_FIELD_NAME_LENGTH) throw new FormRefusal("This form sent a field name longer than any form here uses.");
    if (!isPlausibleFieldName(name)) throw new FormRefusal("This form sent a field it does not have. Reload the page and try again.");
    // PostgreSQL cannot store U+0000 in text (SQLite can): refused alike on both, before any
    // lookup or write could fail on it. Nobody types it; it arrives only from scripts.
    if (typeof value === "string" && value.includes("\u0000")) throw new FormRefusal("This form contains a NUL character (U+0000), which cannot be stored. Remove it and try again.");
  }
  return formData;
}
