/**
 * The policy decision for a guarded MongoDB query: the shared engine (`decide`) first, then
 * two rules that only MongoDB needs, which can only turn an allow into a deny:
 *  - whole-document reads (a find without projection, `$$ROOT`, a pipeline that returns
 *    documents as stored) need a read grant on the whole collection, and no field of it
 *    may be denied — the documents would carry every field;
 *  - MongoDB names are case-sensitive (`Users` and `users` are two collections) while the
 *    shared engine folds case, so grants must name collections and fields exactly.
 * Pure: no I/O.
 */
import type { Decision, Grant } from '../../shared/domain';
import { decide, grantRule, type TableAccess } from './policy';

/** What the MongoDB guard found a query touching: the policy's whole input besides the grants. */
export interface MongoAccess {
  /** Every collection touched, with the top-level fields read. */
  tables: TableAccess[];
  /** Collections whose whole documents the query returns: these need a whole-collection grant. */
  whole: string[];
}

const sameConnection = (g: Grant, connection: string) =>
  g.connection.toLowerCase() === connection.toLowerCase();
const namesExactly = (g: Grant, collection: string) => g.table === '*' || g.table === collection;

function readGrants(
  grants: Grant[],
  connection: string,
  collection: string,
  effect: 'allow' | 'deny',
): Grant[] {
  return grants.filter(
    (g) =>
      (g.effect ?? 'allow') === effect &&
      sameConnection(g, connection) &&
      g.actions.includes('read') &&
      namesExactly(g, collection),
  );
}

export function decideMongo(
  agent: string,
  connection: string,
  guarded: MongoAccess,
  grants: Grant[],
): Decision {
  const shared = decide({ agent, connection, tables: guarded.tables, defaultSchema: null }, grants);
  if (shared.effect !== 'allow') return shared;

  for (const collection of guarded.whole) {
    const denied = readGrants(grants, connection, collection, 'deny')[0];
    if (denied) {
      return {
        effect: 'deny',
        rule: grantRule(denied, 'read'),
        reason: `agent '${agent}' is denied some fields of ${collection}; this query returns whole documents, which would carry them — name the fields you need in a projection`,
      };
    }
    if (!readGrants(grants, connection, collection, 'allow').some((g) => g.columns === undefined)) {
      const fields = [
        ...new Set(
          readGrants(grants, connection, collection, 'allow').flatMap((g) => g.columns ?? []),
        ),
      ];
      return {
        effect: 'deny',
        rule: 'default-deny',
        reason:
          `agent '${agent}' may read only the fields ${fields.join(', ') || '(none)'} of ${collection}; this query returns whole documents ` +
          '(a find without projection, $$ROOT, or a pipeline that passes documents through), which needs a read grant on the whole collection — name the fields in a projection',
      };
    }
  }

  for (const t of guarded.tables) {
    const allows = readGrants(grants, connection, t.table, 'allow');
    if (allows.length === 0) {
      return {
        effect: 'deny',
        rule: 'default-deny',
        reason: `agent '${agent}' has no read grant naming collection '${t.table}' exactly (MongoDB collection names are case-sensitive)`,
      };
    }
    for (const f of t.read) {
      if (!allows.some((g) => g.columns === undefined || g.columns.includes(f))) {
        return {
          effect: 'deny',
          rule: 'default-deny',
          reason: `agent '${agent}' may not read ${t.table}.${f}: no grant names that field exactly (MongoDB field names are case-sensitive)`,
        };
      }
    }
  }
  return shared;
}

/**
 * Narrows a listing (GET /v1/connections/{name}/tables) to the fields a grant names exactly:
 * the shared engine folds case, which for MongoDB would list `Orders` to an agent granted `orders`.
 */
export function exactlyGranted(
  grants: Grant[],
  connection: string,
  collection: string,
  fields: string[],
  action: 'read' | 'write',
): string[] {
  const allows = grants.filter(
    (g) =>
      (g.effect ?? 'allow') === 'allow' &&
      sameConnection(g, connection) &&
      g.actions.includes(action) &&
      namesExactly(g, collection),
  );
  return fields.filter((f) => allows.some((g) => g.columns === undefined || g.columns.includes(f)));
}
