import { describe, expect, it } from "vitest";
import { WindowedCoalescer } from "./realtime-coalescer";
import { fakeTimers } from "./realtime-fake-timers";

interface Update {
  version: number;
  changes: number;
}

function setUp() {
  const clock = fakeTimers();
  const sent: { key: string; value: Update }[] = [];
  const coalescer = new WindowedCoalescer<string, Update>({
    windowMs: 50,
    timers: clock.timers,
    send: (key, value) => sent.push({ key, value }),
    fold: (pending, next) => ({ version: next.version, changes: pending.changes + next.changes }),
  });
  return { clock, sent, coalescer };
}

describe("WindowedCoalescer", () => {
  it("sends a change to a quiet key at once", () => {
    const { sent, coalescer } = setUp();
    coalescer.offer("q1", { version: 1, changes: 1 });
    expect(sent).toEqual([{ key: "q1", value: { version: 1, changes: 1 } }]);
  });

  it("folds what arrives within the window into one send at its end", () => {
    const { clock, sent, coalescer } = setUp();
    coalescer.offer("q1", { version: 1, changes: 1 });
    for (let version = 2; version <= 200; version++) {
      clock.advance(0.2);
      coalescer.offer("q1", { version, changes: 2 });
    }
    // 199 offers over 39.8 ms: still inside the first window.
    expect(sent).toHaveLength(1);
    clock.advance(10.2);
    expect(sent).toEqual([
      { key: "q1", value: { version: 1, changes: 1 } },
      { key: "q1", value: { version: 200, changes: 398 } },
    ]);
  });

  it("sends at most once per window under a steady stream", () => {
    const { clock, sent, coalescer } = setUp();
    for (let version = 1; version <= 1_000; version++) {
      coalescer.offer("q1", { version, changes: 1 });
      clock.advance(1);
    }
    clock.advance(50);
    // 1 000 ms of offers: the leading send plus one per 50 ms window.
    expect(sent.length).toBeLessThanOrEqual(21);
    expect(sent.at(-1)?.value.version).toBe(1_000);
    expect(sent.reduce((sum, { value }) => sum + value.changes, 0)).toBe(1_000);
  });

  it("keeps keys apart", () => {
    const { clock, sent, coalescer } = setUp();
    coalescer.offer("q1", { version: 1, changes: 1 });
    coalescer.offer("q2", { version: 7, changes: 1 });
    coalescer.offer("q1", { version: 2, changes: 1 });
    expect(sent.map(({ key }) => key)).toEqual(["q1", "q2"]);
    clock.advance(50);
    expect(sent.map(({ key, value }) => [key, value.version])).toEqual([
      ["q1", 1],
      ["q2", 7],
      ["q1", 2],
    ]);
  });

  it("forgets a key whose window ends with nothing folded, and treats it as quiet again", () => {
    const { clock, sent, coalescer } = setUp();
    coalescer.offer("q1", { version: 1, changes: 1 });
    expect(coalescer.latest("q1")).toEqual({ version: 1, changes: 1 });
    clock.advance(50);
    expect(coalescer.size).toBe(0);
    expect(coalescer.latest("q1")).toBeUndefined();
    expect(clock.pending()).toBe(0);
    clock.advance(500);
    coalescer.offer("q1", { version: 2, changes: 1 });
    expect(sent).toHaveLength(2);
  });

  it("reports what waits as the latest value, so callers can drop what is older", () => {
    const { coalescer } = setUp();
    coalescer.offer("q1", { version: 1, changes: 1 });
    coalescer.offer("q1", { version: 3, changes: 1 });
    expect(coalescer.latest("q1")?.version).toBe(3);
  });

  it("clears every window without sending", () => {
    const { clock, sent, coalescer } = setUp();
    coalescer.offer("q1", { version: 1, changes: 1 });
    coalescer.offer("q1", { version: 2, changes: 1 });
    coalescer.clear();
    clock.advance(100);
    expect(sent).toHaveLength(1);
    expect(clock.pending()).toBe(0);
  });
});
