/**
 * What the engine-truth layer needs from the parse tree to read EXPLAIN by identity: every
 * relation reference with the name EXPLAIN will print for it (its alias, or its own name) and
 * the column names its alias column list gives it, and every name the statement gives any
 * FROM item. EXPLAIN prints columns under those aliases; this is how they map back to
 * positions, and so to the table's real columns.
 */
import { isObj, names, tagged } from './pg-nodes';
import { parsePg } from './pg-parser';

export interface RelationRef {
  /** `schema.table` as written (unqualified names take the default schema); CTE references included */
  table: string;
  /** the name EXPLAIN prints for it */
  refname: string;
  /** alias column list, renaming the first columns by position */
  aliasCols: string[];
}

export interface StatementRelations {
  relations: RelationRef[];
  /** every alias or table name that names a FROM item, CTE or join, once per occurrence */
  refnames: string[];
}

/** Reads the relation references of a statement the guard has already accepted. */
export function statementRelations(sql: string, defaultSchema: string): StatementRelations {
  const relations: RelationRef[] = [];
  const refnames: string[] = [];
  const rangeVar = (n: Record<string, unknown>) => {
    const alias = isObj(n.alias) ? n.alias : null;
    const refname =
      alias && typeof alias.aliasname === 'string' ? alias.aliasname : String(n.relname);
    const schema = typeof n.schemaname === 'string' ? n.schemaname : defaultSchema;
    relations.push({
      table: `${schema}.${String(n.relname)}`,
      refname,
      aliasCols: alias ? names(alias.colnames) : [],
    });
    refnames.push(refname);
  };
  const stack: unknown[] = [parsePg(sql)];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      stack.push(...v);
      continue;
    }
    if (!isObj(v)) continue;
    const t = tagged(v);
    if (t && t[0] === 'RangeVar') rangeVar(t[1]);
    else if (
      t &&
      (t[0] === 'RangeSubselect' || t[0] === 'JoinExpr') &&
      isObj(t[1].alias) &&
      typeof t[1].alias.aliasname === 'string'
    ) {
      refnames.push(t[1].alias.aliasname);
    } else if (t && t[0] === 'CommonTableExpr' && typeof t[1].ctename === 'string')
      refnames.push(t[1].ctename);
    // The written table of INSERT / UPDATE / DELETE is a RangeVar without its wrapper.
    for (const key of ['relation']) {
      const rel = v[key];
      if (isObj(rel) && typeof rel.relname === 'string' && !tagged(rel)) rangeVar(rel);
    }
    for (const child of Object.values(v))
      if (typeof child === 'object' && child !== null) stack.push(child);
  }
  return { relations, refnames };
}
