import { z } from "zod";

/**
 * Ended sessions, told to every instance. Each process answers session lookups from a 30 s cache
 * (docs/decisions/011); when this process ends a session or changes its user, the other instances
 * must drop their copies too, or a logged-out cookie would keep working there. The models announce
 * here and know nothing of Redis: the server installs the transport (server/session-revocation-relay.ts)
 * when REDIS_URL is set; without it announcing does nothing, which is right for one instance.
 */
export interface SessionRevocation {
  /** Every cached session of this user is dropped, unless `sessionId` narrows it to one. */
  userId: string;
  /** The session's id: the token's SHA-256, never the token. */
  sessionId?: string;
}

export type RevocationPublisher = (revocation: SessionRevocation) => void;

declare global {
  // The server and the Remix build are two module instances in one process: the hook must be
  // shared through globalThis, as the session cache is.
  var __crowdlineRevocationPublishers: Set<RevocationPublisher> | undefined;
}

const publishers = () => (globalThis.__crowdlineRevocationPublishers ??= new Set());

/**
 * Installs a transport for revocations; returns its removal. One per server in this process (tests
 * run several). A publisher must not throw: it is called right after a committed write.
 */
export function installRevocationPublisher(publish: RevocationPublisher): () => void {
  publishers().add(publish);
  return () => void publishers().delete(publish);
}

/** Tells the other instances; call once the change is committed, so they cannot re-read the old row. */
export function announceSessionRevocation(revocation: SessionRevocation): void {
  for (const publish of publishers()) publish(revocation);
}

export const sessionRevocationChannel = (redisPrefix: string) => `${redisPrefix}:session-revocations`;

// Ids are cuids or SHA-256 hex; anything else on the channel is not ours.
const idSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);
const revocationSchema = z.object({ userId: idSchema, sessionId: idSchema.optional() }).strict();

export const serializeSessionRevocation = (revocation: SessionRevocation): string =>
  JSON.stringify(revocation.sessionId ? { userId: revocation.userId, sessionId: revocation.sessionId } : { userId: revocation.userId });

/** A message from the channel, or null if it is not a revocation. */
export function parseSessionRevocation(message: string): SessionRevocation | null {
  try {
    const parsed = revocationSchema.safeParse(JSON.parse(message));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
