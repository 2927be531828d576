import { describe, expect, it } from "vitest";
import { aggregateEventSchema, aggregateSchema, presenceEventSchema, questionSnapshotSchema, type Aggregate, type QuestionSnapshot } from "./contract";
import {
  initialLiveState,
  isAggregate,
  isPresenceEvent,
  isRestartingEvent,
  isSnapshotFor,
  joinRefusal,
  liveReducer,
  parseAggregateEvent,
  parseCommentEvent,
  reconcile,
  type LiveAction,
  type LiveState,
} from "./live-state";

const crowd = (center: number, count = 3): Aggregate => ({
  method: "recency_weighted_median",
  centers: [center, 1 - center],
  lower: [center - 0.1, 0.9 - center],
  upper: [center + 0.1, 1.1 - center],
  count,
});
const aggregate = (version: number, center: number, changes = 1): LiveAction => ({
  type: "aggregate",
  event: { questionId: "q1", version, aggregate: crowd(center), changes },
});
const snapshot = (version: number, agg: Aggregate | null, presence = 2): LiveAction => ({
  type: "snapshot",
  snapshot: { questionId: "q1", version, aggregate: agg, baseline: null, presence },
});
const run = (state: LiveState, ...actions: LiveAction[]) => actions.reduce(liveReducer, state);
const start = (version = 5, center = 0.5) => initialLiveState({ version, aggregate: crowd(center) });

describe("versions", () => {
  it("applies an aggregate newer than the one held and drops older or equal ones", () => {
    const state = run(start(5, 0.5), aggregate(7, 0.6), aggregate(6, 0.1), aggregate(7, 0.2));
    expect(state.version).toBe(7);
    expect(state.aggregate?.centers[0]).toBe(0.6);
  });

  it("applies a join snapshot of the same or a newer version, and not an older one", () => {
    expect(run(start(5, 0.5), snapshot(5, crowd(0.4))).aggregate?.centers[0]).toBe(0.4);
    expect(run(start(5, 0.5), snapshot(9, crowd(0.3))).version).toBe(9);
    const behind = run(start(5, 0.5), snapshot(4, crowd(0.1)));
    expect(behind.version).toBe(5);
    expect(behind.aggregate?.centers[0]).toBe(0.5);
    // Behind or not, the room has been joined.
    expect(behind.status).toBe("live");
  });

  it("heals a missed message: after a reconnect the snapshot replaces what the screen held", () => {
    const live = run(start(5, 0.5), snapshot(5, crowd(0.5)), aggregate(6, 0.55));
    // Version 7 was broadcast while the connection was down.
    const healed = run(live, { type: "connection-lost" }, snapshot(8, crowd(0.7), 4), aggregate(7, 0.6));
    expect(healed).toMatchObject({ status: "live", version: 8, presence: 4 });
    expect(healed.aggregate?.centers[0]).toBe(0.7);
  });

  it("never lets a null aggregate (hidden from this connection) erase figures already shown", () => {
    const state = run(start(5, 0.5), snapshot(5, null), snapshot(6, null));
    expect(state.version).toBe(6);
    expect(state.aggregate?.centers[0]).toBe(0.5);
  });

  it("lets the fresher of loader and socket win, both ways", () => {
    const live = run(start(5, 0.5), aggregate(8, 0.8));
    // The loader ran again after the reader's own save, but the socket had already seen more.
    expect(reconcile(live, { version: 7, aggregate: crowd(0.7) }).aggregate?.centers[0]).toBe(0.8);
    expect(reconcile(live, { version: 8, aggregate: crowd(0.1) })).toBe(live);
    const fresher = reconcile(live, { version: 9, aggregate: crowd(0.9) });
    expect(fresher.version).toBe(9);
    expect(fresher.aggregate?.centers[0]).toBe(0.9);
    // Once adopted, socket messages at or below the loader's version are old news.
    const adopted = run(live, { type: "server-state", initial: { version: 9, aggregate: crowd(0.9) } }, aggregate(9, 0.2));
    expect(adopted.aggregate?.centers[0]).toBe(0.9);
  });

  it("starts over for another question", () => {
    const state = run(start(5, 0.5), snapshot(5, crowd(0.5)), aggregate(6, 0.6, 2), { type: "reset", initial: { version: 1, aggregate: null } });
    expect(state).toEqual({ status: "connecting", version: 1, aggregate: null, presence: null, newChanges: 0 });
  });
});

describe("new changes", () => {
  it("sums the changes of the messages applied since the reader last looked", () => {
    const state = run(start(5), aggregate(6, 0.5, 2), aggregate(7, 0.5, 1), aggregate(7, 0.5, 9), aggregate(5, 0.5, 4));
    expect(state.newChanges).toBe(3);
    const seen = run(state, { type: "seen" });
    expect(seen.newChanges).toBe(0);
    expect(run(seen, aggregate(8, 0.5, 4)).newChanges).toBe(4);
  });

  it("does not count snapshots or loader data: what the reader caused or reloaded is not news", () => {
    const state = run(start(5), snapshot(9, crowd(0.5)), { type: "server-state", initial: { version: 12, aggregate: crowd(0.5) } });
    expect(state.newChanges).toBe(0);
  });
});

describe("status and presence", () => {
  it("goes live on the join ack, and reconnecting when a live connection drops", () => {
    const live = run(start(), snapshot(5, crowd(0.5), 3));
    expect(live).toMatchObject({ status: "live", presence: 3 });
    expect(run(live, { type: "presence", count: 4 }).presence).toBe(4);
    const lost = run(live, { type: "connection-lost" });
    expect(lost).toMatchObject({ status: "reconnecting", presence: null });
    // A count arriving while not joined is not about this page's room.
    expect(run(lost, { type: "presence", count: 7 }).presence).toBeNull();
    expect(run(lost, { type: "connect-failed" }).status).toBe("reconnecting");
  });

  it("is offline when the first connection fails, the browser goes offline, or the room is refused for good", () => {
    expect(run(start(), { type: "connect-failed" }).status).toBe("offline");
    expect(run(start(), snapshot(5, null), { type: "browser-offline" }).status).toBe("offline");
    expect(run(start(), { type: "join-refused", permanent: true }).status).toBe("offline");
    expect(run(start(), { type: "join-refused", permanent: false }).status).toBe("connecting");
    expect(run(start(), snapshot(5, null), { type: "join-refused", permanent: false }).status).toBe("reconnecting");
    // And live again as soon as a join succeeds.
    expect(run(start(), { type: "connect-failed" }, snapshot(5, null)).status).toBe("live");
  });

  it("knows no presence until the server says", () => {
    expect(start().presence).toBeNull();
    expect(initialLiveState({ version: 0, aggregate: null, presence: 2 }).presence).toBe(2);
  });
});

describe("payload checks agree with the contract's schemas", () => {
  const good: QuestionSnapshot = { questionId: "q1", version: 3, aggregate: crowd(0.4), baseline: [0.5, 0.5], presence: 1 };
  const aggregates: unknown[] = [
    crowd(0.4),
    { ...crowd(0.4), count: -1 },
    { ...crowd(0.4), count: 1.5 },
    { ...crowd(0.4), centers: [1.2, 0.1] },
    { ...crowd(0.4), centers: [Number.NaN, 0.1] },
    { ...crowd(0.4), lower: "0.1" },
    { ...crowd(0.4), method: undefined },
    null,
    "aggregate",
  ];

  it("aggregates", () => {
    for (const candidate of aggregates) expect(isAggregate(candidate), JSON.stringify(candidate)).toBe(aggregateSchema.safeParse(candidate).success);
  });

  it("snapshots", () => {
    const candidates: unknown[] = [good, { ...good, aggregate: null }, { ...good, version: -1 }, { ...good, presence: undefined }, { ...good, aggregate: { ...crowd(0.4), count: -1 } }];
    for (const candidate of candidates) {
      expect(isSnapshotFor("q1", candidate), JSON.stringify(candidate)).toBe(questionSnapshotSchema.safeParse(candidate).success);
    }
    expect(isSnapshotFor("q2", good)).toBe(false);
  });

  it("aggregate events, with `changes` defaulted for a server that omits it", () => {
    const event = { questionId: "q1", version: 4, aggregate: crowd(0.4), changes: 2 };
    expect(aggregateEventSchema.safeParse(parseAggregateEvent(event)).success).toBe(true);
    expect(parseAggregateEvent({ ...event, changes: undefined })?.changes).toBe(1);
    for (const bad of [{ ...event, version: 0 }, { ...event, version: "4" }, { ...event, aggregate: null }, { ...event, questionId: 4 }]) {
      expect(parseAggregateEvent(bad), JSON.stringify(bad)).toBeNull();
      expect(aggregateEventSchema.safeParse(bad).success).toBe(false);
    }
  });

  it("presence, restart notices and join refusals", () => {
    for (const candidate of [{ questionId: "q1", count: 2 }, { questionId: "q1", count: -2 }, { count: 2 }]) {
      expect(isPresenceEvent(candidate)).toBe(presenceEventSchema.safeParse(candidate).success);
    }
    expect(isRestartingEvent({ reconnectAfterMs: 1500 })).toBe(true);
    expect(isRestartingEvent({ reconnectAfterMs: -1 })).toBe(false);
    expect(joinRefusal({ error: { code: "question_not_found", message: "no" } })).toEqual({ permanent: true });
    expect(joinRefusal({ error: { code: "rate_limited", message: "later" } })).toEqual({ permanent: false });
    expect(joinRefusal(good)).toBeNull();
  });
});

describe("comment messages", () => {
  const valid = {
    questionId: "q1",
    comment: {
      id: "c1",
      questionId: "q1",
      parentId: null,
      rootId: null,
      author: { username: "alice", displayName: null, deleted: false },
      body: "**take**",
      state: "visible",
      hiddenReason: null,
      createdAt: "2026-12-01T10:00:00.000Z",
      editedAt: null,
      revisions: [],
      scenarioId: null,
      stance: null,
      score: 0,
      myVote: 0,
      forecastAtPosting: [0.45, 0.4, 0.15],
      currentForecast: null,
      movedCount: 0,
      reportCount: 0,
      mine: false,
    },
  };

  it("accepts a well-formed comment and refuses malformed ones", () => {
    expect(parseCommentEvent(valid)).toEqual(valid);
    expect(parseCommentEvent({ ...valid, comment: { ...valid.comment, questionId: "q2" } })).toBeNull();
    expect(parseCommentEvent({ ...valid, comment: { ...valid.comment, state: "gone" } })).toBeNull();
    expect(parseCommentEvent({ ...valid, comment: { ...valid.comment, forecastAtPosting: [Number.NaN] } })).toBeNull();
    expect(parseCommentEvent({ ...valid, comment: { ...valid.comment, body: 42 } })).toBeNull();
    expect(parseCommentEvent(null)).toBeNull();
  });

  it("leaves the crowd's state as it was", () => {
    const state = initialLiveState({ version: 3, aggregate: null });
    expect(liveReducer(state, { type: "comment", event: valid as never })).toBe(state);
  });
});
