import { describe, expect, it } from "vitest";
import { getDb } from "~/db.server";
import { seedDatabase } from "../../prisma/seeding";
import { getPublishedArticle, listPublishedArticles } from "./article.server";
import { deleteAccount } from "./user.server";

const SLUG = "open-vs-closed-ai-2026";

describe("article author names", () => {
  it("shows the author's name until the account is deleted, then [deleted]", async () => {
    await seedDatabase(getDb());
    const before = await getPublishedArticle(SLUG);
    expect(before?.authorName).not.toBe("[deleted]");
    expect(before?.authorName.length).toBeGreaterThan(0);

    const article = await getDb().article.findUniqueOrThrow({ where: { slug: SLUG } });
    await deleteAccount(article.authorId);

    expect((await getPublishedArticle(SLUG))?.authorName).toBe("[deleted]");
    expect((await listPublishedArticles()).find((item) => item.slug === SLUG)?.authorName).toBe("[deleted]");
  });
});
