import type { Config } from '../config.js';
import type { Logger } from '../platform/logger.js';
import type { Db } from '../platform/prisma.js';
import { connectMongo, MongoAuditLog } from './mongo.js';
import { SqlAuditLog, type AuditLog } from './service.js';

/** The audit adapter the configuration asks for: MongoDB when MONGODB_URL is set, SQL otherwise. */
export async function createAuditLog(config: Pick<Config, 'mongodbUrl' | 'audit'>, prisma: Db, logger: Logger): Promise<AuditLog> {
  const sql = new SqlAuditLog(prisma);
  if (!config.mongodbUrl) return sql;
  const mongo = new MongoAuditLog(await connectMongo(config.mongodbUrl), sql, logger, { retentionDays: config.audit.retentionDays });
  await mongo.init();
  return mongo;
}
