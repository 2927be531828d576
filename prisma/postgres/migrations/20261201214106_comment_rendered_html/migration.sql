-- AlterTable
ALTER TABLE "Comment" ADD COLUMN     "bodyHtml" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "renderVersion" INTEGER NOT NULL DEFAULT 0;
