-- AlterTable
ALTER TABLE "chat_session_members" ADD COLUMN "lastReadMessageId" INTEGER;

-- CreateTable
CREATE TABLE "chat_message_changes" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "sessionId" INTEGER NOT NULL,
    "messageId" INTEGER NOT NULL,
    "createDate" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "chat_message_changes_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "chat_sessions" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "chat_message_changes_sessionId_createDate_idx" ON "chat_message_changes"("sessionId", "createDate");
