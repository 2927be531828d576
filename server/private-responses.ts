import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { NextFunction, Request, Response } from "express";
import { readSessionToken, type SessionCookieSettings } from "~/auth/session.server";

/**
 * Cache headers for everything Remix answers, decided when the headers go out rather than by each
 * route: a route without a `headers` export loses its loader's Cache-Control, and a new route may
 * forget it altogether. docs/SECURITY.md ("Response headers"), decision 004.
 *
 * - Every response gets `Vary: Cookie`, so a shared cache keeps signed-in and anonymous copies
 *   apart even where a route's own headers did not say so.
 * - A response to a request carrying the session cookie is made `private, no-store`, unless the
 *   route already keeps it out of shared caches and out of a browser's cache without asking
 *   (`private, no-cache`, the signed-in pages' choice). Carrying the cookie is enough, valid or
 *   not: the answer still differs from the anonymous one (it clears the cookie).
 */
export function privateResponses(settings: SessionCookieSettings) {
  return (req: Request, res: Response, next: NextFunction) => {
    const carriesSession = readSessionToken(settings, req.headers.cookie) !== null;
    beforeHeadersGoOut(res, () => {
      res.vary("Cookie");
      if ((carriesSession || res.locals.auth) && !isPrivateEnough(res.getHeader("cache-control"))) {
        res.setHeader("Cache-Control", "private, no-store");
      }
    });
    next();
  };
}

/** `private` with `no-store` or `no-cache`, and nothing that lets a shared cache keep it anyway. */
export function isPrivateEnough(cacheControl: number | string | string[] | undefined): boolean {
  if (cacheControl === undefined) return false;
  const directives = new Set(
    String(cacheControl)
      .split(",")
      .map((directive) => directive.split("=")[0]!.trim().toLowerCase()),
  );
  return directives.has("private") && (directives.has("no-store") || directives.has("no-cache")) && !directives.has("public") && !directives.has("s-maxage");
}

type WriteHead = ServerResponse["writeHead"];

/**
 * Runs `listener` once, just before the status line and headers are written. Headers handed to
 * writeHead itself are moved onto the response first, so that the listener sees (and may
 * override) them. The `on-headers` package does this for compression; it is not a dependency of
 * ours, and these few lines are all we need of it.
 */
function beforeHeadersGoOut(res: ServerResponse, listener: () => void) {
  const writeHead = res.writeHead as (...args: unknown[]) => ServerResponse;
  let fired = false;
  res.writeHead = function (this: ServerResponse, statusCode: number, ...rest: unknown[]) {
    const reason = typeof rest[0] === "string" ? rest[0] : undefined;
    const headers = reason === undefined ? rest[0] : rest[1];
    this.statusCode = statusCode;
    if (Array.isArray(headers)) setHeadersFromArray(this, headers as unknown[]);
    else if (headers && typeof headers === "object") {
      for (const [name, value] of Object.entries(headers as OutgoingHttpHeaders)) if (value !== undefined) this.setHeader(name, value);
    }
    if (!fired) {
      fired = true;
      listener();
    }
    return reason === undefined ? writeHead.call(this, this.statusCode) : writeHead.call(this, this.statusCode, reason);
  } as WriteHead;
}

/** writeHead's array forms: `[[name, value], …]` or `[name, value, name, value, …]`. */
function setHeadersFromArray(res: ServerResponse, headers: unknown[]) {
  if (Array.isArray(headers[0])) {
    for (const [name, value] of headers as [string, string][]) res.setHeader(name, value);
    return;
  }
  const names = new Set<string>();
  for (let index = 0; index < headers.length; index += 2) names.add(String(headers[index]));
  for (const name of names) res.removeHeader(name);
  for (let index = 0; index < headers.length; index += 2) res.appendHeader(String(headers[index]), String(headers[index + 1]));
}
