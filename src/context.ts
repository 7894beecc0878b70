// Builds the dependencies a process shares (database, Redis, queues, logger, storage, audit) from a Config.
// Nothing here is a module-level singleton: tests build their own context and close it.
import { createAuditLog } from './audit/index.js';
import type { AuditLog } from './audit/service.js';
import { AisService } from './ais/service.js';
import { Passwords } from './auth/passwords.js';
import { AuthService } from './auth/service.js';
import { BoardPolicy } from './boards/policy.js';
import { BoardsService } from './boards/service.js';
import { ChatService } from './chat/service.js';
import { CommentsService } from './comments/service.js';
import { FilesService } from './files/service.js';
import { FileUrls } from './files/signed-urls.js';
import { Thumbnails } from './files/thumbnails.js';
import { OrphanSweeper } from './files/sweep.js';
import { ReportsService } from './reports/service.js';
import { PostsService } from './posts/service.js';
import { SearchIndexer } from './search/index.js';
import { SearchService } from './search/service.js';
import { ViewCounter } from './posts/views.js';
import { Sessions } from './auth/sessions.js';
import type { Config } from './config.js';
import { createLogger, type Logger } from './platform/logger.js';
import { createMailer, type Mailer } from './platform/mail.js';
import { createPrisma, type Db } from './platform/prisma.js';
import { createQueues, type Queues } from './platform/queue.js';
import { checkRedisPersistence, closeRedis, createRedis, type Redis } from './platform/redis.js';
import { LocalStorage, type Storage } from './platform/storage.js';
import { UsersService } from './users/service.js';
import { NotificationEmitter } from './notifications/events.js';
import { NotificationHub } from './notifications/live.js';
import { NotificationPresenter } from './notifications/present.js';
import { NotificationsService } from './notifications/service.js';

export interface Services {
  users: UsersService;
  auth: AuthService;
  boards: BoardsService;
  boardPolicy: BoardPolicy;
  posts: PostsService;
  comments: CommentsService;
  files: FilesService;
  /** Queues thumbnails of image attachments (the api) and makes them (the worker: ai-worker/thumbnails.ts). */
  thumbnails: Thumbnails;
  /** Removes upload files left by a process killed mid-upload; the api process runs its timer (startApi). */
  orphanSweep: OrphanSweeper;
  /** Buffered view counts; the api process runs its flush timer (startApi). */
  views: ViewCounter;
  /** Search over posts and comments. */
  search: SearchService;
  /** Keeps the MariaDB search index in step (SQLite's is kept by triggers); the api process repairs it at start (startApi). */
  searchIndex: SearchIndexer;
  /** AI models and predictions (training and predicting run in ai-worker/). */
  ais: AisService;
  /** Chat sessions, members and messages; its bus fans events out to the chat replicas. */
  chat: ChatService;
  /** Member reports and the moderation queue. */
  reports: ReportsService;
  /** A member's notifications (written by the worker from the events the services emit). */
  notifications: NotificationsService;
  /** Hands notification events to the worker's queue without waiting (src/notifications/events.ts). */
  notifier: NotificationEmitter;
  /** This process's subscription to new notifications, for SSE streams (opened on first use). */
  notificationHub: NotificationHub;
}

export interface Context {
  config: Config;
  logger: Logger;
  prisma: Db;
  redis: Redis;
  queues: Queues;
  storage: Storage;
  audit: AuditLog;
  mailer: Mailer;
  sessions: Sessions;
  /** Password hashing, bounded for the whole process. */
  passwords: Passwords;
  services: Services;
  /** Closes every client, in reverse order of dependence. Safe to call twice. */
  close(): Promise<void>;
}

export interface ContextOptions {
  service?: string;
  logger?: Logger;
}

export async function createContext(config: Config, opts: ContextOptions = {}): Promise<Context> {
  const logger = opts.logger ?? createLogger(config, opts.service ?? 'agora');
  const prisma = await createPrisma(config);
  const redis = createRedis(config, opts.service ?? 'agora');
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
  checkRedisPersistence(redis, logger, config.nodeEnv);
  const queues = createQueues(config);
  const storage = new LocalStorage(config.uploadsDir);
  const audit = await createAuditLog(config, prisma, logger);
  const mailer = createMailer(config, logger);
  const sessions = new Sessions(prisma, redis, config);
  const passwords = new Passwords({ concurrency: config.auth.passwordHashConcurrency, waitMs: config.auth.passwordHashWaitMs });
  const boardPolicy = new BoardPolicy(prisma, redis, config.anonymousRead);
  const boards = new BoardsService(prisma, boardPolicy, audit, config.anonymousRead, storage, logger);
  const views = new ViewCounter(prisma, redis, logger, config);
  const searchIndex = new SearchIndexer(config.databaseProvider, logger);
  const fileUrls = new FileUrls(config.jwtSecret, config.uploads.fileUrlTtlSeconds);
  const thumbnails = new Thumbnails(prisma, storage, queues, logger);
  const notifier = new NotificationEmitter(queues, logger);
  const posts = new PostsService(prisma, boardPolicy, audit, views, storage, logger, searchIndex, fileUrls, thumbnails, notifier);
  const users = new UsersService({ prisma, audit, sessions, boards, passwords, redis, config });
  const comments = new CommentsService(prisma, boardPolicy, posts, audit, storage, logger, searchIndex, fileUrls, thumbnails, notifier, config.databaseProvider);
  const chat = new ChatService(prisma, redis, audit, logger, config, notifier);
  const services: Services = {
    users,
    auth: new AuthService({ prisma, redis, sessions, passwords, audit, mailer, logger, config }),
    boards,
    boardPolicy,
    posts,
    comments,
    search: new SearchService(prisma, config.databaseProvider, boards, boardPolicy),
    searchIndex,
    thumbnails,
    files: new FilesService(prisma, posts, storage, fileUrls),
    orphanSweep: new OrphanSweeper(prisma, storage, logger, { intervalSeconds: config.uploads.sweepIntervalSeconds, graceSeconds: config.uploads.orphanGraceSeconds }),
    views,
    ais: new AisService({ prisma, redis, queues, storage, audit, logger, config }),
    chat,
    reports: new ReportsService({ prisma, audit, posts, comments, chat, users, notifier }),
    notifications: new NotificationsService(prisma, new NotificationPresenter(prisma, boardPolicy)),
    notifier,
    notificationHub: new NotificationHub(redis, config.redisPrefix, logger),
  };

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await services.orphanSweep.stop();
      await services.ais.close();
      services.chat.close();
      // reset mails scheduled after their responses
      await services.auth.idle();
      await services.notificationHub.close();
      await notifier.idle();
      await queues.close();
      await mailer.close();
      await audit.close();
      await storage.close();
      await closeRedis(redis);
      await prisma.$disconnect();
    })());

  return { config, logger, prisma, redis, queues, storage, audit, mailer, sessions, passwords, services, close };
}
