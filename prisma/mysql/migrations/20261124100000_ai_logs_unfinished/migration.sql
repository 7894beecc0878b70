-- Written by hand (MySQL migrations cannot be generated offline; test/platform/schema.test.ts compares the result
-- with the models).

-- CreateIndex
CREATE INDEX `ai_logs_isFinished_jobId_idx` ON `ai_logs`(`isFinished`, `jobId`);
