-- Written by hand: full-text search over post titles, post bodies and comments (docs/decisions/0008-search.md).
-- FTS5 virtual tables and triggers cannot be expressed in the Prisma models; the drift checks ignore these
-- tables (scripts/ci.mjs, test/platform/schema.test.ts). The trigram tokenizer indexes every 3-character
-- substring, so a word inside a longer run of Hangul ("게시판" in "자유게시판에") is found, case-insensitively.
-- External content: the text stays in posts/comments, the index holds only the trigrams; the triggers keep it
-- in step with every insert, edit and delete in the same transaction (hiding is applied when searching).

-- CreateTable
CREATE VIRTUAL TABLE "posts_fts" USING fts5("name", "content", content='posts', content_rowid='id', tokenize='trigram');

-- CreateTable
CREATE VIRTUAL TABLE "comments_fts" USING fts5("content", content='comments', content_rowid='id', tokenize='trigram');

-- CreateTrigger
CREATE TRIGGER "posts_fts_insert" AFTER INSERT ON "posts" BEGIN
  INSERT INTO "posts_fts"(rowid, "name", "content") VALUES (new."id", new."name", new."content");
END;

-- CreateTrigger
CREATE TRIGGER "posts_fts_delete" AFTER DELETE ON "posts" BEGIN
  INSERT INTO "posts_fts"("posts_fts", rowid, "name", "content") VALUES ('delete', old."id", old."name", old."content");
END;

-- CreateTrigger
CREATE TRIGGER "posts_fts_update" AFTER UPDATE OF "name", "content" ON "posts" BEGIN
  INSERT INTO "posts_fts"("posts_fts", rowid, "name", "content") VALUES ('delete', old."id", old."name", old."content");
  INSERT INTO "posts_fts"(rowid, "name", "content") VALUES (new."id", new."name", new."content");
END;

-- CreateTrigger
CREATE TRIGGER "comments_fts_insert" AFTER INSERT ON "comments" BEGIN
  INSERT INTO "comments_fts"(rowid, "content") VALUES (new."id", new."content");
END;

-- CreateTrigger
CREATE TRIGGER "comments_fts_delete" AFTER DELETE ON "comments" BEGIN
  INSERT INTO "comments_fts"("comments_fts", rowid, "content") VALUES ('delete', old."id", old."content");
END;

-- CreateTrigger
CREATE TRIGGER "comments_fts_update" AFTER UPDATE OF "content" ON "comments" BEGIN
  INSERT INTO "comments_fts"("comments_fts", rowid, "content") VALUES ('delete', old."id", old."content");
  INSERT INTO "comments_fts"(rowid, "content") VALUES (new."id", new."content");
END;

-- Index what is already there
INSERT INTO "posts_fts"("posts_fts") VALUES ('rebuild');
INSERT INTO "comments_fts"("comments_fts") VALUES ('rebuild');
