-- DropIndex
DROP INDEX "chat_messages_sessionId_authorId_clientMsgId_key";

-- DropIndex
DROP INDEX "chat_messages_authorId_idx";

-- CreateIndex
CREATE UNIQUE INDEX "chat_messages_authorId_sessionId_clientMsgId_key" ON "chat_messages"("authorId", "sessionId", "clientMsgId");

