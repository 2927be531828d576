-- AlterTable
ALTER TABLE "Question" ADD COLUMN     "aggregateVersion" INTEGER NOT NULL DEFAULT 0;
