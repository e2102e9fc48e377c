/**
 * The MongoDB family's side of the connector port (STYLE.md §7). MongoDB has no SQL: besides
 * the common `Connector` members (test, introspect, close) it runs structured queries that
 * the MongoDB guard (src/main/guard/mongo) has checked. SQL drivers are unaffected.
 */
import type { Connector, QueryLimits, ReadData } from '../types';

export type MongoOp = 'find' | 'aggregate' | 'count' | 'distinct';

type Doc = Record<string, unknown>;

/** A structured query that passed the guard, its values already BSON (ObjectId, Date, …). */
export interface CheckedMongoQuery {
  collection: string;
  op: MongoOp;
  filter?: Doc;
  projection?: Doc;
  sort?: Doc;
  limit?: number;
  skip?: number;
  pipeline?: Doc[];
  field?: string;
  /** Every collection the guard found the query touching: engine truth holds the server to it. */
  collections: string[];
}

export interface DocumentReadData extends ReadData {
  /** Whether the server's own plan was compared with the guard's ('explain'), or could not be. */
  engineTruth: 'explain' | 'unavailable';
}

export interface DocumentConnector extends Connector {
  readonly kind: 'mongodb';
  readDocuments(query: CheckedMongoQuery, limits: QueryLimits): Promise<DocumentReadData>;
}

export function isDocumentConnector(c: Connector): c is DocumentConnector {
  return c.kind === 'mongodb' && typeof (c as Partial<DocumentConnector>).readDocuments === 'function';
}
