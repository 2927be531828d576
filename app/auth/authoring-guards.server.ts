import { getArticleForEditing, getQuestionForEditing, type EditableArticle, type EditableQuestion } from "~/models/authoring.server";
import type { SessionUser } from "~/models/session.server";
import { canEditArticle } from "./permissions";

/**
 * The second guard of every author page, after requireRole: the article (or the question's
 * article) must exist (404) and be this user's to edit (403). Both answers carry a sentence the
 * error page shows.
 */

const notFound = (what: string) => new Response(`There is no ${what} at this address.`, { status: 404, statusText: "Not Found" });
const forbidden = () =>
  new Response("Only the article’s author or an admin can change this article and its questions.", { status: 403, statusText: "Forbidden" });

export async function requireEditableArticle(user: SessionUser, articleId: string | undefined): Promise<EditableArticle> {
  const article = articleId ? await getArticleForEditing(articleId) : null;
  if (!article) throw notFound("article");
  if (!canEditArticle(user, article)) throw forbidden();
  return article;
}

export async function requireEditableQuestion(user: SessionUser, questionId: string | undefined): Promise<EditableQuestion> {
  const question = questionId ? await getQuestionForEditing(questionId) : null;
  if (!question) throw notFound("question");
  if (!canEditArticle(user, question.article)) throw forbidden();
  return question;
}
