/**
 * The MongoDB family's side of the connector port (STYLE.md §7). MongoDB has no SQL: besides
 * the common `Connector` members (test, introspect, close) it runs structured queries that
 * the MongoDB guard (src/main/guard/mongo) has checked. SQL drivers are unaffected.
 */
import type { CheckedMongoQuery } from '../../guard/mongo/checked-query';
import type { Connector, QueryLimits, ReadData } from '../types';

// The query a document connector runs is the guard's output; named here too for the drivers.
export type { CheckedMongoQuery, MongoOp } from '../../guard/mongo/checked-query';

export interface DocumentReadData extends ReadData {
  /** Whether the server's own plan was compared with the guard's ('explain'), or could not be. */
  engineTruth: 'explain' | 'unavailable';
}

export interface DocumentConnector extends Connector {
  readonly kind: 'mongodb';
  readDocuments(query: CheckedMongoQuery, limits: QueryLimits): Promise<DocumentReadData>;
}

export function isDocumentConnector(c: Connector): c is DocumentConnector {
  return (
    c.kind === 'mongodb' && typeof (c as Partial<DocumentConnector>).readDocuments === 'function'
  );
}
