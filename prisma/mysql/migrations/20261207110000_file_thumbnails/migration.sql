-- Written by hand (MySQL migrations cannot be generated offline; test/platform/schema.test.ts compares the result
-- with the models).

-- AlterTable
ALTER TABLE `post_files` ADD COLUMN `thumbnailKey` VARCHAR(512) NULL;

-- AlterTable
ALTER TABLE `comment_files` ADD COLUMN `thumbnailKey` VARCHAR(512) NULL;
