import type { NextFunction, Request, Response } from "express";

/**
 * Graceful overload (issue 15, docs/decisions/016-load-shedding.md). One JavaScript thread serves
 * everything; when renders queue up behind each other every request waits for all those before it,
 * and at twice the load the server used to answer nothing within 30 s. What cannot be served in
 * time is better refused at once: a 503 costs a fraction of a millisecond and tells the browser
 * when to come back, while cached pages, static files, health probes and sockets (all answered
 * before this middleware, or outside Express) stay fast.
 *
 * The measure is the event loop's own delay: a timer that should fire every `sampleIntervalMs`
 * fires late by as much as the work queued ahead of it. The current delay is the second-worst
 * lateness of the last `windowMs`: overload makes every sample late, while one slow task (a cold
 * first render, a GC pause) makes one sample late and must not refuse anybody. It reacts within
 * two samples and forgets a spell of overload as soon as the window has passed.
 */
export interface LoadSheddingOptions {
  /** Delay above which new page renders and reads (GET) are refused. */
  maxReadDelayMs?: number;
  /** Delay above which writes (POST) are refused too: a save is cheap, so it holds out longer. */
  maxWriteDelayMs?: number;
  sampleIntervalMs?: number;
  windowMs?: number;
  retryAfterSeconds?: number;
}

export const LOAD_SHEDDING_DEFAULTS = {
  maxReadDelayMs: 150,
  maxWriteDelayMs: 400,
  sampleIntervalMs: 20,
  windowMs: 200,
  retryAfterSeconds: 2,
} as const satisfies Required<LoadSheddingOptions>;

export interface LoadShedder {
  middleware(req: Request, res: Response, next: NextFunction): void;
  /** The event-loop delay of the last window (its second-worst sample), in ms. */
  readonly delayMs: number;
  /** Whether a page render (GET) arriving now would be refused. */
  rendersRefused(): boolean;
  /** Requests refused since start, for logs and benchmarks. */
  readonly refused: number;
  stop(): void;
}

export function createLoadShedder(options: LoadSheddingOptions = {}): LoadShedder {
  const settings = { ...LOAD_SHEDDING_DEFAULTS, ...options };
  const samples = new Array<number>(Math.max(1, Math.ceil(settings.windowMs / settings.sampleIntervalMs))).fill(0);
  let next = 0;
  let expectedAt = performance.now() + settings.sampleIntervalMs;
  let refused = 0;
  const timer = setInterval(() => {
    const at = performance.now();
    samples[next] = Math.max(0, at - expectedAt);
    next = (next + 1) % samples.length;
    expectedAt = at + settings.sampleIntervalMs;
  }, settings.sampleIntervalMs);
  // The sampler must not keep a stopping process alive.
  timer.unref();

  // The sample not yet taken counts too: a loop blocked right now has not let the timer report it.
  const currentDelay = () => {
    const latest = [...samples, Math.max(0, performance.now() - expectedAt)].sort((a, b) => b - a);
    return latest[1]!;
  };

  return {
    middleware(req, res, next) {
      const limit = req.method === "GET" || req.method === "HEAD" ? settings.maxReadDelayMs : settings.maxWriteDelayMs;
      if (currentDelay() <= limit) return next();
      refused += 1;
      res.setHeader("Retry-After", String(settings.retryAfterSeconds));
      res.setHeader("Cache-Control", "no-store");
      res
        .status(503)
        .type("text/plain")
        .send(`Crowdline is very busy right now. Nothing was changed; please try again in ${settings.retryAfterSeconds} seconds.`);
    },
    get delayMs() {
      return currentDelay();
    },
    rendersRefused() {
      return currentDelay() > settings.maxReadDelayMs;
    },
    get refused() {
      return refused;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
