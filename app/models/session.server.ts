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

type FoundSession = { session: SessionRecord; user: SessionUser };

/**
 * Sessions looked up in the last few seconds. Every signed-in request needs its session and user;
 * reading them from the database each time costs more than the rest of a forecast save (see
 * docs/decisions/011-session-lookup-cache.md). Shared through globalThis because the server's
 * middleware and the Remix build are two module instances. Any change this process makes to a
 * session or its user drops the entries at once; a change made by another instance (a log-out
 * there) is seen here within SESSION_CACHE_TTL_MS.
 */
export const SESSION_CACHE_TTL_MS = 30_000;
const SESSION_CACHE_MAX_ENTRIES = 10_000;

declare global {
  var __crowdlineSessionCache: Map<string, { found: FoundSession; freshUntil: number }> | undefined;
}

function sessionCache() {
  globalThis.__crowdlineSessionCache ??= new Map();
  return globalThis.__crowdlineSessionCache;
}

/** Drops cached sessions of `userId` (all of them: their user data or their sessions changed). */
export function forgetCachedSessionsOf(userId: string): void {
  for (const [id, entry] of sessionCache()) if (entry.found.user.id === userId) sessionCache().delete(id);
}

export async function findSessionWithUser(id: string): Promise<FoundSession | null> {
  const cache = sessionCache();
  const cached = cache.get(id);
  if (cached && cached.freshUntil > Date.now()) return cached.found;
  cache.delete(id);
  const found = await readSessionWithUser(id);
  if (found) {
    // Oldest first out: a Map iterates in insertion order.
    if (cache.size >= SESSION_CACHE_MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
    cache.set(id, { found, freshUntil: Date.now() + SESSION_CACHE_TTL_MS });
  }
  return found;
}

async function readSessionWithUser(id: string): Promise<FoundSession | null> {
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
  const cached = sessionCache().get(id);
  if (cached) cached.found = { ...cached.found, session: { ...cached.found.session, expiresAt, lastSeenAt } };
}

export async function deleteSession(id: string): Promise<void> {
  sessionCache().delete(id);
  await getDb().session.deleteMany({ where: { id } });
}

/** Ends all of a user's sessions, or all but `exceptSessionId`. Returns how many ended. */
export async function deleteUserSessions(userId: string, exceptSessionId?: string): Promise<number> {
  forgetCachedSessionsOf(userId);
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
