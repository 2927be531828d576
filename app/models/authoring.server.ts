import type { Role } from "~/auth/account-forms";
import { getDb } from "~/db.server";
import type { ArticleFormValue, QuestionSettingsValue, ScenarioTextsValue } from "~/domain/authoring-forms";
import { AUTHORING_LIMITS, BINARY_SCENARIO_TITLES } from "~/domain/authoring-forms";
import type { QuestionKind } from "~/domain/forecast";
import { parseProbabilityVector } from "~/domain/probability-vector";
import { authorNameOf } from "./article.server";

/**
 * What authors write (articles, questions, scenarios) and the reads their pages need. Who may call
 * these is decided by the routes (canEditArticle); these functions only keep the data whole.
 */

export type AuthoringConflict = "slug_taken" | "slug_locked" | "scenarios_frozen" | "scenarios_changed" | "scenario_limit" | "binary_scenarios";

const CONFLICT_MESSAGES: Record<AuthoringConflict, string> = {
  slug_taken: "That slug is taken",
  slug_locked: "The slug cannot change once the article is published: readers’ links point at it",
  scenarios_frozen:
    "Scenarios cannot be added once readers have forecast: every stored forecast holds one probability per existing scenario",
  scenarios_changed: "The scenarios changed while you were editing; reload the page and try again",
  scenario_limit: `A question has at most ${AUTHORING_LIMITS.maxScenarios} scenarios`,
  binary_scenarios: "A binary question always has exactly the two scenarios Yes and No",
};

/** A write refused because of the data as it stands, not the form: the routes answer 409. */
export class AuthoringConflictError extends Error {
  constructor(readonly reason: AuthoringConflict) {
    super(CONFLICT_MESSAGES[reason]);
  }
}

const isUniqueViolation = (error: unknown) => error instanceof Error && (error as { code?: string }).code === "P2002";

const authorSelect = { select: { username: true, displayName: true, deletedAt: true } } as const;

export interface AuthorArticleListItem {
  id: string;
  slug: string;
  title: string;
  publishedAt: Date | null;
  updatedAt: Date;
  authorName: string;
  questionCount: number;
}

/** An author's own articles; an admin's list holds everyone's. Most recently edited first. */
export async function listArticlesForAuthor(viewer: { id: string; role: Role }): Promise<AuthorArticleListItem[]> {
  const articles = await getDb().article.findMany({
    where: viewer.role === "admin" ? {} : { authorId: viewer.id },
    orderBy: [{ updatedAt: "desc" }, { id: "asc" }],
    select: {
      id: true,
      slug: true,
      title: true,
      publishedAt: true,
      updatedAt: true,
      author: authorSelect,
      _count: { select: { questions: true } },
    },
  });
  return articles.map(({ author, _count, ...article }) => ({ ...article, authorName: authorNameOf(author), questionCount: _count.questions }));
}

export interface EditableArticleQuestion {
  id: string;
  position: number;
  kind: QuestionKind;
  title: string;
  status: "open" | "closed";
  scenarioCount: number;
  forecastCount: number;
}

export interface EditableArticle {
  id: string;
  slug: string;
  title: string;
  dek: string;
  summary: string;
  body: string;
  authorId: string;
  authorName: string;
  publishedAt: Date | null;
  questions: EditableArticleQuestion[];
}

const kindOf = (kind: string): QuestionKind => (kind === "binary" ? "binary" : "scenarios");
const statusOf = (status: string): "open" | "closed" => (status === "closed" ? "closed" : "open");
const revealOf = (reveal: string): "always" | "after_forecast" => (reveal === "after_forecast" ? "after_forecast" : "always");

/** The article with everything its edit page shows, drafts included. */
export async function getArticleForEditing(articleId: string): Promise<EditableArticle | null> {
  const article = await getDb().article.findUnique({
    where: { id: articleId },
    select: {
      id: true,
      slug: true,
      title: true,
      dek: true,
      summary: true,
      body: true,
      authorId: true,
      publishedAt: true,
      author: authorSelect,
      questions: {
        orderBy: { position: "asc" },
        select: { id: true, position: true, kind: true, title: true, status: true, _count: { select: { scenarios: true, forecasts: true } } },
      },
    },
  });
  if (!article) return null;
  const { author, questions, ...fields } = article;
  return {
    ...fields,
    authorName: authorNameOf(author),
    questions: questions.map(({ _count, kind, status, ...question }) => ({
      ...question,
      kind: kindOf(kind),
      status: statusOf(status),
      scenarioCount: _count.scenarios,
      forecastCount: _count.forecasts,
    })),
  };
}

/** Creates a draft (never published). Throws AuthoringConflictError("slug_taken") when the slug is in use. */
export async function createArticle(input: ArticleFormValue & { authorId: string }): Promise<{ id: string; slug: string }> {
  try {
    return await getDb().article.create({ data: { ...input, publishedAt: null }, select: { id: true, slug: true } });
  } catch (error) {
    // The slug is the article's only unique field besides the generated id.
    if (isUniqueViolation(error)) throw new AuthoringConflictError("slug_taken");
    throw error;
  }
}

/**
 * Saves the article's texts. The slug may change only while the article is a draft
 * (docs/decisions/007-authoring-rules.md). Returns false when the article does not exist.
 */
export async function updateArticle(articleId: string, fields: ArticleFormValue): Promise<boolean> {
  try {
    return await getDb().$transaction(async (tx) => {
      const current = await tx.article.findUnique({ where: { id: articleId }, select: { slug: true, publishedAt: true } });
      if (!current) return false;
      if (current.publishedAt && current.slug !== fields.slug) throw new AuthoringConflictError("slug_locked");
      await tx.article.update({ where: { id: articleId }, data: fields });
      return true;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AuthoringConflictError("slug_taken");
    throw error;
  }
}

/**
 * Publishes (publishedAt = at) or unpublishes (null). Publishing an article that is already
 * public keeps its first date, so a double-clicked button does not move it down the front page.
 * Returns the publication date now in force, or undefined when the article does not exist.
 */
export async function setArticlePublished(articleId: string, published: boolean, at = new Date()): Promise<Date | null | undefined> {
  return getDb().$transaction(async (tx) => {
    if (published) await tx.article.updateMany({ where: { id: articleId, publishedAt: null }, data: { publishedAt: at } });
    else await tx.article.updateMany({ where: { id: articleId }, data: { publishedAt: null } });
    const article = await tx.article.findUnique({ where: { id: articleId }, select: { publishedAt: true } });
    return article ? article.publishedAt : undefined;
  });
}

const emptyScenarioTexts = { summary: "", whatHappens: "", catalysts: "", timeline: "", thesis: "" };

// Two authors adding questions at once both compute the same next position; the unique index
// (articleId, position) refuses the second, which simply tries again with the next one.
const POSITION_ATTEMPTS = 3;

/**
 * Adds a question at the end of the article with its scenarios at positions 0..K-1 (binary: Yes,
 * No), all in one transaction. Returns null when the article does not exist.
 */
export async function createQuestion(input: {
  articleId: string;
  kind: QuestionKind;
  scenarioTitles: readonly string[];
  settings: QuestionSettingsValue;
}): Promise<{ id: string } | null> {
  const titles = input.kind === "binary" ? BINARY_SCENARIO_TITLES : input.scenarioTitles;
  if (titles.length < AUTHORING_LIMITS.minScenarios || titles.length > AUTHORING_LIMITS.maxScenarios) {
    throw new RangeError(`A question needs ${AUTHORING_LIMITS.minScenarios} to ${AUTHORING_LIMITS.maxScenarios} scenarios`);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await getDb().$transaction(async (tx) => {
        const article = await tx.article.findUnique({ where: { id: input.articleId }, select: { id: true } });
        if (!article) return null;
        const last = await tx.question.aggregate({ where: { articleId: input.articleId }, _max: { position: true } });
        return tx.question.create({
          data: {
            articleId: input.articleId,
            position: (last._max.position ?? -1) + 1,
            kind: input.kind,
            ...input.settings,
            scenarios: { create: titles.map((title, position) => ({ position, title, ...emptyScenarioTexts })) },
          },
          select: { id: true },
        });
      });
    } catch (error) {
      if (!isUniqueViolation(error) || attempt >= POSITION_ATTEMPTS) throw error;
    }
  }
}

export interface EditableScenario {
  id: string;
  position: number;
  title: string;
  summary: string;
  /** One item per line, as the form edits it. */
  whatHappens: string;
  catalysts: string;
  timeline: string;
  thesis: string;
}

export interface EditableQuestion {
  id: string;
  kind: QuestionKind;
  title: string;
  description: string;
  revealCrowd: "always" | "after_forecast";
  status: "open" | "closed";
  closesAt: Date | null;
  article: { id: string; title: string; slug: string; authorId: string; publishedAt: Date | null };
  scenarios: EditableScenario[];
  forecastCount: number;
  /** The newest baseline revision's vector, or null before the first one. */
  currentBaseline: number[] | null;
}

export async function getQuestionForEditing(questionId: string): Promise<EditableQuestion | null> {
  const question = await getDb().question.findUnique({
    where: { id: questionId },
    select: {
      id: true,
      kind: true,
      title: true,
      description: true,
      revealCrowd: true,
      status: true,
      closesAt: true,
      article: { select: { id: true, title: true, slug: true, authorId: true, publishedAt: true } },
      scenarios: {
        orderBy: { position: "asc" },
        select: { id: true, position: true, title: true, summary: true, whatHappens: true, catalysts: true, timeline: true, thesis: true },
      },
      baselineRevisions: { orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 1, select: { probabilities: true } },
      _count: { select: { forecasts: true } },
    },
  });
  if (!question) return null;
  const { baselineRevisions, _count, kind, status, revealCrowd, ...fields } = question;
  const latest = baselineRevisions[0];
  return {
    ...fields,
    kind: kindOf(kind),
    status: statusOf(status),
    revealCrowd: revealOf(revealCrowd),
    forecastCount: _count.forecasts,
    currentBaseline: latest ? parseProbabilityVector(latest.probabilities) : null,
  };
}

/** Returns false when the question does not exist. */
export async function updateQuestionSettings(questionId: string, settings: QuestionSettingsValue): Promise<boolean> {
  const { count } = await getDb().question.updateMany({ where: { id: questionId }, data: settings });
  return count === 1;
}

/** Opens or closes the question for forecasting. Returns false when it does not exist. */
export async function setQuestionStatus(questionId: string, status: "open" | "closed"): Promise<boolean> {
  const { count } = await getDb().question.updateMany({ where: { id: questionId }, data: { status } });
  return count === 1;
}

/**
 * Saves every scenario's texts. The form must list exactly the question's scenarios in position
 * order: anything else means it was loaded before a scenario was added, and saving it would
 * put texts on the wrong scenario.
 */
export async function updateScenarioTexts(questionId: string, scenarios: readonly ScenarioTextsValue[]): Promise<void> {
  await getDb().$transaction(async (tx) => {
    const current = await tx.scenario.findMany({ where: { questionId }, orderBy: { position: "asc" }, select: { id: true } });
    const same = current.length === scenarios.length && current.every((scenario, index) => scenario.id === scenarios[index]!.id);
    if (!same) throw new AuthoringConflictError("scenarios_changed");
    for (const { id, ...texts } of scenarios) {
      await tx.scenario.update({ where: { id }, data: texts });
    }
  });
}

/**
 * Appends a scenario, only while nobody has forecast the question: stored vectors are in
 * scenario order and would silently lack the new one (docs/decisions/002). Returns null when the
 * question does not exist.
 */
export async function addScenario(questionId: string, texts: { title: string; summary: string }): Promise<{ id: string } | null> {
  return getDb().$transaction(async (tx) => {
    // A no-op write first takes the question's row lock (PostgreSQL; SQLite locks the whole
    // database), so a forecast committed before it is counted below.
    const locked = await tx.question.updateMany({ where: { id: questionId }, data: { position: { increment: 0 } } });
    if (locked.count === 0) return null;
    const question = await tx.question.findUniqueOrThrow({
      where: { id: questionId },
      select: { kind: true, _count: { select: { scenarios: true, forecasts: true } } },
    });
    if (question.kind === "binary") throw new AuthoringConflictError("binary_scenarios");
    if (question._count.forecasts > 0) throw new AuthoringConflictError("scenarios_frozen");
    if (question._count.scenarios >= AUTHORING_LIMITS.maxScenarios) throw new AuthoringConflictError("scenario_limit");
    const last = await tx.scenario.aggregate({ where: { questionId }, _max: { position: true } });
    return tx.scenario.create({
      data: { questionId, position: (last._max.position ?? -1) + 1, ...emptyScenarioTexts, ...texts },
      select: { id: true },
    });
  });
}
