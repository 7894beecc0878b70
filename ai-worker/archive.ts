// MongoDB `ai_results` (when MONGODB_URL is set): the full input/output document of every prediction, as the
// original project kept it; the AiLog row keeps the document's id (resultDocId). Without MongoDB the result
// lives in SQL only. Both cases pass test/ai/results-contract.test.ts.
import mongoose, { type Connection, type Model } from 'mongoose';
import { connectMongo } from '../src/audit/mongo.js';
import type { Config } from '../src/config.js';

export interface ResultDoc {
  aiLogId: number;
  aiId: number;
  userId: number;
  artifactKey: string;
  input: unknown;
  result: unknown;
  at: Date;
}

export interface ResultArchive {
  /** Stores the documents; returns their ids in the same order. */
  store(docs: ResultDoc[]): Promise<string[]>;
  get(id: string): Promise<ResultDoc | null>;
  close(): Promise<void>;
}

const resultSchema = new mongoose.Schema<ResultDoc>(
  {
    aiLogId: { type: Number, required: true },
    aiId: { type: Number, required: true },
    userId: { type: Number, required: true },
    artifactKey: { type: String, required: true },
    input: { type: mongoose.Schema.Types.Mixed, required: true },
    result: { type: mongoose.Schema.Types.Mixed, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'ai_results', versionKey: false, minimize: false },
);
resultSchema.index({ aiLogId: 1 });
resultSchema.index({ aiId: 1, at: -1 });

export class MongoResultArchive implements ResultArchive {
  private readonly model: Model<ResultDoc>;

  constructor(private readonly conn: Connection) {
    this.model = conn.model<ResultDoc>('AiResult', resultSchema);
  }

  async init(): Promise<void> {
    await this.model.createIndexes();
  }

  async store(docs: ResultDoc[]): Promise<string[]> {
    if (!docs.length) return [];
    const inserted = await this.model.insertMany(docs, { ordered: true, lean: true });
    return inserted.map((d) => String(d._id));
  }

  async get(id: string): Promise<ResultDoc | null> {
    if (!mongoose.isValidObjectId(id)) return null;
    const doc = await this.model.findById(id).lean();
    if (!doc) return null;
    const { _id, ...rest } = doc as ResultDoc & { _id: unknown };
    void _id;
    return rest;
  }

  async close(): Promise<void> {
    await this.conn.close();
  }
}

/** The archive the configuration asks for: MongoDB when MONGODB_URL is set, none otherwise. */
export async function createResultArchive(config: Pick<Config, 'mongodbUrl'>): Promise<ResultArchive | null> {
  if (!config.mongodbUrl) return null;
  const archive = new MongoResultArchive(await connectMongo(config.mongodbUrl));
  await archive.init();
  return archive;
}
