import { useEffect, useState } from "react";
import type { LiveStatus, QuestionLive } from "~/realtime/use-question-live";

/**
 * The small print of a live question: whether its figures are following the crowd right now, how
 * many people have it open, how many forecasts came in since the reader looked, and a brief
 * highlight on a figure that just changed. Each piece keeps its space while empty, so nothing
 * around it moves when it appears.
 */

const STATUS: Record<Exclude<LiveStatus, "connecting">, { label: string; dot: string; title: string }> = {
  live: { label: "Live", dot: "bg-emerald-500", title: "The figures update as forecasts arrive." },
  reconnecting: { label: "Reconnecting…", dot: "bg-amber-500", title: "The connection dropped; the figures catch up once it is back." },
  offline: { label: "Offline", dot: "bg-stone-400 dark:bg-stone-500", title: "Not connected: the figures are as of the page load." },
};

/**
 * "Live" / "Reconnecting…" / "Offline" with a dot. Empty while connecting (and without
 * JavaScript, where nothing is live), but present: a status region announces only changes to
 * content it already had in the page. `compact` keeps the dot and leaves the word to screen readers.
 */
export function LiveIndicator({ status, compact = false }: { status: LiveStatus; compact?: boolean }) {
  const shown = status === "connecting" ? null : STATUS[status];
  return (
    <span
      role="status"
      aria-live="polite"
      data-testid="live-indicator"
      data-status={status}
      title={shown?.title}
      className="inline-flex min-h-5 items-center gap-1.5 whitespace-nowrap text-xs font-medium text-stone-500 dark:text-stone-400"
    >
      {shown && (
        <>
          <span aria-hidden="true" className={`h-2 w-2 shrink-0 rounded-full ${shown.dot}`} />
          <span className={compact ? "sr-only" : undefined}>{shown.label}</span>
        </>
      )}
    </span>
  );
}

export const readingNowText = (count: number) => `${count.toLocaleString("en")} ${count === 1 ? "person" : "people"} reading now`;

/** Outside the status region on purpose: a count that moves with every arrival would be read out each time. */
export function ReadingNow({ count }: { count: number | null }) {
  return (
    <span data-testid="presence" className="text-xs text-stone-500 dark:text-stone-400">
      {count !== null && count > 0 ? readingNowText(count) : null}
    </span>
  );
}

/**
 * One question's line above its panel: forecasts new since the reader looked on the left, readers
 * and the connection's status on the right. Its height is there from the server render on, so
 * nothing below moves when any of it appears.
 */
export function LiveBar({ live }: { live: Pick<QuestionLive, "status" | "presence" | "newChanges" | "markSeen"> }) {
  return (
    <div className="mb-2 flex min-h-5 items-center justify-between gap-x-3" data-testid="live-bar">
      <NewForecastsNote count={live.newChanges} onSeen={live.markSeen} />
      <span className="flex shrink-0 items-center gap-3">
        <ReadingNow count={live.status === "live" ? live.presence : null} />
        <LiveIndicator status={live.status} />
      </span>
    </div>
  );
}

const NOTE_VISIBLE_MS = 6_000;

/**
 * "3 new forecasts", shown while `count` > 0 and faded out after a few seconds (`onSeen` sets the
 * count back to 0). The last words stay in place while they fade.
 */
export function NewForecastsNote({ count, onSeen }: { count: number; onSeen: () => void }) {
  const text = `${count.toLocaleString("en")} new ${count === 1 ? "forecast" : "forecasts"}`;
  const [lastText, setLastText] = useState("");
  if (count > 0 && lastText !== text) setLastText(text);

  useEffect(() => {
    if (count === 0) return;
    const timer = setTimeout(onSeen, NOTE_VISIBLE_MS);
    return () => clearTimeout(timer);
  }, [count, onSeen]);

  return (
    <span
      data-testid="new-forecasts"
      aria-hidden={count === 0 ? true : undefined}
      className={`min-w-0 truncate text-xs font-medium text-accent-700 dark:text-accent-300 motion-safe:transition-opacity motion-safe:duration-700 ${count > 0 ? "opacity-100" : "opacity-0"}`}
    >
      {lastText}
    </span>
  );
}

const HIGHLIGHT_MS = 1_500;

/**
 * True for a moment after `value` changes (never on the first render). Pair it with
 * `highlightClass`, whose colours only apply to readers who do not ask for reduced motion.
 */
export function useChangeHighlight(value: string): boolean {
  const [previous, setPrevious] = useState(value);
  const [highlighted, setHighlighted] = useState(false);
  if (previous !== value) {
    setPrevious(value);
    setHighlighted(true);
  }
  useEffect(() => {
    if (!highlighted) return;
    const timer = setTimeout(() => setHighlighted(false), HIGHLIGHT_MS);
    return () => clearTimeout(timer);
  }, [highlighted, value]);
  return highlighted;
}

/** Quick to light up, slow to fade; nothing at all under prefers-reduced-motion. */
export const highlightClass = (highlighted: boolean) =>
  highlighted
    ? "motion-safe:bg-amber-100 motion-safe:transition-colors motion-safe:duration-150 dark:motion-safe:bg-amber-900/40"
    : "motion-safe:transition-colors motion-safe:duration-1000";
