import { describe, expect, it } from "vitest";
import { capturedLogger } from "./realtime-testing";
import { guardHandler } from "./handler-guard";

describe("guardHandler", () => {
  it("passes the arguments through and logs nothing when the handler succeeds", () => {
    const { logger, lines } = capturedLogger();
    const seen: unknown[] = [];
    guardHandler(logger, "join", (a: number, b: string) => seen.push(a, b))(1, "x");
    expect(seen).toEqual([1, "x"]);
    expect(lines).toEqual([]);
  });

  it("logs a synchronous throw instead of letting it reach the emitter", () => {
    const { logger, lines } = capturedLogger();
    const handler = guardHandler(logger, "question:leave", () => {
      throw new Error("bad leave");
    });
    expect(() => handler()).not.toThrow();
    expect(lines).toMatchObject([{ level: 50, handler: "question:leave", err: { message: "bad leave" } }]);
  });

  it("logs the rejection of an async handler instead of leaving it unhandled", async () => {
    const { logger, lines } = capturedLogger();
    let rejected!: () => void;
    const failing = new Promise<void>((_resolve, reject) => (rejected = () => reject(new Error("bad join"))));
    guardHandler(logger, "question:join", () => failing)();
    rejected();
    await failing.catch(() => undefined);
    // The guard's own catch runs in the same turn as ours (it was attached first).
    expect(lines).toMatchObject([{ level: 50, handler: "question:join", err: { message: "bad join" } }]);
  });
});
