import type { Logger } from "pino";
import type { createClient } from "redis";
import { PRESENCE_WINDOW_MS } from "~/realtime/contract";
import { WindowedCoalescer, systemTimers, type Timers } from "./realtime-coalescer";
import { questionRoom } from "./realtime-rooms";

type RedisClient = ReturnType<typeof createClient>;

/**
 * How many sockets have a question open, over every instance. Each instance counts its own room
 * members and, with Redis, keeps that count in a hash per question (one field per instance, value
 * `count:writtenAtMs`), rewritten every REFRESH_MS; a field older than STALE_MS is ignored, so an
 * instance that died stops counting within a minute. Counts are announced to local sockets at most
 * once per PRESENCE_WINDOW_MS per question; an instance whose count changed tells the others
 * (`notifyOthers`), and each re-reads the hash before announcing to its own sockets, so the last
 * announcement everywhere follows the last change.
 */
export const PRESENCE_REFRESH_MS = 15_000;
export const PRESENCE_STALE_MS = 45_000;

interface QuestionPresence {
  /** This instance's count as last written to Redis (0: no field). */
  written: number;
  /** The other instances' fresh counts at the last read; undefined before the first read. */
  others: number | undefined;
  /** The total last announced to this instance's sockets. */
  announced: number | undefined;
  flushing: boolean;
  /** Another flush was asked for while one was running. */
  again: boolean;
}

export interface PresenceOptions {
  logger: Logger;
  /** Sockets in `question:<id>` on this instance. */
  localCount(questionId: string): number;
  /** Sends `question:presence` to this instance's sockets in the question's room. */
  announce(questionId: string, count: number): void;
  redis?: { client: RedisClient; keyPrefix: string; instanceId: string; notifyOthers(questionId: string): void };
  timers?: Timers;
  windowMs?: number;
  now?: () => number;
}

export class Presence {
  private readonly questions = new Map<string, QuestionPresence>();
  private readonly announcements: WindowedCoalescer<string, true>;
  private refreshTimer: NodeJS.Timeout | undefined;
  private closing = false;
  private lastErrorLogAt = -Infinity;

  constructor(private readonly options: PresenceOptions) {
    this.announcements = new WindowedCoalescer({
      windowMs: options.windowMs ?? PRESENCE_WINDOW_MS,
      timers: options.timers ?? systemTimers,
      send: (questionId) => this.flush(questionId),
      fold: () => true,
    });
    if (options.redis) {
      this.refreshTimer = setInterval(() => this.refreshAll(), PRESENCE_REFRESH_MS).unref();
    }
  }

  /** A socket of this instance entered or left the question's room. */
  localChanged(questionId: string): void {
    if (this.closing) return;
    this.stateOf(questionId);
    this.announcements.offer(questionId, true);
  }

  /** Another instance's count changed; only matters if someone here is watching. */
  othersChanged(questionId: string): void {
    if (this.closing || this.options.localCount(questionId) === 0) return;
    this.stateOf(questionId);
    this.announcements.offer(questionId, true);
  }

  /** The total for a join ack: exact locally, the others as last read (read now if never). */
  async count(questionId: string): Promise<number> {
    const local = this.options.localCount(questionId);
    const state = this.questions.get(questionId);
    if (!this.options.redis || !state) return local;
    if (state.others === undefined) {
      try {
        state.others = this.othersIn(await this.options.redis.client.hGetAll(this.keyOf(questionId)));
      } catch (error) {
        this.logError(error, questionId);
      }
    }
    return local + (state.others ?? 0);
  }

  /** Questions this instance keeps presence state for (for tests and leak checks). */
  get tracked(): number {
    return this.questions.size;
  }

  /** Stops announcing and removes this instance's counts from Redis, telling the others. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.refreshTimer);
    this.announcements.clear();
    const redis = this.options.redis;
    const written = [...this.questions].filter(([, state]) => state.written > 0).map(([questionId]) => questionId);
    this.questions.clear();
    if (!redis || written.length === 0) return;
    try {
      const multi = redis.client.multi();
      for (const questionId of written) multi.hDel(this.keyOf(questionId), redis.instanceId);
      await multi.exec();
      for (const questionId of written) redis.notifyOthers(questionId);
    } catch (error) {
      // The fields expire on their own within PRESENCE_STALE_MS.
      this.logError(error, written[0]!);
    }
  }

  private stateOf(questionId: string): QuestionPresence {
    let state = this.questions.get(questionId);
    if (!state) {
      state = { written: 0, others: undefined, announced: undefined, flushing: false, again: false };
      this.questions.set(questionId, state);
    }
    return state;
  }

  private flush(questionId: string, rewrite = false): void {
    const state = this.questions.get(questionId);
    if (!state || this.closing) return;
    if (state.flushing) {
      state.again = true;
      return;
    }
    if (!this.options.redis) {
      this.settle(questionId, state, 0);
      return;
    }
    state.flushing = true;
    void this.syncWithRedis(questionId, state, rewrite)
      .finally(() => {
        state.flushing = false;
        if (state.again && this.questions.get(questionId) === state) {
          state.again = false;
          this.flush(questionId);
        }
      })
      // Redis errors are handled inside; this is for a throw from announcing (nothing awaits the chain).
      .catch((error: unknown) => this.options.logger.error({ err: error, questionId }, "presence update failed"));
  }

  /** Writes this instance's count if it changed (or must be refreshed) and reads everyone's, in one round trip. */
  private async syncWithRedis(questionId: string, state: QuestionPresence, rewrite: boolean): Promise<void> {
    const redis = this.options.redis!;
    const key = this.keyOf(questionId);
    const local = this.options.localCount(questionId);
    const changed = local !== state.written;
    try {
      const multi = redis.client.multi();
      if (changed || rewrite) {
        if (local > 0) multi.hSet(key, redis.instanceId, `${local}:${this.now()}`).pExpire(key, PRESENCE_STALE_MS + PRESENCE_REFRESH_MS);
        else multi.hDel(key, redis.instanceId);
      }
      multi.hGetAll(key);
      const replies = await multi.exec();
      state.written = local;
      if (changed) redis.notifyOthers(questionId);
      state.others = this.othersIn(replies.at(-1) as unknown as Record<string, string>);
    } catch (error) {
      this.logError(error, questionId);
    }
    this.settle(questionId, state, state.others ?? 0);
  }

  /** Announces the total if it moved; forgets the question once nobody here watches it. */
  private settle(questionId: string, state: QuestionPresence, others: number) {
    const local = this.options.localCount(questionId);
    if (local === 0) {
      // Kept while a count is still in Redis, so that it gets removed.
      if (state.written === 0 && !state.again) this.questions.delete(questionId);
      return;
    }
    const total = local + others;
    if (total === state.announced) return;
    state.announced = total;
    this.options.announce(questionId, total);
  }

  private refreshAll() {
    for (const questionId of this.questions.keys()) this.flush(questionId, true);
  }

  private othersIn(fields: Record<string, string>): number {
    const freshAfter = this.now() - PRESENCE_STALE_MS;
    let sum = 0;
    for (const [instanceId, value] of Object.entries(fields)) {
      if (instanceId === this.options.redis?.instanceId) continue;
      const [count, writtenAt] = value.split(":").map(Number);
      if (Number.isFinite(count) && Number.isFinite(writtenAt) && writtenAt! > freshAfter) sum += count!;
    }
    return sum;
  }

  private keyOf(questionId: string) {
    return `${this.options.redis!.keyPrefix}:presence:${questionRoom(questionId)}`;
  }

  private now() {
    return (this.options.now ?? Date.now)();
  }

  private logError(error: unknown, questionId: string) {
    // Redis being down would otherwise log once per question per second.
    if (this.now() - this.lastErrorLogAt < 10_000) return;
    this.lastErrorLogAt = this.now();
    this.options.logger.warn({ err: (error as Error).message, questionId }, "presence: Redis unavailable, counting this instance only");
  }
}
