-- Written by hand (MySQL migrations cannot be generated offline; test/platform/schema.test.ts compares the result
-- with the models).

-- AlterTable
ALTER TABLE `chat_session_members` ADD COLUMN `lastReadMessageId` INTEGER NULL;
