import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { DisplayNameSchema, SignupSchema, changePasswordSchema, deleteAccountSchema } from "./account-forms";

const valid = { username: "Alice_Wonder", email: " Alice@Example.COM ", password: "correct horse battery" };

/** The messages zod reports, by dotted field path. */
function errorsOf(result: z.SafeParseReturnType<unknown, unknown>): Record<string, string[]> {
  expect(result.success).toBe(false);
  const errors: Record<string, string[]> = {};
  for (const issue of result.error?.issues ?? []) (errors[issue.path.join(".")] ??= []).push(issue.message);
  return errors;
}

describe("SignupSchema", () => {
  it("accepts a valid sign-up and lower-cases the username and email", () => {
    const result = SignupSchema.safeParse(valid);
    expect(result.success).toBe(true);
    expect(result.data).toEqual({ username: "alice_wonder", email: "alice@example.com", password: "correct horse battery" });
  });

  it("accepts usernames of exactly 3 and 30 characters", () => {
    expect(SignupSchema.safeParse({ ...valid, username: "abc" }).success).toBe(true);
    expect(SignupSchema.safeParse({ ...valid, username: "a".repeat(30) }).success).toBe(true);
  });

  it.each([
    ["2 characters", "ab", /at least 3 characters/],
    ["31 characters", "a".repeat(31), /at most 30 characters/],
    ["10 KB", "a".repeat(10 * 1024), /at most 30 characters/],
    ["a space", "bad name", /only letters a–z, digits and underscores/],
    ["a Cyrillic look-alike letter", "\u0430dmin", /only letters a–z, digits and underscores/],
    ["markup", "<script>", /only letters a–z, digits and underscores/],
    ["SQL", "' OR 1=1 --", /only letters a–z, digits and underscores/],
    ["only spaces", "     ", /at least 3 characters/],
  ])("refuses a username with %s", (_label, username, message) => {
    const errors = errorsOf(SignupSchema.safeParse({ ...valid, username }));
    expect(Object.keys(errors)).toEqual(["username"]);
    expect(errors.username?.join(" ")).toMatch(message);
  });

  it.each([
    ["no @", "alice.example.com"],
    ["no local part", "@example.com"],
    ["no domain", "alice@"],
    ["a space", "ali ce@example.com"],
    ["markup", "<script>@example.com"],
    ["255 characters", `${"a".repeat(243)}@example.com`],
  ])("refuses an email with %s", (_label, email) => {
    const errors = errorsOf(SignupSchema.safeParse({ ...valid, email }));
    expect(Object.keys(errors)).toEqual(["email"]);
    expect(errors.email?.join(" ")).toMatch(/Enter an email address|at most 254 characters/);
  });

  it.each([
    ["9 characters", "a".repeat(9), /at least 10 characters/],
    ["257 characters", "a".repeat(257), /at most 256 characters/],
    ["1 MB", "a".repeat(1024 * 1024), /at most 256 characters/],
    ["the username in other case", "ALICE_WONDER", /must not be your username or email/],
    ["the email in other case", "Alice@Example.com", /must not be your username or email/],
  ])("refuses a password of %s", (_label, password, message) => {
    const errors = errorsOf(SignupSchema.safeParse({ ...valid, password }));
    expect(Object.keys(errors)).toEqual(["password"]);
    expect(errors.password?.join(" ")).toMatch(message);
  });

  it("accepts a password of exactly 10 and 256 characters", () => {
    expect(SignupSchema.safeParse({ ...valid, password: "p".repeat(10) }).success).toBe(true);
    expect(SignupSchema.safeParse({ ...valid, password: "p".repeat(256) }).success).toBe(true);
  });

  it("reports every wrong field at once, the password-equals-username check included", () => {
    const errors = errorsOf(SignupSchema.safeParse({ username: "Alice_Wonder_1", email: "not an email", password: "alice_wonder_1" }));
    expect(errors.email).toEqual(["Enter an email address like name@example.com"]);
    expect(errors.password).toEqual(["Password must not be your username or email"]);
  });

  it("says which fields are missing", () => {
    const errors = errorsOf(SignupSchema.safeParse({}));
    expect(errors).toEqual({
      username: ["Username is required"],
      email: ["Email is required"],
      password: ["Password is required"],
    });
  });

  it("refuses non-string values without throwing", () => {
    let result: ReturnType<typeof SignupSchema.safeParse> | undefined;
    expect(() => {
      result = SignupSchema.safeParse({ username: 123, email: 456, password: 789, redirectTo: 1 });
    }).not.toThrow();
    const errors = errorsOf(result as ReturnType<typeof SignupSchema.safeParse>);
    expect(errors.username).toEqual(["Username must be text"]);
    expect(errors.email).toEqual(["Email must be text"]);
    expect(errors.password).toEqual(["Password must be text"]);
    expect(errors.redirectTo).toHaveLength(1);
    expect(SignupSchema.safeParse(null).success).toBe(false);
    expect(SignupSchema.safeParse({ ...valid, username: ["alice"] }).success).toBe(false);
  });
});

describe("changePasswordSchema", () => {
  const schema = changePasswordSchema({ username: "alice_wonder", email: "alice@example.com" });
  const change = { intent: "password", currentPassword: "old password 1", newPassword: "new password 1", confirmPassword: "new password 1" };

  it("accepts matching new passwords", () => {
    expect(schema.safeParse(change).success).toBe(true);
  });

  it("reports a mismatched confirmation on confirmPassword", () => {
    const errors = errorsOf(schema.safeParse({ ...change, confirmPassword: "new password 2" }));
    expect(errors).toEqual({ confirmPassword: ["The two new passwords differ"] });
  });

  it("refuses a new password equal to the username, on newPassword", () => {
    const errors = errorsOf(schema.safeParse({ ...change, newPassword: "Alice_Wonder", confirmPassword: "Alice_Wonder" }));
    expect(errors).toEqual({ newPassword: ["Password must not be your username or email"] });
  });
});

describe("deleteAccountSchema", () => {
  const schema = deleteAccountSchema("alice");

  it.each(["alice", " Alice "])("accepts the user's own name typed as %o", (confirmUsername) => {
    expect(schema.safeParse({ intent: "delete", confirmUsername }).success).toBe(true);
  });

  it.each(["bob", "alice2", "", "alic"])("refuses %o", (confirmUsername) => {
    const errors = errorsOf(schema.safeParse({ intent: "delete", confirmUsername }));
    expect(errors.confirmUsername?.[0]).toMatch(/Type your username, alice/);
  });
});

describe("DisplayNameSchema", () => {
  it("accepts ordinary names, including non-Latin ones, and no name", () => {
    expect(DisplayNameSchema.safeParse("  Ann Lee ").data).toBe("Ann Lee");
    expect(DisplayNameSchema.safeParse("Zoë Ångström-Łukasz 王").success).toBe(true);
    expect(DisplayNameSchema.safeParse(undefined).success).toBe(true);
  });

  it.each([
    ["NUL", "Ann\u0000Lee"],
    ["a bell", "Ann\u0007"],
    ["a newline inside", "Ann\nLee"],
    ["an escape sequence", "Ann\u001b[31mLee"],
    ["DEL", "Ann\u007f"],
    ["a right-to-left override", "Ann\u202eeeL"],
    ["a zero-width space", "Ann\u200bLee"],
  ])("refuses %s", (_label, value) => {
    const result = DisplayNameSchema.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe("Display name may not contain control characters");
  });

  it("refuses more than 60 characters and non-strings", () => {
    expect(DisplayNameSchema.safeParse("a".repeat(61)).success).toBe(false);
    expect(DisplayNameSchema.safeParse(42).error?.issues[0]?.message).toBe("Display name must be text");
  });
});
