import path from "node:path";
import { describe, expect, it } from "vitest";
import { DatabaseUrlError, projectRoot, redactPassword, resolveDatabaseUrl } from "./database-url";

describe("resolveDatabaseUrl", () => {
  it("defaults to a SQLite file under data/ in the project, whatever the current directory", () => {
    expect(resolveDatabaseUrl("")).toEqual({
      provider: "sqlite",
      url: `file:${path.join(projectRoot, "data/crowdline.db")}`,
    });
    expect(resolveDatabaseUrl(undefined)).toEqual(resolveDatabaseUrl(""));
    expect(resolveDatabaseUrl("  ").provider).toBe("sqlite");
  });
  it("resolves relative SQLite paths against the project root and keeps absolute ones", () => {
    expect(resolveDatabaseUrl("file:./x/y.db").url).toBe(`file:${path.join(projectRoot, "x/y.db")}`);
    expect(resolveDatabaseUrl("file:/var/tmp/a.db").url).toBe("file:/var/tmp/a.db");
  });
  it("accepts PostgreSQL URLs with a host and a database", () => {
    expect(resolveDatabaseUrl("postgresql://u@127.0.0.1:5432/app")).toEqual({
      provider: "postgresql",
      url: "postgresql://u@127.0.0.1:5432/app",
    });
    expect(resolveDatabaseUrl("postgres://u@db/app").provider).toBe("postgresql");
  });
  it.each([
    ["mysql://root@localhost/app", /not supported/],
    ["file:", /not a usable SQLite URL/],
    ["postgresql://u@127.0.0.1:5432", /must name a host and a database/],
    ["postgresql://u:p@[bad/app", /not a valid PostgreSQL URL/],
    ["just words", /not supported/],
  ])("rejects %s with a clear message", (url, message) => {
    expect(() => resolveDatabaseUrl(url)).toThrow(DatabaseUrlError);
    expect(() => resolveDatabaseUrl(url)).toThrow(message);
  });
  it("never repeats a password in its messages", () => {
    expect(() => resolveDatabaseUrl("postgresql://user:hunter2@127.0.0.1")).toThrow(/user:\*\*\*@/);
    expect(redactPassword("postgresql://user:hunter2@h/db")).toBe("postgresql://user:***@h/db");
  });
});
