import { getDb } from "~/db.server";
import type { Role } from "~/auth/account-forms";

/** What every request may know about the signed-in user: nothing secret, no password hash. */
export interface SessionUser {
  id: string;
  username: string;
  email: string;
  displayName: string | null;
  role: Role;
  hideCrowdUntilForecast: boolean;
}

export interface SessionRecord {
  id: string;
  userId: string;
  expiresAt: Date;
  absoluteExpiresAt: Date;
  lastSeenAt: Date;
}

export const sessionUserSelect = {
  id: true,
  username: true,
  email: true,
  displayName: true,
  role: true,
  hideCrowdUntilForecast: true,
} as const;

export function toSessionUser(user: Omit<SessionUser, "role"> & { role: string }): SessionUser {
  const role: Role = user.role === "admin" || user.role === "author" ? user.role : "reader";
  return { ...user, role };
}

export async function insertSession(session: Omit<SessionRecord, "lastSeenAt"> & { lastSeenAt: Date }): Promise<void> {
  await getDb().session.create({ data: { ...session, createdAt: session.lastSeenAt } });
}

export async function findSessionWithUser(id: string): Promise<{ session: SessionRecord; user: SessionUser } | null> {
  const row = await getDb().session.findUnique({
    where: { id },
    select: {
      id: true,
      userId: true,
      expiresAt: true,
      absoluteExpiresAt: true,
      lastSeenAt: true,
      user: { select: { ...sessionUserSelect, deletedAt: true } },
    },
  });
  if (!row || row.user.deletedAt) return null;
  const { user, ...session } = row;
  const { deletedAt: _deletedAt, ...visible } = user;
  return { session, user: toSessionUser(visible) };
}

export async function extendSession(id: string, expiresAt: Date, lastSeenAt: Date): Promise<void> {
  await getDb().session.updateMany({ where: { id }, data: { expiresAt, lastSeenAt } });
}

export async function deleteSession(id: string): Promise<void> {
  await getDb().session.deleteMany({ where: { id } });
}

/** Ends all of a user's sessions, or all but `exceptSessionId`. Returns how many ended. */
export async function deleteUserSessions(userId: string, exceptSessionId?: string): Promise<number> {
  const { count } = await getDb().session.deleteMany({
    where: { userId, ...(exceptSessionId ? { id: { not: exceptSessionId } } : {}) },
  });
  return count;
}

export interface SessionSummary {
  id: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

/** A user's live sessions, newest first, for "where am I signed in". Ids are hashes, never tokens. */
export async function listUserSessions(userId: string, now = new Date()): Promise<SessionSummary[]> {
  return getDb().session.findMany({
    where: { userId, expiresAt: { gt: now }, absoluteExpiresAt: { gt: now } },
    orderBy: { lastSeenAt: "desc" },
    select: { id: true, createdAt: true, lastSeenAt: true, expiresAt: true },
  });
}
