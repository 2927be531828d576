import { getDb } from "~/db.server";
import type { Role } from "~/auth/account-forms";
import { announceSessionRevocation, type SessionRevocation } from "~/auth/session-revocations";

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
 * session or its user drops the entries at once, here and (through Redis, when the server relays
 * revocations) on every other instance; a change nobody announced (a write behind the app's back,
 * or one made while Redis was away) is seen here within SESSION_CACHE_TTL_MS.
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

/** Drops this process's cached entries for a revocation, without telling anyone (the relay's receiving end). */
export function dropCachedSessions(revocation: SessionRevocation): void {
  const cache = sessionCache();
  if (revocation.sessionId) {
    cache.delete(revocation.sessionId);
    return;
  }
  for (const [id, entry] of cache) if (entry.found.user.id === revocation.userId) cache.delete(id);
}

/** Drops every cached entry: revocations may have been missed (the relay lost Redis for a while). */
export function dropAllCachedSessions(): void {
  sessionCache().clear();
}

/**
 * Drops cached sessions of `userId` (all of them: their user data or their sessions changed), in
 * this process and on every other instance. Call after the change commits.
 */
export function forgetCachedSessionsOf(userId: string): void {
  forgetEverywhere({ userId });
}

function forgetEverywhere(revocation: SessionRevocation): void {
  dropCachedSessions(revocation);
  announceSessionRevocation(revocation);
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

// Both drop their entries before the write (no request here uses the session from then on) and
// announce after it: an instance told earlier could re-read the row before it is gone and keep it.
export async function deleteSession(session: Pick<SessionRecord, "id" | "userId">): Promise<void> {
  sessionCache().delete(session.id);
  await getDb().session.deleteMany({ where: { id: session.id } });
  forgetEverywhere({ userId: session.userId, sessionId: session.id });
}

/** Ends all of a user's sessions, or all but `exceptSessionId`. Returns how many ended. */
export async function deleteUserSessions(userId: string, exceptSessionId?: string): Promise<number> {
  dropCachedSessions({ userId });
  const { count } = await getDb().session.deleteMany({
    where: { userId, ...(exceptSessionId ? { id: { not: exceptSessionId } } : {}) },
  });
  forgetCachedSessionsOf(userId);
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
