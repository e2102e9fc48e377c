/**
 * What the MongoDB guard hands on: a structured query that passed it. The guard produces it
 * and the document connectors run it, so it lives here, below the connectors that import it
 * (connectors → guard, never the other way).
 */
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
