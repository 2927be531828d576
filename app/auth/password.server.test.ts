import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "./password.server";

describe("hashPassword", () => {
  it("uses argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane) and a random salt", async () => {
    const first = await hashPassword("correct horse battery staple");
    const second = await hashPassword("correct horse battery staple");
    expect(first.startsWith("$argon2id$v=19$m=19456,t=2,p=1$")).toBe(true);
    expect(first).not.toContain("correct horse");
    expect(second).not.toBe(first);
  });
});

describe("verifyPassword", () => {
  it("accepts the right password and refuses a wrong one", async () => {
    const stored = await hashPassword("correct horse battery staple");
    expect(await verifyPassword(stored, "correct horse battery staple")).toBe(true);
    expect(await verifyPassword(stored, "correct horse battery stapler")).toBe(false);
    expect(await verifyPassword(stored, "Correct horse battery staple")).toBe(false);
    expect(await verifyPassword(stored, "")).toBe(false);
  });

  it.each([
    ["the no-password marker", "!"],
    ["a missing account", null],
    ["an empty hash", ""],
    ["plain text", "correct horse battery staple"],
    ["a bcrypt hash", "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"],
    ["a truncated argon2id hash", "$argon2id$v=19$m=19456,t=2,p=1$"],
    ["an argon2id hash with garbage parameters", "$argon2id$v=19$m=x,t=y,p=z$AAAA$BBBB"],
    ["an argon2id prefix and nothing else", "$argon2id$"],
  ])("returns false, without throwing, for %s", async (_label, stored) => {
    await expect(verifyPassword(stored, "correct horse battery staple")).resolves.toBe(false);
  });

  it("does not accept the decoy's own input when there is no hash", async () => {
    // The decoy hash is of a random string; neither an empty nor a marker password may pass.
    await expect(verifyPassword(null, "")).resolves.toBe(false);
    await expect(verifyPassword("!", "!")).resolves.toBe(false);
  });
});
