/**
 * MongoDB through the official `mongodb` driver, by URL:
 *
 *   mongodb://airlock_reader:secret@db1:27017,db2:27017/sales?replicaSet=rs0&authSource=admin&tls=true&tlsCAFile=/etc/ca.pem
 *
 * The URL must name the database. The driver handles TLS, replica sets and several hosts;
 * Airlock adds timeouts, the engine-truth check (explain) and the row and byte caps.
 * Agents cannot send SQL here: `dialect` refuses, so the SQL path fails closed with a clear 400.
 */
import {
  MongoClient,
  type Db,
  type Document,
  type FindCursor,
  type AggregationCursor,
} from 'mongodb';
import { resultTooLarge } from '../row-budget';
import { AirlockError } from '../../../shared/errors';
import type { ConnectorTable, QueryLimits } from '../types';
import type { CheckedMongoQuery, DocumentConnector, DocumentReadData } from './document-connector';
import { compareNamespaces, explainCommand, explainedNamespaces } from './mongo-engine-truth';
import { connectFailure, isCommandNotFound, passwordsOf, queryFailure } from './mongo-errors';
import { introspectMongo } from './mongo-schema';
import { RowShaper } from './mongo-values';

const CONNECT_TIMEOUT_MS = 10_000;
/** How long past maxTimeMS Airlock waits for the server before giving up on its own. */
const CLIENT_GRACE_MS = 2_000;

/** Splits a mongodb:// URL into what Airlock needs; the driver parses the rest. */
export function parseMongoUrl(url: string): {
  database: string;
  where: string;
  params: Set<string>;
} {
  const m = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?$/i.exec(
    url.trim(),
  );
  if (!m)
    throw new AirlockError(
      'CONNECTION_FAILED',
      'the MongoDB URL is not of the form mongodb://user:password@host:27017/database',
    );
  let database = '';
  try {
    database = decodeURIComponent(m[2] ?? '');
  } catch {
    throw new AirlockError(
      'CONNECTION_FAILED',
      'the database name in the MongoDB URL is not valid percent-encoding',
    );
  }
  if (!database)
    throw new AirlockError(
      'CONNECTION_FAILED',
      'the MongoDB URL names no database: add it after the host (mongodb://host:27017/<database>)',
    );
  if (/[/\\. "$]/.test(database))
    throw new AirlockError(
      'CONNECTION_FAILED',
      `'${database}' is not a valid MongoDB database name`,
    );
  const params = new Set([...new URLSearchParams(m[3] ?? '').keys()].map((k) => k.toLowerCase()));
  return { database, where: m[1] || '(no host)', params };
}

export class MongoConnector implements DocumentConnector {
  readonly kind = 'mongodb' as const;
  readonly defaultSchema = null;
  private readonly database: string;
  private readonly where: string;
  private readonly secrets: string[];
  /** Option names the URL sets (lower-cased): they win over Airlock's defaults. */
  private readonly params: Set<string>;
  private client: Promise<MongoClient> | null = null;
  /** null until the first explain tells whether the server has it. */
  private explainSupported: boolean | null = null;
  private viewSources = new Map<string, string[]>();
  private closed = false;

  constructor(private readonly url: string) {
    const parsed = parseMongoUrl(url);
    this.database = parsed.database;
    this.where = parsed.where;
    this.secrets = passwordsOf(url);
    this.params = parsed.params;
  }

  async test(): Promise<void> {
    try {
      const db = await this.db();
      await db.command({ ping: 1 });
      await db.listCollections({}, { nameOnly: true, authorizedCollections: true }).toArray();
    } catch (e) {
      throw e instanceof AirlockError ? e : connectFailure(e, this.url, this.where);
    }
  }

  async introspect(): Promise<ConnectorTable[]> {
    const db = await this.db();
    try {
      const schema = await introspectMongo(db, CONNECT_TIMEOUT_MS);
      this.viewSources = schema.viewSources;
      return schema.tables;
    } catch (e) {
      throw queryFailure(e, CONNECT_TIMEOUT_MS, this.secrets);
    }
  }

  async readDocuments(q: CheckedMongoQuery, limits: QueryLimits): Promise<DocumentReadData> {
    const db = await this.db();
    let cursor: FindCursor | AggregationCursor | null = null;
    let timer: NodeJS.Timeout | undefined;
    // maxTimeMS makes the server stop the query; this deadline covers a server that does not.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        void cursor?.close().catch(() => undefined);
        reject(
          new AirlockError(
            'QUERY_TIMEOUT',
            `the query ran longer than ${limits.timeoutMs} ms and was stopped`,
            { timeoutMs: limits.timeoutMs },
          ),
        );
      }, limits.timeoutMs + CLIENT_GRACE_MS);
    });
    const work = async (): Promise<DocumentReadData> => {
      const engineTruth = await this.checkEngineTruth(db, q, limits);
      const shaper = new RowShaper();
      let bytes = 2;
      let truncated = false;
      const take = (doc: Document): boolean => {
        if (shaper.rows.length >= limits.maxRows) return !(truncated = true);
        const row = shaper.prepare(doc);
        // A document that alone exceeds the byte cap can never be delivered: refused, not cut.
        if (row.size + 2 > limits.maxBytes) throw resultTooLarge(row.size, limits.maxBytes);
        if (bytes + row.size > limits.maxBytes) return !(truncated = true);
        bytes += row.size;
        shaper.add(row);
        return true;
      };
      const coll = db.collection(q.collection);
      const common = { maxTimeMS: limits.timeoutMs, promoteValues: false } as const;
      // One row more than the cap tells whether the answer was cut.
      const cap = limits.maxRows + 1;
      const batchSize = Math.min(cap, 1000);
      switch (q.op) {
        case 'find':
          cursor = coll.find(q.filter ?? {}, {
            ...common,
            batchSize,
            limit: q.limit ? Math.min(q.limit, cap) : cap,
            ...(q.projection ? { projection: q.projection } : {}),
            ...(q.sort ? { sort: q.sort as Document } : {}),
            ...(q.skip ? { skip: q.skip } : {}),
          });
          break;
        case 'aggregate':
          cursor = coll.aggregate([...(q.pipeline ?? []), { $limit: cap }], {
            ...common,
            batchSize,
            allowDiskUse: false,
          });
          break;
        case 'count': {
          const n = await coll.countDocuments(q.filter ?? {}, {
            maxTimeMS: limits.timeoutMs,
            ...(q.limit ? { limit: q.limit } : {}),
            ...(q.skip ? { skip: q.skip } : {}),
          });
          take({ count: n });
          break;
        }
        case 'distinct':
          for (const v of await coll.distinct(q.field!, q.filter ?? {}, common))
            if (!take({ [q.field!]: v })) break;
          break;
      }
      if (cursor) {
        // Leaving the loop early closes the cursor on the server (killCursors).
        for await (const doc of cursor as AsyncIterable<Document>) if (!take(doc)) break;
      }
      const rows = shaper.finish();
      return { columns: shaper.columns(), rows, rowCount: rows.length, truncated, engineTruth };
    };
    try {
      return await Promise.race([work(), deadline]);
    } catch (e) {
      throw queryFailure(e, limits.timeoutMs, this.secrets);
    } finally {
      clearTimeout(timer);
      if (cursor) void (cursor as FindCursor).close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = null;
    if (c) await (await c.catch(() => null))?.close();
  }

  /** Engine truth (see mongo-engine-truth.ts); capability detected on first use. */
  private async checkEngineTruth(
    db: Db,
    q: CheckedMongoQuery,
    limits: QueryLimits,
  ): Promise<'explain' | 'unavailable'> {
    if (this.explainSupported === false) return 'unavailable';
    let out: Document;
    try {
      out = await db.command({ ...explainCommand(q), maxTimeMS: limits.timeoutMs });
    } catch (e) {
      if (isCommandNotFound(e)) {
        this.explainSupported = false;
        return 'unavailable';
      }
      throw e;
    }
    this.explainSupported = true;
    // A view's plan names the collections under it: they count as the view's own.
    const expected = q.collections.flatMap((c) => [c, ...(this.viewSources.get(c) ?? [])]);
    compareNamespaces(explainedNamespaces(out), this.database, expected);
    return 'explain';
  }

  private async db(): Promise<Db> {
    if (this.closed) throw new AirlockError('CONNECTION_FAILED', 'the connection is closed');
    if (!this.client) {
      // Options the URL sets win; these are defaults for a desktop app's pool.
      const defaults: Record<string, unknown> = {
        appName: 'airlock',
        serverSelectionTimeoutMS: CONNECT_TIMEOUT_MS,
        connectTimeoutMS: CONNECT_TIMEOUT_MS,
        maxPoolSize: 10,
      };
      const options = Object.fromEntries(
        Object.entries(defaults).filter(([k]) => !this.params.has(k.toLowerCase())),
      );
      const pending = (async () => {
        let client: MongoClient;
        try {
          client = new MongoClient(this.url, options);
        } catch (e) {
          throw connectFailure(e, this.url, this.where);
        }
        try {
          return await client.connect();
        } catch (e) {
          await client.close().catch(() => undefined);
          throw connectFailure(e, this.url, this.where);
        }
      })();
      this.client = pending;
      pending.catch(() => {
        if (this.client === pending) this.client = null;
      });
    }
    return (await this.client).db(this.database);
  }
}
