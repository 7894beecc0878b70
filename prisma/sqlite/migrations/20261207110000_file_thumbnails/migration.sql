-- AlterTable
ALTER TABLE "post_files" ADD COLUMN "thumbnailKey" TEXT;

-- AlterTable
ALTER TABLE "comment_files" ADD COLUMN "thumbnailKey" TEXT;
