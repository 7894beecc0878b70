-- Written by hand (MySQL migrations cannot be generated offline; test/platform/schema.test.ts compares the result
-- with the models). The new unique index comes first: it leads with authorId, so the foreign key on authorId keeps
-- an index while chat_messages_authorId_idx is dropped.

-- CreateIndex
CREATE UNIQUE INDEX `chat_messages_authorId_sessionId_clientMsgId_key` ON `chat_messages`(`authorId`, `sessionId`, `clientMsgId`);

-- DropIndex
DROP INDEX `chat_messages_authorId_idx` ON `chat_messages`;

-- DropIndex
DROP INDEX `chat_messages_sessionId_authorId_clientMsgId_key` ON `chat_messages`;
