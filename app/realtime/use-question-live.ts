import { useCallback, useEffect, useReducer, useState } from "react";
import type { Aggregate } from "./contract";
import { watchQuestion } from "./live-socket";
import { initialLiveState, liveReducer, reconcile, type LiveInitial, type LiveStatus } from "./live-state";

export type { LiveInitial, LiveStatus } from "./live-state";

export interface QuestionLive {
  status: LiveStatus;
  /** The newest version known, from the loader or the socket, whichever is ahead. */
  version: number;
  /** The crowd at `version`; null while there is none, and always null for a hidden crowd. */
  aggregate: Aggregate | null;
  /** Readers with the question open; null until the server says, or while disconnected. */
  presence: number | null;
  /** Saves and withdrawals by others since markSeen() (or since the page loaded). */
  newChanges: number;
  markSeen: () => void;
}

export interface QuestionLiveOptions {
  /**
   * The page was rendered with the crowd hidden from this reader: whatever arrives is not shown.
   * The server should send nothing then, but a screen must not depend on that alone.
   */
  hidden?: boolean;
}

/**
 * Keeps one question's crowd current while a component shows it. `initial` is what the loader
 * rendered; when the loader runs again (after the reader's own save) the higher version wins, so
 * the figures never step back. On the server and before hydration it simply returns `initial`.
 */
export function useQuestionLive(questionId: string, initial: LiveInitial, options: QuestionLiveOptions = {}): QuestionLive {
  const [state, dispatch] = useReducer(liveReducer, initial, initialLiveState);
  const [shownQuestion, setShownQuestion] = useState(questionId);
  if (shownQuestion !== questionId) {
    // Adjusting state during render (React's recipe for it) rather than in an effect: one frame
    // with the previous question's figures would be a flicker.
    setShownQuestion(questionId);
    dispatch({ type: "reset", initial });
  }

  useEffect(() => watchQuestion(questionId, dispatch), [questionId]);

  const { version, aggregate } = initial;
  useEffect(() => dispatch({ type: "server-state", initial: { version, aggregate } }), [version, aggregate]);

  const markSeen = useCallback(() => dispatch({ type: "seen" }), []);
  // The effect above lands one render late; reconciling here keeps that render from showing older figures.
  const current = reconcile(state, initial);
  const hidden = options.hidden ?? false;
  return {
    status: current.status,
    version: current.version,
    aggregate: hidden ? null : current.aggregate,
    presence: current.presence,
    newChanges: hidden ? 0 : current.newChanges,
    markSeen,
  };
}
