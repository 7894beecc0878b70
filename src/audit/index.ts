import type { Config } from '../config.js';
import type { Logger } from '../platform/logger.js';
import type { Db } from '../platform/prisma.js';
import { connectMongo, MongoAuditLog } from './mongo.js';
import { SqlAuditLog, withActorNames, type AuditLog } from './service.js';

/** The audit adapter the configuration asks for (MongoDB when MONGODB_URL is set, SQL otherwise), naming actors. */
export async function createAuditLog(config: Pick<Config, 'mongodbUrl' | 'audit'>, prisma: Db, logger: Logger): Promise<AuditLog> {
  const sql = new SqlAuditLog(prisma);
  if (!config.mongodbUrl) return withActorNames(sql, prisma);
  const mongo = new MongoAuditLog(await connectMongo(config.mongodbUrl), sql, logger, { retentionDays: config.audit.retentionDays });
  await mongo.init();
  return withActorNames(mongo, prisma);
}
