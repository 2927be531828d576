import { randomUUID } from "node:crypto";
import { SESSION_ABSOLUTE_TIMEOUT_MS, SESSION_IDLE_TIMEOUT_MS, generateSessionToken, sessionIdFromToken } from "../app/auth/session.server";
import type { Db } from "../app/db.server";

export interface SignedInReader {
  userId: string;
  /** The session token, as the browser's cookie carries it. */
  token: string;
}

/**
 * Accounts with a live session each, written straight into the database with the app's own token
 * hashing: for benches and tests that need many signed-in readers without paying for argon2 at
 * sign-up. The accounts have no password ("!" never verifies).
 */
export async function createSignedInReaders(db: Db, count: number, namePrefix: string): Promise<SignedInReader[]> {
  const now = Date.now();
  const readers = Array.from({ length: count }, () => ({ userId: randomUUID(), token: generateSessionToken() }));
  // Chunks keep each statement under SQLite's bound-parameter limit.
  const chunkSize = 500;
  for (let start = 0; start < readers.length; start += chunkSize) {
    const chunk = readers.slice(start, start + chunkSize);
    await db.$transaction([
      db.user.createMany({
        data: chunk.map(({ userId }) => ({ id: userId, username: `${namePrefix}_${userId}`, email: `${namePrefix}_${userId}@example.com`, passwordHash: "!" })),
      }),
      db.session.createMany({ data: chunk.map(({ userId, token }) => freshSessionRow(userId, token, now)) }),
    ]);
  }
  return readers;
}

/** The row of a session just begun for `token`, as the app writes it at sign-in. */
export function freshSessionRow(userId: string, token: string, now: number = Date.now()) {
  return {
    id: sessionIdFromToken(token),
    userId,
    expiresAt: new Date(now + SESSION_IDLE_TIMEOUT_MS),
    absoluteExpiresAt: new Date(now + SESSION_ABSOLUTE_TIMEOUT_MS),
    createdAt: new Date(now),
    lastSeenAt: new Date(now),
  };
}
