-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Question" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "articleId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "revealCrowd" TEXT NOT NULL DEFAULT 'always',
    "aggregationMethod" TEXT NOT NULL DEFAULT 'recency_weighted_median',
    "aggregateVersion" INTEGER NOT NULL DEFAULT 0,
    "closesAt" DATETIME,
    "resolvesAt" DATETIME,
    "resolution" TEXT,
    "resolvedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Question_articleId_fkey" FOREIGN KEY ("articleId") REFERENCES "Article" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Question" ("aggregationMethod", "articleId", "closesAt", "createdAt", "description", "id", "kind", "position", "resolution", "resolvedAt", "resolvesAt", "revealCrowd", "status", "title") SELECT "aggregationMethod", "articleId", "closesAt", "createdAt", "description", "id", "kind", "position", "resolution", "resolvedAt", "resolvesAt", "revealCrowd", "status", "title" FROM "Question";
DROP TABLE "Question";
ALTER TABLE "new_Question" RENAME TO "Question";
CREATE UNIQUE INDEX "Question_articleId_position_key" ON "Question"("articleId", "position");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
