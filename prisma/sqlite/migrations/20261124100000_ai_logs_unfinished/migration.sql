-- CreateIndex
CREATE INDEX "ai_logs_isFinished_jobId_idx" ON "ai_logs"("isFinished", "jobId");
