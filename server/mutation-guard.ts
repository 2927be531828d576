import type { NextFunction, Request, Response } from "express";
import { isSameOriginMutation } from "~/auth/origin";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses cross-site form posts (CSRF) before any body is read, any session looked up or any
 * row written: SameSite=Lax already keeps our cookie off most of them, this closes the rest
 * (sibling subdomains, old browsers). Also caps request bodies: no form of ours comes near 1 MiB.
 */
export function mutationGuard(options: { allowedOrigins: readonly string[]; maxBodyBytes?: number }) {
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const allowed = isSameOriginMutation({
      origin: req.headers.origin,
      referer: req.headers.referer,
      host: req.headers.host,
      allowedOrigins: options.allowedOrigins,
    });
    if (!allowed) {
      req.log?.warn({ origin: req.headers.origin ?? null, referer: req.headers.referer ? "present" : null }, "cross-origin request refused");
      res.status(403).type("text/plain").send("Refused: this request did not come from a Crowdline page. Reload the page and try again.");
      return;
    }
    if (Number(req.headers["content-length"] ?? 0) > maxBodyBytes) {
      res.status(413).type("text/plain").send("Refused: the request is larger than any form on this site sends.");
      return;
    }
    // A body without a declared length (chunked) could be any size by the time it is read;
    // browsers always declare it for forms, so such a request is not one of ours.
    if (req.headers["content-length"] === undefined && req.headers["transfer-encoding"] !== undefined) {
      res.status(411).type("text/plain").send("Refused: send the form with a Content-Length, as browsers do.");
      return;
    }
    next();
  };
}
