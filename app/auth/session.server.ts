import { sha256 } from "@oslojs/crypto/sha2";
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from "@oslojs/encoding";
import {
  deleteSession,
  extendSession,
  findSessionWithUser,
  insertSession,
  type SessionRecord,
  type SessionUser,
} from "~/models/session.server";

/**
 * Sessions as Lucia's author now teaches them (lucia-auth.com, "Sessions"): the browser holds a
 * random token, the database holds only its SHA-256, so a leaked sessions table opens no
 * account. Why not the `lucia` package: docs/decisions/005-sessions-lucia-recipe.md.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
export const SESSION_IDLE_TIMEOUT_MS = 30 * DAY_MS;
export const SESSION_ABSOLUTE_TIMEOUT_MS = 90 * DAY_MS;
// Extending on every request would write on every page view; once a day is plenty for 30 days.
export const SESSION_EXTEND_INTERVAL_MS = DAY_MS;

// 20 bytes = 160 bits from the CSPRNG; base32 keeps the token cookie- and URL-safe.
const TOKEN_BYTES = 20;
const TOKEN_PATTERN = /^[a-z2-7]{32}$/;

export interface ValidatedSession {
  session: SessionRecord;
  user: SessionUser;
}

export function generateSessionToken(): string {
  const bytes = new Uint8Array(TOKEN_BYTES);
  crypto.getRandomValues(bytes);
  return encodeBase32LowerCaseNoPadding(bytes);
}

export function sessionIdFromToken(token: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

export async function createSession(userId: string, now = new Date()): Promise<{ token: string; session: SessionRecord }> {
  const token = generateSessionToken();
  const session: SessionRecord = {
    id: sessionIdFromToken(token),
    userId,
    expiresAt: new Date(now.getTime() + SESSION_IDLE_TIMEOUT_MS),
    absoluteExpiresAt: new Date(now.getTime() + SESSION_ABSOLUTE_TIMEOUT_MS),
    lastSeenAt: now,
  };
  await insertSession(session);
  return { token, session };
}

/**
 * The session and user behind `token`, or null. Expired sessions are deleted on sight. A
 * session used more than a day after its last extension is extended to 30 days from now, never
 * past its 90-day cap; `extended` tells the caller to re-send the cookie with the new expiry.
 */
export async function validateSessionToken(
  token: string,
  now = new Date(),
): Promise<(ValidatedSession & { extended: boolean }) | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const found = await findSessionWithUser(sessionIdFromToken(token));
  if (!found) return null;
  const { session, user } = found;
  if (now >= session.expiresAt || now >= session.absoluteExpiresAt) {
    await deleteSession(session);
    return null;
  }
  if (now.getTime() - session.lastSeenAt.getTime() < SESSION_EXTEND_INTERVAL_MS) {
    return { session, user, extended: false };
  }
  const expiresAt = new Date(Math.min(now.getTime() + SESSION_IDLE_TIMEOUT_MS, session.absoluteExpiresAt.getTime()));
  await extendSession(session.id, expiresAt, now);
  return { session: { ...session, expiresAt, lastSeenAt: now }, user, extended: true };
}

export async function invalidateSession(session: Pick<SessionRecord, "id" | "userId">): Promise<void> {
  await deleteSession(session);
}

export interface SessionCookieSettings {
  name: "__Host-session" | "session";
  secure: boolean;
}

/**
 * `__Host-` makes the browser refuse the cookie unless it is Secure, host-only and Path=/, so a
 * sibling subdomain cannot plant or overwrite it. Plain http in development and tests cannot
 * carry Secure cookies (except on localhost), hence the plain name there.
 */
export function sessionCookieSettings(mode: "development" | "production" | "test"): SessionCookieSettings {
  return mode === "production" ? { name: "__Host-session", secure: true } : { name: "session", secure: false };
}

export function serializeSessionCookie(settings: SessionCookieSettings, token: string, expiresAt: Date, now = new Date()): string {
  const maxAge = Math.max(0, Math.round((expiresAt.getTime() - now.getTime()) / 1000));
  return [
    `${settings.name}=${token}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${maxAge}`,
    `Expires=${expiresAt.toUTCString()}`,
    ...(settings.secure ? ["Secure"] : []),
  ].join("; ");
}

export function serializeBlankSessionCookie(settings: SessionCookieSettings): string {
  return [`${settings.name}=`, "Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=0", ...(settings.secure ? ["Secure"] : [])].join("; ");
}

/** The session token from a Cookie header, if it has one. */
export function readSessionToken(settings: SessionCookieSettings, cookieHeader: string | null | undefined): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(";")) {
    const separator = part.indexOf("=");
    if (separator > 0 && part.slice(0, separator).trim() === settings.name) return part.slice(separator + 1).trim() || null;
  }
  return null;
}
