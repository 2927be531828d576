import type { Aggregate, AggregateEvent, CommentEvent, PresenceEvent, QuestionSnapshot, RestartingEvent } from "./contract";

/**
 * What a page knows of one question's live crowd, and how each message changes it. Pure, so the
 * rules that keep a screen from going stale or backwards are tested without a socket or React.
 *
 * The payload checks below are written by hand rather than with the contract's zod schemas: zod
 * would otherwise ship to every article reader for three shape checks.
 */

export type LiveStatus = "connecting" | "live" | "reconnecting" | "offline";

/** What the server rendered: the page's figures before the socket has said anything. */
export interface LiveInitial {
  version: number;
  aggregate: Aggregate | null;
  presence?: number;
}

export interface LiveState {
  status: LiveStatus;
  version: number;
  aggregate: Aggregate | null;
  /** Readers in the room; null until a snapshot says, and again while the connection is down. */
  presence: number | null;
  /** Saves and withdrawals folded into the messages received since the reader last looked. */
  newChanges: number;
}

export type LiveAction =
  | { type: "snapshot"; snapshot: QuestionSnapshot }
  | { type: "aggregate"; event: AggregateEvent }
  | { type: "presence"; count: number }
  /** For the discussion; the crowd's state ignores it. */
  | { type: "comment"; event: CommentEvent }
  | { type: "server-state"; initial: LiveInitial }
  | { type: "connection-lost" }
  | { type: "connect-failed" }
  | { type: "browser-offline" }
  | { type: "join-refused"; permanent: boolean }
  | { type: "seen" }
  /** The component now shows another question (a client-side navigation between two). */
  | { type: "reset"; initial: LiveInitial };

export function initialLiveState(initial: LiveInitial): LiveState {
  return { status: "connecting", version: initial.version, aggregate: initial.aggregate, presence: initial.presence ?? null, newChanges: 0 };
}

/**
 * The newer of two views of the crowd. A null aggregate never erases a known one: it means either
 * "nothing yet" (which cannot be newer than a known crowd) or "hidden from this connection",
 * which is for the page, not the socket, to decide.
 */
function newer(state: LiveState, version: number, aggregate: Aggregate | null, inclusive: boolean): LiveState {
  if (inclusive ? version < state.version : version <= state.version) return state;
  return { ...state, version, aggregate: aggregate ?? state.aggregate };
}

export function liveReducer(state: LiveState, action: LiveAction): LiveState {
  switch (action.type) {
    case "snapshot": {
      // The join ack is the whole state: it is what heals a connection that missed messages.
      const next = newer(state, action.snapshot.version, action.snapshot.aggregate, true);
      return { ...next, status: "live", presence: action.snapshot.presence };
    }
    case "aggregate": {
      const next = newer(state, action.event.version, action.event.aggregate, false);
      return next === state ? state : { ...next, newChanges: state.newChanges + action.event.changes };
    }
    case "presence":
      return state.status === "live" ? { ...state, presence: action.count } : state;
    case "comment":
      return state;
    case "server-state":
      // The loader ran again (after the reader's own save, say): the higher version wins, and
      // what the reader caused is not news to them.
      return newer(state, action.initial.version, action.initial.aggregate, false);
    case "connection-lost":
      return { ...state, status: state.status === "live" ? "reconnecting" : state.status, presence: null };
    case "connect-failed":
      return { ...state, status: state.status === "connecting" ? "offline" : state.status === "live" ? "reconnecting" : state.status, presence: null };
    case "browser-offline":
      return { ...state, status: "offline", presence: null };
    case "join-refused":
      return { ...state, status: action.permanent ? "offline" : state.status === "live" ? "reconnecting" : state.status };
    case "seen":
      return state.newChanges === 0 ? state : { ...state, newChanges: 0 };
    case "reset":
      return initialLiveState(action.initial);
  }
}

/** The state a component should draw: the reducer's, unless the loader has meanwhile seen newer. */
export function reconcile(state: LiveState, initial: LiveInitial): LiveState {
  return liveReducer(state, { type: "server-state", initial });
}

// Cheap structural checks of what arrives from the wire. The server is ours, but a proxy, an old
// instance during a deploy or a bug must not be able to put NaN on a reader's screen.

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;
const isCount = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value) && value >= 0;
const isProbabilities = (value: unknown): value is number[] =>
  Array.isArray(value) && value.every((item) => typeof item === "number" && item >= 0 && item <= 1);

export function isAggregate(value: unknown): value is Aggregate {
  return (
    isRecord(value) &&
    typeof value.method === "string" &&
    isProbabilities(value.centers) &&
    isProbabilities(value.lower) &&
    isProbabilities(value.upper) &&
    value.lower.length === value.centers.length &&
    value.upper.length === value.centers.length &&
    isCount(value.count)
  );
}

export function isSnapshotFor(questionId: string, value: unknown): value is QuestionSnapshot {
  return (
    isRecord(value) &&
    value.questionId === questionId &&
    isCount(value.version) &&
    (value.aggregate === null || isAggregate(value.aggregate)) &&
    isCount(value.presence)
  );
}

/** The join ack's refusal codes after which asking again cannot help. */
const PERMANENT_JOIN_ERRORS = new Set(["invalid_question_id", "question_not_found", "too_many_rooms"]);

export function joinRefusal(value: unknown): { permanent: boolean } | null {
  if (!isRecord(value) || !isRecord(value.error)) return null;
  return { permanent: PERMANENT_JOIN_ERRORS.has(String(value.error.code)) };
}

/** The event, with `changes` defaulted to 1 for a server that predates it; null if malformed. */
export function parseAggregateEvent(value: unknown): AggregateEvent | null {
  if (!isRecord(value) || typeof value.questionId !== "string" || !isCount(value.version) || value.version === 0) return null;
  if (!isAggregate(value.aggregate)) return null;
  const changes = isCount(value.changes) && value.changes > 0 ? value.changes : 1;
  return { questionId: value.questionId, version: value.version, aggregate: value.aggregate, changes };
}

export function isPresenceEvent(value: unknown): value is PresenceEvent {
  return isRecord(value) && typeof value.questionId === "string" && isCount(value.count);
}

export function isRestartingEvent(value: unknown): value is RestartingEvent {
  return isRecord(value) && isCount(value.reconnectAfterMs);
}

const isText = (value: unknown): value is string => typeof value === "string";
const isOptionalText = (value: unknown): value is string | null => value === null || typeof value === "string";

/** A comment message, or null if malformed. Its markdown is rendered (and sanitised) by the page. */
export function parseCommentEvent(value: unknown): CommentEvent | null {
  if (!isRecord(value) || !isText(value.questionId) || !isRecord(value.comment)) return null;
  const comment = value.comment;
  const valid =
    isText(comment.id) &&
    comment.questionId === value.questionId &&
    isOptionalText(comment.parentId) &&
    isOptionalText(comment.rootId) &&
    isOptionalText(comment.body) &&
    isText(comment.createdAt) &&
    (comment.state === "visible" || comment.state === "deleted" || comment.state === "hidden") &&
    isRecord(comment.author) &&
    isText(comment.author.username) &&
    typeof comment.score === "number" &&
    (comment.forecastAtPosting === null || isProbabilities(comment.forecastAtPosting)) &&
    (comment.currentForecast === null || isProbabilities(comment.currentForecast)) &&
    Array.isArray(comment.revisions);
  return valid ? (value as unknown as CommentEvent) : null;
}
