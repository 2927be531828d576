import { z } from "zod";

/**
 * One zod schema per account form, used by conform in the browser and by the action on the
 * server, so both say the same thing about the same input.
 */

// ASCII only: look-alike letters from other scripts ("аdmin" with a Cyrillic а) cannot pass.
export const UsernameSchema = z
  .string({ required_error: "Username is required", invalid_type_error: "Username must be text" })
  .trim()
  .min(3, "Username must be at least 3 characters")
  .max(30, "Username must be at most 30 characters")
  .transform((value) => value.toLowerCase())
  .pipe(z.string().regex(/^[a-z0-9_]+$/, "Username may contain only letters a–z, digits and underscores"));

export const EmailSchema = z
  .string({ required_error: "Email is required", invalid_type_error: "Email must be text" })
  .trim()
  .max(254, "Email must be at most 254 characters")
  .email("Enter an email address like name@example.com")
  .transform((value) => value.toLowerCase());

// The upper bound keeps a megabyte "password" from costing a megabyte of hashing.
export const PasswordSchema = z
  .string({ required_error: "Password is required", invalid_type_error: "Password must be text" })
  .min(10, "Password must be at least 10 characters")
  .max(256, "Password must be at most 256 characters");

export const DisplayNameSchema = z
  .string({ invalid_type_error: "Display name must be text" })
  .trim()
  .max(60, "Display name must be at most 60 characters")
  .regex(/^[^\p{C}]*$/u, "Display name may not contain control characters")
  .optional();

function passwordDiffersFromIdentity(
  value: { username: string; email: string; password: string },
  context: z.RefinementCtx,
) {
  const password = value.password.toLowerCase();
  if (password === value.username || password === value.email) {
    context.addIssue({ code: "custom", path: ["password"], message: "Password must not be your username or email" });
  }
}

export const SignupSchema = z
  .object({ username: UsernameSchema, email: EmailSchema, password: PasswordSchema, redirectTo: z.string().optional() })
  .superRefine(passwordDiffersFromIdentity);

export const LoginSchema = z.object({
  identifier: z
    .string({ required_error: "Enter your username or email", invalid_type_error: "Username or email must be text" })
    .trim()
    .max(254, "Username or email must be at most 254 characters")
    .transform((value) => value.toLowerCase()),
  password: z
    .string({ required_error: "Password is required", invalid_type_error: "Password must be text" })
    .max(256, "Password must be at most 256 characters"),
  redirectTo: z.string().optional(),
});

export const ProfileSchema = z.object({ intent: z.literal("profile"), displayName: DisplayNameSchema });

export const PreferencesSchema = z.object({
  intent: z.literal("preferences"),
  hideCrowdUntilForecast: z.preprocess((value) => value === "on" || value === "true", z.boolean()),
});

export function changePasswordSchema(identity: { username: string; email: string }) {
  return z
    .object({
      intent: z.literal("password"),
      currentPassword: z.string({ required_error: "Enter your current password" }).max(256, "Password must be at most 256 characters"),
      newPassword: PasswordSchema,
      confirmPassword: z.string({ required_error: "Repeat the new password" }),
    })
    .superRefine((value, context) => {
      const lowered = value.newPassword.toLowerCase();
      if (lowered === identity.username || lowered === identity.email) {
        context.addIssue({ code: "custom", path: ["newPassword"], message: "Password must not be your username or email" });
      }
      if (value.confirmPassword !== value.newPassword) {
        context.addIssue({ code: "custom", path: ["confirmPassword"], message: "The two new passwords differ" });
      }
    });
}

export function deleteAccountSchema(username: string) {
  return z.object({
    intent: z.literal("delete"),
    confirmUsername: z
      .string({ required_error: `Type your username, ${username}, to confirm` })
      .trim()
      .refine((value) => value.toLowerCase() === username, `Type your username, ${username}, exactly to confirm`),
  });
}

export const ROLES = ["reader", "author", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const RoleChangeSchema = z.object({
  userId: z.string({ required_error: "Which user?" }).min(1).max(64),
  role: z.enum(ROLES, { errorMap: () => ({ message: "Role must be reader, author or admin" }) }),
});

/** The hidden field bots fill in and people never see. */
export const HONEYPOT_FIELD = "website";
