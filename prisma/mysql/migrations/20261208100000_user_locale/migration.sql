-- AlterTable
ALTER TABLE `users` ADD COLUMN `locale` VARCHAR(8) NULL;
