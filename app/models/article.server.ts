import { getDb } from "~/db.server";
import { parseProbabilityVector } from "~/domain/probability-vector";

export interface ArticleListItem {
  slug: string;
  title: string;
  dek: string;
  publishedAt: Date | null;
  authorName: string;
  questionCount: number;
}

export async function listPublishedArticles(): Promise<ArticleListItem[]> {
  const articles = await getDb().article.findMany({
    where: { publishedAt: { not: null } },
    orderBy: { publishedAt: "desc" },
    select: {
      slug: true,
      title: true,
      dek: true,
      publishedAt: true,
      author: { select: { username: true, displayName: true, deletedAt: true } },
      _count: { select: { questions: true } },
    },
  });
  return articles.map((article) => ({
    slug: article.slug,
    title: article.title,
    dek: article.dek,
    publishedAt: article.publishedAt,
    authorName: authorNameOf(article.author),
    questionCount: article._count.questions,
  }));
}

export interface ArticleScenario {
  id: string;
  title: string;
  summary: string;
  whatHappens: string[];
  catalysts: string[];
  timeline: string;
  thesis: string;
  baseline: number | null;
}

export interface ArticleQuestion {
  id: string;
  kind: "scenarios" | "binary";
  title: string;
  description: string;
  status: string;
  closesAt: Date | null;
  resolvesAt: Date | null;
  scenarios: ArticleScenario[];
  baselineNote: string | null;
  baselineRevisedAt: Date | null;
}

export interface ArticleDetail {
  id: string;
  slug: string;
  title: string;
  dek: string;
  summary: string;
  body: string;
  publishedAt: Date | null;
  authorName: string;
  questions: ArticleQuestion[];
}

const splitLines = (text: string) => text.split("\n").map((line) => line.trim()).filter(Boolean);

export async function getPublishedArticle(slug: string): Promise<ArticleDetail | null> {
  const article = await getDb().article.findFirst({
    where: { slug, publishedAt: { not: null } },
    include: {
      author: { select: { username: true, displayName: true, deletedAt: true } },
      questions: {
        orderBy: { position: "asc" },
        include: {
          scenarios: { orderBy: { position: "asc" } },
          baselineRevisions: { orderBy: { createdAt: "desc" }, take: 1 },
        },
      },
    },
  });
  if (!article) return null;
  return {
    id: article.id,
    slug: article.slug,
    title: article.title,
    dek: article.dek,
    summary: article.summary,
    body: article.body,
    publishedAt: article.publishedAt,
    authorName: authorNameOf(article.author),
    questions: article.questions.map((question) => {
      const latestBaseline = question.baselineRevisions[0];
      const baseline = latestBaseline ? parseProbabilityVector(latestBaseline.probabilities) : null;
      return {
        id: question.id,
        kind: question.kind === "binary" ? "binary" : "scenarios",
        title: question.title,
        description: question.description,
        status: question.status,
        closesAt: question.closesAt,
        resolvesAt: question.resolvesAt,
        baselineNote: latestBaseline?.note ?? null,
        baselineRevisedAt: latestBaseline?.createdAt ?? null,
        scenarios: question.scenarios.map((scenario, index) => ({
          id: scenario.id,
          title: scenario.title,
          summary: scenario.summary,
          whatHappens: splitLines(scenario.whatHappens),
          catalysts: splitLines(scenario.catalysts),
          timeline: scenario.timeline,
          thesis: scenario.thesis,
          baseline: baseline?.[index] ?? null,
        })),
      };
    }),
  };
}

/** A deleted account keeps its row (decision 006) but not its name. */
export function authorNameOf(author: { username: string; displayName: string | null; deletedAt: Date | null }): string {
  if (author.deletedAt) return "[deleted]";
  return author.displayName || author.username;
}
