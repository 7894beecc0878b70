-- CreateTable
CREATE TABLE `reports` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `reporterId` INTEGER NOT NULL,
    `targetType` VARCHAR(16) NOT NULL,
    `targetId` INTEGER NOT NULL,
    `targetUserId` INTEGER NOT NULL,
    `reason` VARCHAR(16) NOT NULL,
    `note` VARCHAR(1000) NULL,
    `status` VARCHAR(16) NOT NULL DEFAULT 'open',
    `openKey` INTEGER NULL DEFAULT 1,
    `resolvedById` INTEGER NULL,
    `resolvedAt` DATETIME(3) NULL,
    `resolution` VARCHAR(512) NULL,
    `createDate` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `reports_status_id_idx`(`status`, `id`),
    INDEX `reports_targetType_targetId_status_idx`(`targetType`, `targetId`, `status`),
    INDEX `reports_resolvedById_idx`(`resolvedById`),
    UNIQUE INDEX `reports_reporterId_targetType_targetId_openKey_key`(`reporterId`, `targetType`, `targetId`, `openKey`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `reports` ADD CONSTRAINT `reports_reporterId_fkey` FOREIGN KEY (`reporterId`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `reports` ADD CONSTRAINT `reports_resolvedById_fkey` FOREIGN KEY (`resolvedById`) REFERENCES `users`(`id`) ON DELETE SET NULL ON UPDATE CASCADE;
