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

const comparable = (value: unknown) => (typeof value === "string" ? value.trim().toLowerCase() : null);

// A separate, always-parsing half of the intersection below, so that this check runs (and its
// message shows) even while another field is still wrong; a refinement on the object itself
// would wait until every field was valid, making people fix the form one round at a time.
const PasswordDiffersFromIdentity = z
  .object({ username: z.unknown(), email: z.unknown(), password: z.unknown() })
  .superRefine((value, context) => {
    const password = comparable(value.password);
    if (password === null || password === "") return;
    if (password === comparable(value.username) || password === comparable(value.email)) {
      context.addIssue({ code: "custom", path: ["password"], message: "Password must not be your username or email" });
    }
  })
  // Contributes no values: the other half's lowercased ones must win the merge.
  .transform(() => ({}));

/** Where to go after signing in; a local path (app/auth/redirect-target.ts), never near this long. */
const RedirectToSchema = z.string().max(2_048, "The page to return to is too long").optional();

export const SignupSchema = z
  .object({ username: UsernameSchema, email: EmailSchema, password: PasswordSchema, redirectTo: RedirectToSchema })
  .and(PasswordDiffersFromIdentity);

export const LoginSchema = z.object({
  identifier: z
    .string({ required_error: "Enter your username or email", invalid_type_error: "Username or email must be text" })
    .trim()
    .max(254, "Username or email must be at most 254 characters")
    .transform((value) => value.toLowerCase()),
  password: z
    .string({ required_error: "Password is required", invalid_type_error: "Password must be text" })
    .max(256, "Password must be at most 256 characters"),
  redirectTo: RedirectToSchema,
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
      confirmPassword: z.string({ required_error: "Repeat the new password" }).max(256, "Password must be at most 256 characters"),
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

// ASVS 3.3.4: ending other sessions asks for the password again, so a borrowed, unlocked
// browser cannot lock its owner out of their other devices.
export const EndOtherSessionsSchema = z.object({
  intent: z.literal("sessions"),
  currentPassword: z.string({ required_error: "Enter your current password" }).max(256, "Password must be at most 256 characters"),
});

export function deleteAccountSchema(username: string) {
  return z.object({
    intent: z.literal("delete"),
    confirmUsername: z
      .string({ required_error: `Type your username, ${username}, to confirm` })
      .max(254, `Type your username, ${username}, exactly to confirm`)
      .trim()
      .refine((value) => value.toLowerCase() === username, `Type your username, ${username}, exactly to confirm`),
  });
}

export const ROLES = ["reader", "author", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const RoleChangeSchema = z.object({
  userId: z.string({ required_error: "Which user?" }).min(1, "Which user?").max(64, "A user id has at most 64 characters; reload the page and try again"),
  role: z.enum(ROLES, { errorMap: () => ({ message: "Role must be reader, author or admin" }) }),
});

/** The hidden field bots fill in and people never see. */
export const HONEYPOT_FIELD = "website";
