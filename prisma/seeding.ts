// Seeds the articles that are missing; safe to run any number of times, also concurrently.
import type { Db } from "../app/db.server";
import { openVsClosedAi2026 } from "./seed-data/open-vs-closed-ai-2026";
import type { SeedArticle, SeedQuestion } from "./seed-data/seed-article";

export const seedArticles: SeedArticle[] = [openVsClosedAi2026];

// Seed authors cannot log in until they set a password through the accounts flow: no argon2 hash
// ever equals this marker.
const NO_PASSWORD = "!";

function baselineOf(question: SeedQuestion): number[] | null {
  if (question.kind === "scenarios") return (question.scenarios ?? []).map((scenario) => scenario.baseline);
  return question.impliedYes == null ? null : [question.impliedYes, 1 - question.impliedYes];
}

function scenariosOf(question: SeedQuestion) {
  if (question.kind === "scenarios") {
    return (question.scenarios ?? []).map((scenario, position) => ({
      position,
      title: scenario.title,
      summary: scenario.summary,
      whatHappens: scenario.whatHappens.join("\n"),
      catalysts: scenario.catalysts.join("\n"),
      timeline: scenario.timeline,
      thesis: scenario.thesis,
    }));
  }
  const empty = { summary: "", whatHappens: "", catalysts: "", timeline: "", thesis: "" };
  return [
    { position: 0, title: "Yes", ...empty },
    { position: 1, title: "No", ...empty },
  ];
}

export async function seedArticle(db: Db, article: SeedArticle): Promise<{ created: boolean }> {
  if (await db.article.findUnique({ where: { slug: article.slug }, select: { id: true } })) {
    return { created: false };
  }
  // One transaction: a crash half-way must not leave an article without its questions. A racing
  // second seeder fails on the unique slug and rolls back whole.
  await db.$transaction(async (tx) => {
    const author = await tx.user.upsert({
      where: { username: article.author.username },
      update: {},
      create: {
        username: article.author.username,
        email: article.author.email,
        displayName: article.author.displayName,
        passwordHash: NO_PASSWORD,
        role: "author",
      },
    });
    const publishedAt = new Date(article.publishedAt);
    const created = await tx.article.create({
      data: {
        slug: article.slug,
        title: article.title,
        dek: article.dek,
        summary: article.summary.join("\n\n"),
        body: article.body.join("\n\n"),
        authorId: author.id,
        publishedAt,
      },
    });
    for (const [position, question] of article.questions.entries()) {
      const baseline = baselineOf(question);
      await tx.question.create({
        data: {
          articleId: created.id,
          position,
          kind: question.kind,
          title: question.title,
          description: question.description,
          closesAt: question.closesAt ? new Date(question.closesAt) : null,
          resolvesAt: question.resolvesAt ? new Date(question.resolvesAt) : null,
          scenarios: { create: scenariosOf(question) },
          baselineRevisions: baseline
            ? {
                create: {
                  authorId: author.id,
                  probabilities: JSON.stringify(baseline),
                  note: question.baselineNote,
                  createdAt: publishedAt,
                },
              }
            : undefined,
        },
      });
    }
  });
  return { created: true };
}

export async function seedDatabase(db: Db): Promise<{ created: boolean }> {
  let created = false;
  for (const article of seedArticles) {
    try {
      created = (await seedArticle(db, article)).created || created;
    } catch (error) {
      // Another process seeded the same article first; its copy is as good as ours.
      if (!(await db.article.findUnique({ where: { slug: article.slug }, select: { id: true } }))) throw error;
    }
  }
  return { created };
}
