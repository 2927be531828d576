import { roomOf } from "~/realtime/contract";

/**
 * The socket.io rooms of the live layer (server-side names; clients never see them):
 * - `question:<id>`: every socket that has the question open, for presence;
 * - `question:<id>:crowd`: those of them allowed to see the crowd (decision 010), for aggregates;
 * - `user:<id>`: every socket of a signed-in user, so their other tabs can be found across instances.
 */
export const questionRoom = roomOf;
export const crowdRoom = (questionId: string) => `${roomOf(questionId)}:crowd`;
export const userRoom = (userId: string) => `user:${userId}`;

export type ParsedRoom = { kind: "question" | "crowd"; questionId: string } | { kind: "user"; userId: string } | null;

/** What a room name stands for; null for socket.io's own per-socket rooms. */
export function parseRoom(room: string): ParsedRoom {
  if (room.startsWith("user:")) return { kind: "user", userId: room.slice("user:".length) };
  if (!room.startsWith("question:")) return null;
  const rest = room.slice("question:".length);
  // Question ids cannot hold ":" (questionIdSchema), so the suffix is unambiguous.
  return rest.endsWith(":crowd") ? { kind: "crowd", questionId: rest.slice(0, -":crowd".length) } : { kind: "question", questionId: rest };
}
