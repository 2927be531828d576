import { data, type ActionFunctionArgs } from "@remix-run/node";
import type { ZodError, ZodTypeAny, z } from "zod";
import { requireUser } from "~/auth/guards.server";
import {
  commentIdSchema,
  creditSchema,
  editCommentSchema,
  hideCommentSchema,
  looksLikeId,
  newCommentSchema,
  reportCommentSchema,
  voteSchema,
  type CommentIntent,
  type CommentView,
} from "~/domain/comment";
import { crowdHiddenReason } from "~/domain/crowd-visibility";
import {
  createComment,
  creditComments,
  deleteComment,
  editComment,
  getCommentView,
  hideComment,
  reportComment,
  voteOnComment,
  type CommentRefusalCode,
} from "~/models/comment.server";
import { hasForecastOn } from "~/models/forecast.server";
import type { SessionUser } from "~/models/session.server";

/**
 * The discussion's actions on the question page. Each answers with the changed comment as this
 * user sees it (the page updates in place, without reloading the question), or with messages and
 * a 4xx; the models store nothing of a refused change. What others see travels over the socket.
 */

export type CommentActionData =
  | {
      ok: true;
      intent: CommentIntent;
      /** The comment as the acting user now sees it (not for votes, reports and credits). */
      comment?: CommentView;
      vote?: { commentId: string; score: number; myVote: -1 | 0 | 1 };
      credited?: string[];
      message?: string;
    }
  | { ok: false; intent: CommentIntent; commentId?: string; errors: Record<string, string[]> };

const STATUS_OF_REFUSAL: Record<CommentRefusalCode, number> = {
  question_not_found: 404,
  comment_not_found: 404,
  parent_elsewhere: 422,
  parent_unavailable: 409,
  scenario_elsewhere: 422,
  not_yours: 403,
  own_comment: 403,
  not_allowed: 403,
  unavailable: 409,
  already_reported: 409,
  forecast_not_eligible: 422,
};

function messagesByField(error: ZodError): Record<string, string[]> {
  const messages: Record<string, string[]> = {};
  for (const issue of error.issues) (messages[issue.path.join(".") || ""] ??= []).push(issue.message);
  return messages;
}

type Reply = ReturnType<typeof data<CommentActionData>>;

const refusal = (intent: CommentIntent, message: string, status: number, commentId?: string, headers?: HeadersInit): Reply =>
  data({ ok: false, intent, commentId, errors: { "": [message] } }, { status, headers });

async function viewFor(user: SessionUser, commentId: string, question: { id: string; revealCrowd: "always" | "after_forecast" }) {
  const hidden = crowdHiddenReason({
    revealCrowd: question.revealCrowd,
    viewer: { hideCrowdUntilForecast: user.hideCrowdUntilForecast, hasForecast: await hasForecastOn(question.id, user.id) },
  });
  return getCommentView(commentId, { viewer: user, showForecasts: hidden === null });
}

export async function handleCommentAction({ request, params, context }: ActionFunctionArgs, formData: FormData, intent: CommentIntent): Promise<Reply> {
  const user = requireUser(request, context);
  const fields = Object.fromEntries(formData);
  const parse = <S extends ZodTypeAny>(schema: S): { ok: true; value: z.output<S> } | { ok: false; reply: Reply } => {
    const parsed = schema.safeParse(intent === "credit-comments" ? { ...fields, commentIds: formData.getAll("commentIds") } : fields);
    if (parsed.success) return { ok: true, value: parsed.data };
    // Tells the page which comment's form to show the messages under; anything that is not an id
    // (a megabyte of it, say) is not echoed.
    const commentId = looksLikeId(fields.commentId) ? fields.commentId : looksLikeId(fields.parentId) ? fields.parentId : undefined;
    return { ok: false, reply: data({ ok: false, intent, commentId, errors: messagesByField(parsed.error) }, { status: 422 }) };
  };
  const questionId = params.id ?? "";

  /** Tells everyone on the question, then answers the acting user with their own view of it. */
  const published = async (outcome: { id: string; question: { id: string; revealCrowd: "always" | "after_forecast" } }, status = 200) => {
    const [publicView, ownView] = await Promise.all([getCommentView(outcome.id, { viewer: null, showForecasts: true }), viewFor(user, outcome.id, outcome.question)]);
    if (publicView) context.realtime.publishComment({ questionId: outcome.question.id, comment: publicView });
    return data<CommentActionData>({ ok: true, intent, comment: ownView ?? undefined }, { status });
  };

  switch (intent) {
    case "comment": {
      const parsed = parse(newCommentSchema);
      if (!parsed.ok) return parsed.reply;
      const verdict = await context.commentLimit.consume(user.id);
      if (!verdict.allowed) {
        return refusal(intent, `You have posted as many comments as one may in a minute; try again in ${verdict.retryAfterSeconds} s.`, 429, parsed.value.parentId, {
          "Retry-After": String(verdict.retryAfterSeconds),
        });
      }
      const outcome = await createComment({ ...parsed.value, questionId, userId: user.id });
      if (!outcome.ok) return refusal(intent, outcome.message, STATUS_OF_REFUSAL[outcome.code], parsed.value.parentId);
      return published(outcome.value, 201);
    }
    case "edit-comment": {
      const parsed = parse(editCommentSchema);
      if (!parsed.ok) return parsed.reply;
      const outcome = await editComment({ questionId, commentId: parsed.value.commentId, userId: user.id, body: parsed.value.body });
      if (!outcome.ok) return refusal(intent, outcome.message, STATUS_OF_REFUSAL[outcome.code], parsed.value.commentId);
      return published(outcome.value);
    }
    case "delete-comment": {
      const parsed = parse(commentIdSchema);
      if (!parsed.ok) return parsed.reply;
      const outcome = await deleteComment({ questionId, commentId: parsed.value.commentId, userId: user.id });
      if (!outcome.ok) return refusal(intent, outcome.message, STATUS_OF_REFUSAL[outcome.code], parsed.value.commentId);
      return published(outcome.value);
    }
    case "hide-comment": {
      const parsed = parse(hideCommentSchema);
      if (!parsed.ok) return parsed.reply;
      const outcome = await hideComment({ questionId, commentId: parsed.value.commentId, moderator: user, reason: parsed.value.reason });
      if (!outcome.ok) return refusal(intent, outcome.message, STATUS_OF_REFUSAL[outcome.code], parsed.value.commentId);
      return published(outcome.value);
    }
    case "vote": {
      const parsed = parse(voteSchema);
      if (!parsed.ok) return parsed.reply;
      const outcome = await voteOnComment({ questionId, commentId: parsed.value.commentId, userId: user.id, value: parsed.value.value });
      if (!outcome.ok) return refusal(intent, outcome.message, STATUS_OF_REFUSAL[outcome.code], parsed.value.commentId);
      return data<CommentActionData>({ ok: true, intent, vote: { commentId: parsed.value.commentId, ...outcome.value } });
    }
    case "report-comment": {
      const parsed = parse(reportCommentSchema);
      if (!parsed.ok) return parsed.reply;
      const outcome = await reportComment({ questionId, commentId: parsed.value.commentId, userId: user.id, reason: parsed.value.reason });
      if (!outcome.ok) return refusal(intent, outcome.message, STATUS_OF_REFUSAL[outcome.code], parsed.value.commentId);
      return data<CommentActionData>({ ok: true, intent, message: "Thank you: a moderator will look at this comment." });
    }
    case "credit-comments": {
      const parsed = parse(creditSchema);
      if (!parsed.ok) return parsed.reply;
      const outcome = await creditComments({ questionId, userId: user.id, forecastId: parsed.value.forecastId, commentIds: parsed.value.commentIds });
      if (!outcome.ok) return refusal(intent, outcome.message, STATUS_OF_REFUSAL[outcome.code]);
      return data<CommentActionData>({ ok: true, intent, credited: outcome.value.credited });
    }
  }
}
