import type { Logger } from "pino";
import type { createClient } from "redis";
import {
  installRevocationPublisher,
  parseSessionRevocation,
  serializeSessionRevocation,
  sessionRevocationChannel,
} from "~/auth/session-revocations";
import { dropAllCachedSessions, dropCachedSessions } from "~/models/session.server";

type RedisClient = ReturnType<typeof createClient>;

export interface SessionRevocationRelay {
  /** Stops announcing and listening; closes the subscriber connection (the publishing client is the caller's). */
  close(): Promise<void>;
}

/**
 * Carries session revocations between the instances sharing `redisPrefix` (docs/decisions/011):
 * what this process ends is published on `<prefix>:session-revocations`, and what any instance
 * publishes (this one included, harmlessly) drops the matching entries of this process's cache.
 */
export async function relaySessionRevocations(options: { redis: RedisClient; redisPrefix: string; logger: Logger }): Promise<SessionRevocationRelay> {
  const { redis, logger } = options;
  const channel = sessionRevocationChannel(options.redisPrefix);
  // A subscribed connection can do nothing else, hence one of its own; named after its channel so
  // that CLIENT LIST tells which it is.
  const subscriber = redis.duplicate({ name: channel });
  subscriber.on("error", (error: Error) => logger.error({ err: error.message }, "redis connection error (session revocations)"));
  let lostConnection = false;
  subscriber.on("end", () => (lostConnection = true));
  subscriber.on("reconnecting", () => (lostConnection = true));
  subscriber.on("ready", () => {
    // Whatever was published while this connection was down is lost: forget every cached session
    // rather than honour one that ended meanwhile for up to 30 s.
    if (lostConnection) dropAllCachedSessions();
    lostConnection = false;
  });
  await subscriber.connect();
  await subscriber.subscribe(channel, (message) => {
    const revocation = parseSessionRevocation(message);
    if (revocation) dropCachedSessions(revocation);
    else logger.warn({ channel }, "ignored a message that is not a session revocation");
  });

  const uninstall = installRevocationPublisher((revocation) => {
    redis.publish(channel, serializeSessionRevocation(revocation)).catch((error: Error) => {
      // The other instances then honour the session until their cache entry expires (≤ 30 s).
      logger.error({ err: error.message, userId: revocation.userId }, "could not announce a session revocation");
    });
  });

  return {
    async close() {
      uninstall();
      await subscriber.quit().catch(() => undefined);
    },
  };
}
