import { randomBytes } from "node:crypto";
import type { Db } from "~/db.server";

/**
 * An article (published unless told otherwise) by a fresh author with one scenario question, its
 * scenarios in order, for model tests on a shared database: every call makes its own rows.
 */
export async function makeScenarioQuestion(
  db: Db,
  options: { scenarios?: number; status?: string; closesAt?: Date; revealCrowd?: "always" | "after_forecast"; published?: boolean } = {},
) {
  const tag = randomBytes(5).toString("hex");
  const author = await db.user.create({ data: { username: `author_${tag}`, email: `author_${tag}@example.com`, passwordHash: "x", role: "author" } });
  const article = await db.article.create({
    data: { slug: `a-${tag}`, title: "T", dek: "D", summary: "S", body: "B", authorId: author.id, publishedAt: options.published === false ? null : new Date() },
  });
  const count = options.scenarios ?? 3;
  const question = await db.question.create({
    data: {
      articleId: article.id,
      position: 0,
      kind: "scenarios",
      title: `Q ${tag}`,
      description: "D",
      status: options.status ?? "open",
      closesAt: options.closesAt,
      revealCrowd: options.revealCrowd ?? "always",
      scenarios: {
        create: Array.from({ length: count }, (_, position) => ({ position, title: `S${position}`, summary: "", whatHappens: "", catalysts: "", timeline: "", thesis: "" })),
      },
    },
    include: { scenarios: { orderBy: { position: "asc" } } },
  });
  return { question, author };
}
