import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { projectRoot } from "../prisma/database-url";
import { deployMigrations } from "../prisma/deploy-migrations";
import { createPostgresDatabase, postgresSkipReason, redisSkipReason } from "./test-database";

declare module "vitest" {
  export interface ProvidedContext {
    sqliteTemplatePath: string;
    postgresUrl: string | null;
  }
}

export default async function setup(project: TestProject) {
  const tmpRoot = path.join(projectRoot, ".tmp");
  mkdirSync(tmpRoot, { recursive: true });
  const dir = mkdtempSync(path.join(tmpRoot, "vitest-"));
  const templatePath = path.join(dir, "template.db");
  await deployMigrations(`file:${templatePath}`);
  project.provide("sqliteTemplatePath", templatePath);

  // Start-up tests run the production bundle; build it if nobody has yet.
  if (!existsSync(path.join(projectRoot, "build/server.js"))) {
    execFileSync("npm", ["run", "build", "--silent"], { cwd: projectRoot, stdio: "inherit" });
  }

  let dropPostgres: (() => Promise<void>) | undefined;
  const skip = postgresSkipReason();
  if (skip) {
    console.log(skip);
    project.provide("postgresUrl", null);
  } else {
    const database = await createPostgresDatabase(process.env.TEST_POSTGRES_URL as string);
    dropPostgres = database.drop;
    await deployMigrations(database.url);
    project.provide("postgresUrl", database.url);
  }
  const redisSkip = redisSkipReason();
  if (redisSkip) console.log(redisSkip);

  return async () => {
    await dropPostgres?.();
    rmSync(dir, { recursive: true, force: true });
  };
}
