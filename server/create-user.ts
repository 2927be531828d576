// `npm run user:create -- --username NAME --email ADDRESS [--role reader|author|admin]`: creates
// an account from the command line, above all the first admin (who then manages roles at
// /admin/users). The password is read from stdin (piped) or asked for without echo (terminal),
// never taken as an argument, where it would sit in the shell history and the process list.
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { z } from "zod";
import { ROLES, SignupSchema } from "~/auth/account-forms";
import { hashPassword } from "~/auth/password.server";
import { createDb } from "~/db.server";
import { ConfigError, parseEnv } from "~/env.server";
import { AccountConflictError, createUser } from "~/models/user.server";
import { MigrationError, deployMigrations } from "../prisma/deploy-migrations";

const USAGE = "usage: npm run user:create -- --username NAME --email ADDRESS [--role reader|author|admin] < password-file";

function fail(message: string, code = 1): never {
  console.error(`user:create: ${message}`);
  process.exit(code);
}

async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

async function promptHidden(question: string): Promise<string> {
  const terminal = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  // Typed characters are not echoed: only the prompt itself is written.
  const writeToOutput = (terminal as unknown as { _writeToOutput: (text: string) => void })._writeToOutput;
  (terminal as unknown as { _writeToOutput: (text: string) => void })._writeToOutput = (text: string) => {
    if (text.startsWith(question)) writeToOutput.call(terminal, question);
  };
  const answer = await new Promise<string>((resolve) => terminal.question(question, resolve));
  terminal.close();
  process.stdout.write("\n");
  return answer;
}

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) return readPasswordFromStdin();
  const first = await promptHidden("Password (at least 10 characters): ");
  const second = await promptHidden("Repeat the password: ");
  if (first !== second) fail("the two passwords differ");
  return first;
}

let options: { username?: string; email?: string; role?: string };
try {
  ({ values: options } = parseArgs({
    options: { username: { type: "string" }, email: { type: "string" }, role: { type: "string", default: "reader" } },
    strict: true,
  }));
} catch (error) {
  fail(`${(error as Error).message}\n${USAGE}`, 2);
}
const role = z.enum(ROLES).safeParse(options.role);
if (!role.success) fail(`--role must be one of ${ROLES.join(", ")}\n${USAGE}`, 2);
if (!options.username || !options.email) fail(`--username and --email are required\n${USAGE}`, 2);

const password = await readPassword();
const parsed = SignupSchema.safeParse({ username: options.username, email: options.email, password });
if (!parsed.success) fail(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; "));

let databaseUrl: string;
try {
  databaseUrl = parseEnv().database.url;
  await deployMigrations(databaseUrl);
} catch (error) {
  if (error instanceof ConfigError || error instanceof MigrationError) fail(error.message);
  throw error;
}
const db = createDb(databaseUrl);
globalThis.__crowdlineDb = db;
try {
  const user = await createUser({ ...parsed.data, passwordHash: await hashPassword(parsed.data.password), role: role.data });
  console.log(`Created ${user.role} ${user.username} <${user.email}>.`);
} catch (error) {
  if (error instanceof AccountConflictError) fail(`that ${error.field} is already taken`);
  throw error;
} finally {
  await db.$disconnect();
}
