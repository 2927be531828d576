import type { Server, Socket } from "socket.io";
import type { Aggregate, ClientToServerEvents, ServerToClientEvents } from "~/realtime/contract";
import type { EventBudget } from "./realtime-limits";

export type RevealCrowd = "always" | "after_forecast";

/** Everything the server keeps per socket: a few fields, no timers, no closures (15 000 idle sockets per process). */
export interface SocketData {
  budget: EventBudget;
  /** Signed-in sockets: the user, the session's id (the token's hash, never the token) and their preference. */
  userId?: string;
  sessionId?: string;
  hideCrowdUntilForecast?: boolean;
  /** Joins in flight, by question (only while there are some); a leave meanwhile cancels them. */
  joining?: Map<string, number>;
}

/** A coalesced change to a question's crowd, as it travels between instances. */
export interface CrowdMessage {
  questionId: string;
  version: number;
  aggregate: Aggregate;
  /** Saves and withdrawals since the previous message; 0 when it only carries `forecasterIds`. */
  changes: number;
  revealCrowd: RevealCrowd;
  /** Users who saved: on a hidden crowd their sockets may see it from now on. */
  forecasterIds: string[];
}

/** Between instances, over the Redis adapter's serverSideEmit. */
export interface InterServerEvents {
  "crowdline:aggregate": (message: CrowdMessage) => void;
  "crowdline:presence": (questionId: string) => void;
}

export type CrowdlineIo = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type CrowdlineSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
