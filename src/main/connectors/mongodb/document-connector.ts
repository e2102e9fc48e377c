/**
 * The MongoDB family's side of the connector port (STYLE.md §7). MongoDB has no SQL: besides
 * the common `Connector` members (test, introspect, close) it runs structured queries that
 * the MongoDB guard (src/main/guard/mongo) has checked. SQL drivers are unaffected.
 */
import type { Connector, DocumentConnector } from '../types';

// The query a document connector runs is the guard's output; named here too for the drivers.
export type { CheckedMongoQuery, MongoOp } from '../../guard/mongo/checked-query';

export type { DocumentConnector, DocumentReadData } from '../types';

export function isDocumentConnector(c: Connector): c is DocumentConnector {
  return c.kind === 'mongodb';
}
