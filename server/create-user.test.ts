// `npm run user:create`, run as a person would: a child process, the password piped on stdin.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "~/db.server";
import { projectRoot } from "../prisma/database-url";

const databaseUrl = `file:${path.join(mkdtempSync(path.join(projectRoot, ".tmp/user-create-")), "app.db")}`;
const db = createDb(databaseUrl);
afterAll(() => db.$disconnect());

function createUserCli(args: string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/create-user.ts", ...args], {
    cwd: projectRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl, NODE_ENV: "production" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
  child.stdin.end(stdin);
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

describe("npm run user:create", () => {
  it("creates the first admin on an empty database, with an argon2id hash of the piped password", async () => {
    const result = await createUserCli(["--username", "First_Admin", "--email", "admin@example.com", "--role", "admin"], "a strong password\n");
    expect(result.stderr).not.toContain("user:create:");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Created admin first_admin <admin@example.com>.");
    const user = await db.user.findUniqueOrThrow({ where: { username: "first_admin" } });
    expect(user.role).toBe("admin");
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it("says which field is taken and exits 1", async () => {
    const result = await createUserCli(["--username", "first_admin", "--email", "other@example.com"], "a strong password\n");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("that username is already taken");
  });

  it("rejects a weak password and an unknown role before touching the database", async () => {
    const weak = await createUserCli(["--username", "second", "--email", "second@example.com"], "short\n");
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain("password: Password must be at least 10 characters");
    const role = await createUserCli(["--username", "second", "--email", "second@example.com", "--role", "owner"], "a strong password\n");
    expect(role.code).toBe(2);
    expect(role.stderr).toContain("--role must be one of reader, author, admin");
    expect(await db.user.count({ where: { username: "second" } })).toBe(0);
  });
});
