import { ROLES, type Role } from "~/auth/account-forms";
import { getDb, type Db } from "~/db.server";
import { parseProbabilityVector } from "~/domain/probability-vector";
import { commentPlainText } from "~/domain/comment-markdown";
import { listCommentsByUser, type ProfileComment } from "./comment.server";

/**
 * A user's public profile (/u/:username): who they are, where they stand now and what they
 * said. Only what any visitor may see, so the page can be shared-cached for anonymous readers.
 *
 * Forecasts on questions that hide the crowd until one has forecast (revealCrowd
 * "after_forecast", decision 010) are left out: a list of individual forecasts would tell a
 * reader what the hidden crowd thinks. They are only counted, so the page can say so.
 */

/** The newest this many current forecasts are listed; the page says how many there are in all. */
export const PROFILE_FORECAST_LIMIT = 50;
const PROFILE_EXCERPT_LENGTH = 280;

/** The newest this many shown comments are listed. */
export const PROFILE_COMMENT_LIMIT = 50;

export interface ProfileForecast {
  id: string;
  question: { id: string; title: string; kind: "scenarios" | "binary" };
  /** The question's scenario titles in position order ("Yes", "No" for a binary question). */
  scenarios: string[];
  /** In the same order as `scenarios`. */
  probabilities: number[];
  createdAt: Date;
}

export interface PublicProfile {
  username: string;
  displayName: string | null;
  joinedAt: Date;
  role: Role;
  /** Current forecasts on questions of published articles whose crowd is always shown, newest first. */
  forecasts: ProfileForecast[];
  /** All such forecasts, of which `forecasts` holds at most PROFILE_FORECAST_LIMIT. */
  forecastCount: number;
  /** Current forecasts left out because their question hides the crowd until one has forecast. */
  hiddenForecastCount: number;
  comments: (ProfileComment & { excerpt: string })[];
}

const roleOf = (raw: string): Role => ROLES.find((role) => role === raw) ?? "reader";

/** The profile of `username` (matched case-insensitively: usernames are stored lowercased), or null for unknown and deleted accounts. */
export async function getPublicProfile(username: string, db: Db = getDb()): Promise<PublicProfile | null> {
  const user = await db.user.findUnique({
    where: { username: username.toLowerCase() },
    select: { id: true, username: true, displayName: true, role: true, createdAt: true, deletedAt: true },
  });
  if (!user || user.deletedAt) return null;

  const current = { userId: user.id, supersededAt: null, withdrawnAt: null };
  const published = { article: { publishedAt: { not: null } } };
  const shownWhere = { ...current, question: { ...published, revealCrowd: { not: "after_forecast" } } };
  const [rows, forecastCount, hiddenForecastCount, comments] = await Promise.all([
    db.forecast.findMany({
      where: shownWhere,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: PROFILE_FORECAST_LIMIT,
      select: {
        id: true,
        probabilities: true,
        createdAt: true,
        question: { select: { id: true, title: true, kind: true, scenarios: { orderBy: { position: "asc" }, select: { title: true } } } },
      },
    }),
    db.forecast.count({ where: shownWhere }),
    db.forecast.count({ where: { ...current, question: { ...published, revealCrowd: "after_forecast" } } }),
    listCommentsByUser(user.id, PROFILE_COMMENT_LIMIT, db),
  ]);

  return {
    username: user.username,
    displayName: user.displayName,
    joinedAt: user.createdAt,
    role: roleOf(user.role),
    forecasts: rows.map((row) => ({
      id: row.id,
      question: { id: row.question.id, title: row.question.title, kind: row.question.kind === "binary" ? "binary" : "scenarios" },
      scenarios: row.question.scenarios.map((scenario) => scenario.title),
      probabilities: parseProbabilityVector(row.probabilities),
      createdAt: row.createdAt,
    })),
    forecastCount,
    hiddenForecastCount,
    // Only the excerpt leaves the server: plain text, shown as text. Made here rather than in the
    // route so that the markdown renderer stays out of the profile page's browser bundle.
    comments: comments.map((comment) => ({ ...comment, excerpt: commentPlainText(comment.body, PROFILE_EXCERPT_LENGTH) })),
  };
}
