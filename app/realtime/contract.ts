// The socket.io wire contract, shared by server and client (docs/REALTIME.md describes it).
import { z } from "zod";
import type { CommentView } from "~/domain/comment";

export const SOCKET_PATH = "/socket.io";

export const questionIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "question ids are letters, digits, - and _");

const probability = z.number().min(0).max(1);

export const aggregationMethodSchema = z.enum(["recency_weighted_median", "median", "geometric_mean_of_odds", "mean"]);

export const aggregateSchema = z.object({
  method: aggregationMethodSchema,
  centers: z.array(probability),
  lower: z.array(probability),
  upper: z.array(probability),
  count: z.number().int().nonnegative(),
});
export type Aggregate = z.infer<typeof aggregateSchema>;

export const questionSnapshotSchema = z.object({
  questionId: questionIdSchema,
  /** 0 until the first aggregate exists; then the AggregateSnapshot version from the database. */
  version: z.number().int().nonnegative(),
  /** Null when there is no aggregate yet, or when this viewer may not see the crowd yet. */
  aggregate: aggregateSchema.nullable(),
  /** The author's current baseline in scenario order, null when the author has given none. */
  baseline: z.array(probability).nullable(),
  presence: z.number().int().nonnegative(),
});
export type QuestionSnapshot = z.infer<typeof questionSnapshotSchema>;

export const joinErrorSchema = z.object({
  error: z.object({
    code: z.enum(["invalid_question_id", "question_not_found", "too_many_rooms", "rate_limited", "server_error"]),
    message: z.string(),
  }),
});
export type JoinError = z.infer<typeof joinErrorSchema>;
export type JoinAck = QuestionSnapshot | JoinError;

export const aggregateEventSchema = z.object({
  questionId: questionIdSchema,
  version: z.number().int().positive(),
  aggregate: aggregateSchema,
  /** Saves and withdrawals folded into this message since the version before it (coalescing). */
  changes: z.number().int().positive(),
});
export type AggregateEvent = z.infer<typeof aggregateEventSchema>;
export const presenceEventSchema = z.object({ questionId: questionIdSchema, count: z.number().int().nonnegative() });
export type PresenceEvent = z.infer<typeof presenceEventSchema>;

/** Sent to every socket just before an instance shuts down: reconnect (to another instance) after the delay. */
export const restartingEventSchema = z.object({ reconnectAfterMs: z.number().int().nonnegative() });
export type RestartingEvent = z.infer<typeof restartingEventSchema>;

/** Most rooms one connection may be in at once; a page rarely shows more than a handful of questions. */
export const MAX_ROOMS_PER_CONNECTION = 50;
/** Window over which broadcasts of one question are folded into one message (leading edge sent at once). */
export const BROADCAST_WINDOW_MS = 50;
/** `question:presence` goes out at most once per this window per question (leading edge at once). */
export const PRESENCE_WINDOW_MS = 1_000;
/** Events one connection may send per second, sustained, and in a burst; beyond: `rate_limited`. */
export const SOCKET_EVENTS_PER_SECOND = 20;
export const SOCKET_EVENT_BURST = 40;
/** Largest message a client may send; a larger one closes its connection. */
export const MAX_SOCKET_PAYLOAD_BYTES = 16 * 1024;

/** A comment posted, edited, deleted or hidden; the client adds or replaces it by id. */
export interface CommentEvent {
  questionId: string;
  comment: CommentView;
}

export interface ServerToClientEvents {
  "question:aggregate": (payload: AggregateEvent) => void;
  "question:comment": (payload: CommentEvent) => void;
  "question:presence": (payload: PresenceEvent) => void;
  "server:restarting": (payload: RestartingEvent) => void;
}

export interface ClientToServerEvents {
  // `unknown` on purpose: the server validates whatever a client sends.
  "question:join": (questionId: unknown, ack: (response: JoinAck) => void) => void;
  "question:leave": (questionId: unknown) => void;
}

const ROOM_PREFIX = "question:";
export const roomOf = (questionId: string) => `${ROOM_PREFIX}${questionId}`;
/** The question a room belongs to, or null for socket.io's own per-socket rooms. */
export const questionOfRoom = (room: string) => (room.startsWith(ROOM_PREFIX) ? room.slice(ROOM_PREFIX.length) : null);

export function isJoinError(ack: JoinAck): ack is JoinError {
  return "error" in ack;
}
