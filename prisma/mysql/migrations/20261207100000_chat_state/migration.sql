-- Written by hand (MySQL migrations cannot be generated offline; test/platform/schema.test.ts compares the result
-- with the models).

-- AlterTable
ALTER TABLE `chat_session_members` ADD COLUMN `lastReadMessageId` INTEGER NULL;

-- CreateTable
CREATE TABLE `chat_message_changes` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `sessionId` INTEGER NOT NULL,
    `messageId` INTEGER NOT NULL,
    `createDate` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `chat_message_changes_sessionId_createDate_idx`(`sessionId`, `createDate`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `chat_message_changes` ADD CONSTRAINT `chat_message_changes_sessionId_fkey` FOREIGN KEY (`sessionId`) REFERENCES `chat_sessions`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
