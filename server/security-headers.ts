import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHandler, Response } from "express";
import helmet from "helmet";

export interface SecurityHeadersOptions {
  mode: "development" | "production" | "test";
}

// A Host header is client input: only a plain host[:port] may reach the policy, so nobody can
// smuggle extra directives or sources into it.
const PLAIN_HOST = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

const nonceOf = (res: ServerResponse) => (res as Response).locals.cspNonce as string;

/**
 * Response headers for OWASP ASVS L2 (V14.4): a nonce-based CSP plus the usual helmet set. The
 * nonce is left in `res.locals.cspNonce` for getLoadContext, so Remix can put it on the inline
 * scripts it renders; anything inline without it is refused.
 */
export function securityHeaders(options: SecurityHeadersOptions): RequestHandler[] {
  const setNonce: RequestHandler = (_req, res, next) => {
    // 128 bits, as CSP3 recommends, fresh for every response so a leaked one is useless.
    res.locals.cspNonce = randomBytes(16).toString("base64");
    next();
  };

  // Older Safari does not count ws:/wss: to our own host as 'self', which would cut the live
  // figures' socket; naming the host explicitly covers it.
  const ownWebSockets = (req: IncomingMessage) => {
    const host = req.headers.host;
    return host && PLAIN_HOST.test(host) ? `ws://${host} wss://${host}` : "";
  };

  return [
    setNonce,
    helmet({
      contentSecurityPolicy: {
        // Spelled out in full rather than patched onto helmet's defaults, so the policy can be
        // reviewed here in one place.
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'", (_req, res) => `'nonce-${nonceOf(res)}'`],
          scriptSrcAttr: ["'none'"],
          // React renders style attributes (the forecast bars' widths); style injection cannot
          // run code, so this is the accepted trade-off.
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", "data:"],
          fontSrc: ["'self'"],
          // Remix's LiveReload socket listens on its own port in development.
          connectSrc: ["'self'", ownWebSockets, ...(options.mode === "development" ? ["ws:"] : [])],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          // Only our own pages may frame us; embeds for other sites will get their own route.
          frameAncestors: ["'self'"],
          // Not set: `npm start` serves plain http, and browsers would then rewrite every asset
          // URL to https when the app is opened by LAN address, breaking the page.
        },
      },
      // Cross-origin isolation buys nothing here (no SharedArrayBuffer) and would block any
      // third-party image or embed that does not send Cross-Origin-Resource-Policy.
      crossOriginEmbedderPolicy: false,
      crossOriginOpenerPolicy: { policy: "same-origin" },
      // Other sites learn which site sent a visitor, never which page (article slugs, settings).
      referrerPolicy: { policy: "strict-origin-when-cross-origin" },
    }),
  ];
}
