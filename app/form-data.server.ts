/**
 * The request's form fields, or a 400 a person can read: a JSON or truncated body must not turn
 * into a 500 (the body size itself is capped earlier, in server/mutation-guard.ts).
 */
export async function readFormData(request: Request): Promise<FormData> {
  try {
    return await request.formData();
  } catch {
    throw new Response("Send this form as form data (application/x-www-form-urlencoded or multipart/form-data).", {
      status: 400,
      statusText: "Bad Request",
    });
  }
}
