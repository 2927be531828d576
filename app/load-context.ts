import type { AuthRateLimits, PerUserLimit } from "~/auth/rate-limit.server";
import type { SessionCookieSettings, ValidatedSession } from "~/auth/session.server";
import type { RealtimePublisher } from "~/realtime/publisher";

/**
 * What server/app.ts hands every Remix loader and action. Created outside the Remix build on
 * purpose: a module singleton inside the build would be a second instance (see STACK.md).
 */
declare module "@remix-run/node" {
  interface AppLoadContext {
    realtime: RealtimePublisher;
    /** The signed-in visitor's session and user, resolved once per request by server/session-middleware.ts. */
    auth: ValidatedSession | null;
    sessionCookie: SessionCookieSettings;
    rateLimits: AuthRateLimits;
    /** Comments posted per user per minute. */
    commentLimit: PerUserLimit;
    /** The client's address as Express sees it (honours TRUST_PROXY). */
    clientIp: string;
    /** Per-request CSP nonce for Remix's inline scripts. */
    cspNonce: string;
  }
}
