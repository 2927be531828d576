import { parseCommentSort, type CommentSort } from "~/domain/comment";
import { crowdHiddenReason } from "~/domain/crowd-visibility";
import { listCommentPage, listCommentsSince, renderedHtmlOf, type CommentPage, type ViewOptions } from "~/models/comment.server";
import { hasForecastOn } from "~/models/forecast.server";
import { getQuestionForForecasting } from "~/models/question.server";
import type { SessionUser } from "~/models/session.server";

/**
 * The discussion as the question page and the comments API send it: a page of threads with each
 * comment's markdown already rendered (sanitised) for the first paint, so the browser needs the
 * renderer only for comments that arrive later.
 */
export interface DiscussionPage extends CommentPage {
  sort: CommentSort;
  scenarioId: string | null;
}

export interface DiscussionQuery {
  sort: CommentSort;
  scenarioId: string | null;
  after: string | null;
}

export function parseDiscussionQuery(params: URLSearchParams, scenarioIds: readonly string[]): DiscussionQuery {
  const scenario = params.get("scenario");
  return {
    sort: parseCommentSort(params.get("sort")),
    // An unknown scenario (another question's, or a stale link) shows everything rather than nothing.
    scenarioId: scenario && scenarioIds.includes(scenario) ? scenario : null,
    after: params.get("after") || null,
  };
}

/**
 * `shareRows`: the question page's first page, read alike for every reader, comes from rows
 * shared between readers for a moment (listCommentPage); the API's pages read the database.
 */
export async function loadDiscussionPage(questionId: string, query: DiscussionQuery, options: ViewOptions & { shareRows?: boolean }): Promise<DiscussionPage> {
  const page = await listCommentPage({ questionId, ...query, shareRows: options.shareRows }, options);
  return { ...page, sort: query.sort, scenarioId: query.scenarioId };
}

/** Who is looking at a question's discussion, and whether they may see the forecasts in it; null for unknown or draft questions. */
export async function discussionViewerFor(questionId: string, user: SessionUser | null) {
  const question = await getQuestionForForecasting(questionId);
  if (!question || !question.article.published) return null;
  const hidden = crowdHiddenReason({
    revealCrowd: question.revealCrowd,
    viewer: user ? { hideCrowdUntilForecast: user.hideCrowdUntilForecast, hasForecast: await hasForecastOn(questionId, user.id) } : null,
  });
  const options: ViewOptions = { viewer: user, showForecasts: hidden === null };
  return { question, options };
}

export async function loadCommentsSince(questionId: string, sinceId: string | null, options: ViewOptions) {
  const comments = await listCommentsSince({ questionId, sinceId }, options);
  return comments && { comments, html: await renderedHtmlOf(comments) };
}
