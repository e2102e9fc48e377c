/**
 * The guard's AST layer for PostgreSQL: the statement allowlist (SELECT — with TABLE t and
 * VALUES — INSERT, UPDATE, DELETE), the tree checked for node types the analyzer does not
 * know, the walk by identity, and a final check that nothing in the tree escaped it. Produces
 * the same Analysis the other dialects do.
 */
import { notAllowed } from '../ast';
import type { Analysis, StatementKind } from '../analyzer';
import type { SchemaIndex } from '../schema-index';
import { assertAllVisited, assertKnownNodes, tagged, type PgNode } from './pg-nodes';
import { parsePg } from './pg-parser';
import { PgWrite } from './pg-write';

/** How the refusal names statements people know by their keyword. */
const STATEMENT_NAMES: Record<string, string> = {
  VariableSetStmt: 'SET / RESET',
  VariableShowStmt: 'SHOW',
  TransactionStmt: 'transaction control',
  CopyStmt: 'COPY',
  ExplainStmt: 'EXPLAIN',
  CallStmt: 'CALL',
  DoStmt: 'DO',
  MergeStmt: 'MERGE',
  TruncateStmt: 'TRUNCATE',
  LockStmt: 'LOCK',
  PrepareStmt: 'PREPARE',
  ExecuteStmt: 'EXECUTE',
  DeallocateStmt: 'DEALLOCATE',
  CreateTableAsStmt: 'CREATE TABLE AS',
  GrantStmt: 'GRANT',
  GrantRoleStmt: 'GRANT',
  AlterRoleStmt: 'ALTER ROLE',
  AlterRoleSetStmt: 'ALTER ROLE',
};

class PgAnalyzer extends PgWrite {
  run(stmt: PgNode): Analysis {
    const [tag, body] = tagged(stmt)!;
    let kind: StatementKind;
    switch (tag) {
      case 'SelectStmt':
        kind = 'select';
        break;
      case 'InsertStmt':
        kind = 'insert';
        break;
      case 'UpdateStmt':
        kind = 'update';
        break;
      case 'DeleteStmt':
        kind = 'delete';
        break;
      default: {
        const what =
          STATEMENT_NAMES[tag] ??
          tag
            .replace(/Stmt$/, '')
            .replace(/([a-z])([A-Z])/g, '$1 $2')
            .toUpperCase();
        throw notAllowed(
          `${what} statements are not allowed: agents may run SELECT, and INSERT, UPDATE or DELETE where granted`,
          {
            statementType: tag,
          },
        );
      }
    }
    // Only now: a refused statement type says so, rather than naming a node inside it.
    assertKnownNodes(stmt);
    if (kind === 'select') this.select(body, null);
    else if (kind === 'insert') this.insert(body);
    else if (kind === 'update') this.update(body);
    else this.delete(body);
    assertAllVisited(stmt, this.visited);
    return {
      kind,
      action: kind === 'select' ? 'read' : 'write',
      tables: [...this.access.values()].map((a) => ({
        table: a.table,
        read: [...a.read],
        write: [...a.write],
        ...(a.wholeRowWrite ? { wholeRowWrite: true } : {}),
      })),
      functions: [...this.functions],
    };
  }
}

/** Parses and analyses one PostgreSQL statement (the parser must be loaded: see loadPgParser). */
export function analyzePostgres(text: string, schema: SchemaIndex): Analysis {
  return new PgAnalyzer(schema).run(parsePg(text));
}
