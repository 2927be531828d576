import { isIPv6 } from "node:net";
import type { NextFunction, Request, Response } from "express";

/**
 * Requests the app cannot make sense of, refused at the door: before the page cache keys on them,
 * the session is looked up or Remix builds a URL out of them. socket.io's path never gets here
 * (engine.io takes it off the http server before Express), so its own rules stand.
 */

/** The methods a page or form of ours uses; OPTIONS is let through for whatever answers it. */
export const ALLOWED_METHODS = ["GET", "HEAD", "POST"] as const;
const PASSING_METHODS = new Set<string>([...ALLOWED_METHODS, "OPTIONS"]);

// A name (letters, digits, `.`, `-`, `_`: Docker service names use `_`), or an IPv6 literal in
// brackets, then an optional port. Everything else — spaces, `;`, `@`, `/`, `%`, unicode — is no
// host a browser sends; browsers send IDNs as punycode.
const HOST = /^(?:(?<name>[a-z0-9._-]{1,253})|\[(?<ipv6>[0-9a-f:.]{2,45})\])(?::(?<port>\d{1,5}))?$/i;

/** Whether a Host (or X-Forwarded-Host) value names a host and port, and nothing else. */
export function isWellFormedHost(value: string): boolean {
  const groups = HOST.exec(value)?.groups;
  if (!groups) return false;
  if (groups.port !== undefined && Number(groups.port) > 65_535) return false;
  if (groups.ipv6 !== undefined) return isIPv6(groups.ipv6);
  // The URL parser is what Remix will feed the name to: it must take it unchanged (it turns
  // `127.1` into 127.0.0.1 and refuses `1.2.3.999`).
  const name = groups.name!;
  try {
    return new URL(`http://${name}`).hostname === name.toLowerCase();
  } catch {
    return false;
  }
}

function refuse(res: Response, status: number, message: string) {
  res.status(status).type("text/plain").send(message);
}

/**
 * 400 for a malformed Host: Remix builds each request's URL from it, and an unparsable one ended
 * in a 500. The same for X-Forwarded-Host, whose port Remix reads whether or not the proxy is
 * trusted, and for X-Forwarded-Proto from a trusted proxy (Express's `req.protocol`). A request
 * without Host at all is HTTP/1.0 (Node refuses one on 1.1), as some load balancers' health
 * checks still are; it goes on as before.
 */
export function hostValidation() {
  return (req: Request, res: Response, next: NextFunction) => {
    const { host } = req.headers;
    if (host !== undefined && !isWellFormedHost(host)) return refuse(res, 400, "Bad Request: malformed Host header");
    const forwardedHost = req.get("x-forwarded-host");
    if (forwardedHost && !forwardedHost.split(",").every((entry) => isWellFormedHost(entry.trim()))) {
      return refuse(res, 400, "Bad Request: malformed X-Forwarded-Host header");
    }
    if (!/^https?$/i.test(req.protocol)) return refuse(res, 400, "Bad Request: malformed X-Forwarded-Proto header");
    next();
  };
}

/**
 * 405 for PUT, PATCH, DELETE and the rest: every form of ours posts, and Remix would otherwise
 * run a route's action for any of them.
 */
export function methodAllowList() {
  return (req: Request, res: Response, next: NextFunction) => {
    if (PASSING_METHODS.has(req.method)) return next();
    res.setHeader("Allow", ALLOWED_METHODS.join(", "));
    refuse(res, 405, "Method Not Allowed");
  };
}
