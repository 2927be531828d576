import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { fakeTimers } from "./realtime-fake-timers";
import { Presence } from "./realtime-presence";

/** Presence on one instance without Redis: counts come from a map the test edits. */
function setUp() {
  const clock = fakeTimers();
  const counts = new Map<string, number>();
  const announced: [string, number][] = [];
  const presence = new Presence({
    logger: pino({ level: "silent" }),
    localCount: (questionId) => counts.get(questionId) ?? 0,
    announce: (questionId, count) => announced.push([questionId, count]),
    timers: clock.timers,
    windowMs: 1_000,
  });
  const set = (questionId: string, count: number) => {
    counts.set(questionId, count);
    presence.localChanged(questionId);
  };
  return { clock, presence, announced, set };
}

describe("Presence (one instance)", () => {
  it("announces the first change at once and what follows within the second once, at its end", () => {
    const { clock, announced, set } = setUp();
    set("q1", 1);
    expect(announced).toEqual([["q1", 1]]);
    for (let count = 2; count <= 50; count++) set("q1", count);
    clock.advance(999);
    expect(announced).toHaveLength(1);
    clock.advance(1);
    expect(announced).toEqual([
      ["q1", 1],
      ["q1", 50],
    ]);
  });

  it("says nothing when the count is back where it was", () => {
    const { clock, announced, set } = setUp();
    set("q1", 3);
    set("q1", 4);
    set("q1", 3);
    clock.advance(1_000);
    expect(announced).toEqual([["q1", 3]]);
  });

  it("counts exactly for a join ack", async () => {
    const { presence, set } = setUp();
    set("q1", 2);
    set("q1", 7);
    expect(await presence.count("q1")).toBe(7);
  });

  it("forgets a question once nobody watches it", () => {
    const { clock, presence, set } = setUp();
    set("q1", 2);
    set("q2", 1);
    set("q1", 0);
    set("q2", 0);
    clock.advance(1_000);
    expect(presence.tracked).toBe(0);
  });

  it("stops announcing once closed", async () => {
    const { clock, presence, announced, set } = setUp();
    set("q1", 1);
    await presence.close();
    set("q1", 2);
    clock.advance(2_000);
    expect(announced).toEqual([["q1", 1]]);
  });
});
