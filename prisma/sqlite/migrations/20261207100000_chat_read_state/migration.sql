-- AlterTable
ALTER TABLE "chat_session_members" ADD COLUMN "lastReadMessageId" INTEGER;
