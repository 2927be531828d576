import { CHANGED_MIND_WINDOW_MS, commentsReadWithin } from "~/domain/comment";

/**
 * Which comments this browser has read on a question, and when, for "Did a comment change your
 * mind?". Kept in localStorage (not sent anywhere until the reader credits one), so that a
 * comment read before a reload or in another tab still counts within the window.
 */

const MAX_READINGS = 100;
const keyOf = (questionId: string) => `crowdline:comments-read:${questionId}`;

interface Reading {
  commentId: string;
  at: number;
}

function load(questionId: string): Reading[] {
  try {
    const parsed: unknown = JSON.parse(window.localStorage.getItem(keyOf(questionId)) ?? "[]");
    return Array.isArray(parsed) ? parsed.filter((item): item is Reading => typeof item?.commentId === "string" && typeof item?.at === "number") : [];
  } catch {
    return [];
  }
}

export function recordCommentRead(questionId: string, commentId: string, now: number): void {
  const kept = load(questionId).filter((reading) => reading.commentId !== commentId && now - reading.at <= CHANGED_MIND_WINDOW_MS);
  kept.push({ commentId, at: now });
  try {
    window.localStorage.setItem(keyOf(questionId), JSON.stringify(kept.slice(-MAX_READINGS)));
  } catch {
    // Storage full or refused (private mode): the prompt simply will not offer this comment.
  }
}

/** The comments read on `questionId` within the window before `now`, most recently read first. */
export function commentsReadBefore(questionId: string, now: number): string[] {
  return commentsReadWithin(load(questionId), now);
}
