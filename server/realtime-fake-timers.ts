// A clock for the live layer's unit tests: timers fire only when the test advances it.
import type { Timers } from "./realtime-coalescer";

/** A clock that moves only when the test says so. */
export function fakeTimers() {
  let now = 0;
  let nextId = 0;
  const due = new Map<number, { at: number; callback: () => void }>();
  const timers: Timers = {
    setTimeout(callback, ms) {
      const id = ++nextId;
      due.set(id, { at: now + ms, callback });
      return id;
    },
    clearTimeout: (handle) => void due.delete(handle as number),
  };
  return {
    timers,
    pending: () => due.size,
    /** Runs, in order, every timer due by now + ms. */
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const next = [...due.entries()].filter(([, timer]) => timer.at <= until).sort(([, a], [, b]) => a.at - b.at)[0];
        if (!next) break;
        due.delete(next[0]);
        now = next[1].at;
        next[1].callback();
      }
      now = until;
    },
  };
}
