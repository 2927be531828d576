import { FormRefusal } from "./bounded-form";

/** No form of ours has a tenth of this many fields; a body with more is not from one of them. */
export const MAX_FORM_FIELDS = 1_000;
/** Our longest field name (`scenarios[7].whatHappens`) is a tenth of this. */
export const MAX_FIELD_NAME_LENGTH = 200;

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
    // PostgreSQL cannot store U+0000 in text (SQLite can): refused alike on both, before any
    // lookup or write could fail on it. Nobody types it; it arrives only from scripts.
    if (typeof value === "string" && value.includes("\u0000")) throw new FormRefusal("This form contains a NUL character (U+0000), which cannot be stored. Remove it and try again.");
  }
  return formData;
}
