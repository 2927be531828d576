import { describe, expect, it } from "vitest";
import { chargeEvent, newEventBudget, type EventLimits } from "./realtime-limits";

const limits: EventLimits = { perSecond: 20, burst: 40, disconnectAtDebt: 200 };

function send(count: number, budget: ReturnType<typeof newEventBudget>, at: number) {
  const verdicts = { allowed: 0, refused: 0, disconnect: 0 };
  for (let i = 0; i < count; i++) verdicts[chargeEvent(budget, limits, at)]++;
  return verdicts;
}

describe("event budget", () => {
  it("allows a burst, then refuses", () => {
    const budget = newEventBudget(limits, 0);
    expect(send(45, budget, 0)).toEqual({ allowed: 40, refused: 5, disconnect: 0 });
  });

  it("refills at the allowed rate, never above the burst", () => {
    const budget = newEventBudget(limits, 0);
    send(40, budget, 0);
    expect(send(10, budget, 500)).toEqual({ allowed: 10, refused: 0, disconnect: 0 });
    expect(send(1, budget, 500)).toEqual({ allowed: 0, refused: 1, disconnect: 0 });
    expect(send(41, budget, 60_000)).toEqual({ allowed: 40, refused: 1, disconnect: 0 });
  });

  it("keeps a steady 20 events a second allowed for good", () => {
    const budget = newEventBudget(limits, 0);
    let refused = 0;
    for (let ms = 0; ms < 60_000; ms += 50) refused += send(1, budget, ms).refused;
    expect(refused).toBe(0);
  });

  it("disconnects a connection that keeps sending while refused", () => {
    const budget = newEventBudget(limits, 0);
    const verdicts = send(10_000, budget, 0);
    expect(verdicts.allowed).toBe(40);
    expect(verdicts.refused).toBe(199);
    expect(verdicts.disconnect).toBeGreaterThan(0);
  });

  it("forgives a client that backs off after being refused", () => {
    const budget = newEventBudget(limits, 0);
    send(100, budget, 0);
    // 60 events of debt take 3 s to pay back at 20 a second; the next token 50 ms later.
    expect(send(1, budget, 3_000)).toEqual({ allowed: 0, refused: 1, disconnect: 0 });
    expect(send(1, budget, 3_150)).toEqual({ allowed: 1, refused: 0, disconnect: 0 });
  });

  it("ignores a clock that steps back", () => {
    const budget = newEventBudget(limits, 1_000);
    send(40, budget, 1_000);
    expect(send(1, budget, 0)).toEqual({ allowed: 0, refused: 1, disconnect: 0 });
  });
});
