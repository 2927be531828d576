import { SOCKET_EVENT_BURST, SOCKET_EVENTS_PER_SECOND } from "~/realtime/contract";

/**
 * A connection's allowance of events: a token bucket refilled lazily when an event arrives, so an
 * idle socket costs two numbers and no timer. Refused events still cost a token (the bucket goes
 * into debt), so a client that keeps sending while refused digs deeper until it is disconnected,
 * while one that backs off is paid up again within seconds.
 */
export interface EventBudget {
  tokens: number;
  /** When the bucket was last refilled, in `now()` milliseconds. */
  at: number;
}

export interface EventLimits {
  perSecond: number;
  burst: number;
  /** Debt, in refused events not yet paid back, at which the connection is dropped. */
  disconnectAtDebt: number;
}

export const DEFAULT_EVENT_LIMITS: EventLimits = {
  perSecond: SOCKET_EVENTS_PER_SECOND,
  burst: SOCKET_EVENT_BURST,
  // 10 s of the allowed rate sent on top of it: no page does that, a script in a loop does it in
  // milliseconds.
  disconnectAtDebt: 10 * SOCKET_EVENTS_PER_SECOND,
};

export type BudgetVerdict = "allowed" | "refused" | "disconnect";

export function newEventBudget(limits: EventLimits, now: number): EventBudget {
  return { tokens: limits.burst, at: now };
}

/** Charges one event to `budget` (mutated in place) and says what to do with it. */
export function chargeEvent(budget: EventBudget, limits: EventLimits, now: number): BudgetVerdict {
  const elapsedMs = Math.max(0, now - budget.at);
  budget.tokens = Math.min(limits.burst, budget.tokens + (elapsedMs * limits.perSecond) / 1000);
  budget.at = now;
  budget.tokens -= 1;
  if (budget.tokens >= 0) return "allowed";
  return -budget.tokens >= limits.disconnectAtDebt ? "disconnect" : "refused";
}
