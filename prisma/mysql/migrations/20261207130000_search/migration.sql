-- Written by hand (MySQL migrations cannot be generated offline): full-text search over post titles, post
-- bodies and comments (docs/decisions/0008-search.md). InnoDB's FULLTEXT parser does not split a run of Hangul
-- and MariaDB has no n-gram parser, so each row's text is indexed as its bigrams, written as hex words
-- (src/search/grams.ts), in a shadow table with a FULLTEXT index. The posts and comments services write the
-- tokens in the same transaction as the text; rows that exist before this migration are indexed by the api at
-- start (SearchIndexer.repairMissing). These tables are not in the Prisma models; the drift checks ignore them
-- (scripts/ci.mjs, test/platform/schema.test.ts).

-- CreateTable
CREATE TABLE `posts_fts` (
    `postId` INTEGER NOT NULL,
    `grams` MEDIUMTEXT CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,

    FULLTEXT INDEX `posts_fts_grams_idx`(`grams`),
    PRIMARY KEY (`postId`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `comments_fts` (
    `commentId` INTEGER NOT NULL,
    `grams` MEDIUMTEXT CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,

    FULLTEXT INDEX `comments_fts_grams_idx`(`grams`),
    PRIMARY KEY (`commentId`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `posts_fts` ADD CONSTRAINT `posts_fts_postId_fkey` FOREIGN KEY (`postId`) REFERENCES `posts`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `comments_fts` ADD CONSTRAINT `comments_fts_commentId_fkey` FOREIGN KEY (`commentId`) REFERENCES `comments`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
