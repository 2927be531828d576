import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { CrowdBroadcasts, type PublishedUpdate } from "./realtime-broadcasts";
import { fakeTimers } from "./realtime-fake-timers";
import type { CrowdlineIo, CrowdMessage } from "./realtime-types";

const aggregate = (yes: number) => ({ method: "median" as const, centers: [yes, 1 - yes], lower: [yes, 1 - yes], upper: [yes, 1 - yes], count: 1 });

// The sending side only: what leaves this instance, per window, for every instance to deliver.
function setUp() {
  const clock = fakeTimers();
  const sent: CrowdMessage[] = [];
  const broadcasts = new CrowdBroadcasts({
    io: {} as CrowdlineIo,
    logger: pino({ level: "silent" }),
    fanOut: (message) => sent.push(structuredClone(message)),
    windowMs: 50,
    timers: clock.timers,
  });
  const publish = (version: number, forecaster: string, changes = 1, questionId = "q1") =>
    broadcasts.publish({ questionId, version, aggregate: aggregate(version / 100), changes, revealCrowd: "always", forecasterUserId: forecaster } satisfies PublishedUpdate);
  return { clock, sent, publish, broadcasts };
}

describe("CrowdBroadcasts.publish", () => {
  it("sends the first change at once, then folds: newest version, changes summed, every forecaster kept", () => {
    const { clock, sent, publish } = setUp();
    publish(1, "ann");
    publish(2, "bob");
    publish(3, "cy", 2);
    expect(sent).toEqual([expect.objectContaining({ version: 1, changes: 1, forecasterIds: ["ann"] })]);
    clock.advance(50);
    expect(sent[1]).toEqual({ questionId: "q1", version: 3, aggregate: aggregate(0.03), changes: 3, revealCrowd: "always", forecasterIds: ["bob", "cy"] });
  });

  it("counts a group commit's changes once, however many of its forecasts report it", () => {
    const { clock, sent, publish } = setUp();
    for (const forecaster of ["a", "b", "c"]) publish(7, forecaster, 3);
    for (const forecaster of ["d", "e"]) publish(8, forecaster, 2);
    clock.advance(50);
    expect(sent.map(({ version, changes, forecasterIds }) => ({ version, changes, forecasterIds }))).toEqual([
      { version: 7, changes: 3, forecasterIds: ["a"] },
      { version: 8, changes: 2, forecasterIds: ["b", "c", "d", "e"] },
    ]);
  });

  it("still sends, without changes, the forecasters of a version already sent, so their sockets see the crowd", () => {
    const { clock, sent, publish } = setUp();
    publish(4, "a", 2);
    publish(4, "b", 2);
    clock.advance(50);
    expect(sent[1]).toMatchObject({ version: 4, changes: 0, forecasterIds: ["b"] });
    clock.advance(50);
    expect(sent).toHaveLength(2);
  });

  it("drops versions older than one sent or waiting", () => {
    const { clock, sent, publish } = setUp();
    publish(5, "a");
    publish(9, "b");
    publish(6, "b");
    clock.advance(50);
    expect(sent.map(({ version, changes }) => [version, changes])).toEqual([
      [5, 1],
      [9, 1],
    ]);
  });

  it("keeps questions apart and forgets quiet ones", () => {
    const { clock, sent, publish, broadcasts } = setUp();
    publish(1, "a", 1, "q1");
    publish(1, "a", 1, "q2");
    expect(sent.map(({ questionId }) => questionId)).toEqual(["q1", "q2"]);
    clock.advance(50);
    expect(broadcasts.tracked.broadcastWindows).toBe(0);
  });
});
