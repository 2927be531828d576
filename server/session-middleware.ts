import type { NextFunction, Request, Response } from "express";
import {
  readSessionToken,
  serializeBlankSessionCookie,
  serializeSessionCookie,
  validateSessionToken,
  type SessionCookieSettings,
} from "~/auth/session.server";

/**
 * Resolves the session cookie once per page or action request, before Remix runs, so that every
 * loader sees the same user and the cookie is re-sent (extended) or cleared (dead) in one place.
 * Requests without the cookie cost nothing.
 */
export function sessionMiddleware(settings: SessionCookieSettings) {
  return async (req: Request, res: Response, next: NextFunction) => {
    res.locals.auth = null;
    const token = readSessionToken(settings, req.headers.cookie);
    if (!token) return next();
    try {
      const validated = await validateSessionToken(token);
      if (!validated) {
        res.append("Set-Cookie", serializeBlankSessionCookie(settings));
        return next();
      }
      if (validated.extended) res.append("Set-Cookie", serializeSessionCookie(settings, token, validated.session.expiresAt, validated.session.lastSeenAt));
      res.locals.auth = { session: validated.session, user: validated.user };
      next();
    } catch (error) {
      next(error);
    }
  };
}
