import type { Logger } from "pino";

/**
 * Wraps an event listener (socket.io, its adapter, Redis) so that whatever it throws, or the
 * promise it returns rejects with, is logged instead of escaping. A listener's throw unwinds into
 * the emitter that called it and surfaces as an uncaught exception, which stops the whole process
 * (docs/decisions/014-crash-policy.md) — far too much for one bad event on one socket.
 */
export function guardHandler<A extends unknown[]>(logger: Logger, name: string, handler: (...args: A) => unknown): (...args: A) => void {
  const failed = (error: unknown) => logger.error({ err: error, handler: name }, "event handler failed; carrying on");
  return (...args) => {
    try {
      const result = handler(...args);
      if (result instanceof Promise) result.catch(failed);
    } catch (error) {
      failed(error);
    }
  };
}
