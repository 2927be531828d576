import { readSessionToken, sessionIdFromToken, type SessionCookieSettings } from "~/auth/session.server";
import { findSessionWithUser } from "~/models/session.server";
import type { Viewer } from "./realtime-visibility";

/** The session id (the token's SHA-256) behind a handshake's cookie; the token itself is not kept. */
export function sessionIdOfHandshake(settings: SessionCookieSettings, cookieHeader: string | undefined): string | null {
  const token = readSessionToken(settings, cookieHeader);
  return token ? sessionIdFromToken(token) : null;
}

/**
 * The signed-in user of a live session, or null. Read-only on purpose: validateSessionToken would
 * delete an expired session or extend a live one, and sockets never write to the database (the
 * page that opened the socket has just done both over HTTP). Same expiry rule as there.
 */
export async function viewerOfSession(sessionId: string, now = new Date()): Promise<NonNullable<Viewer> | null> {
  const found = await findSessionWithUser(sessionId);
  if (!found || now >= found.session.expiresAt || now >= found.session.absoluteExpiresAt) return null;
  return { userId: found.user.id, hideCrowdUntilForecast: found.user.hideCrowdUntilForecast };
}
