/**
 * PostgreSQL behind the guard. Every agent statement runs in a transaction of its own
 * (`BEGIN READ ONLY` for reads, always rolled back), over the extended protocol (one
 * statement per call: the server refuses a second one), with `statement_timeout` set and a
 * client deadline that cancels it on the server. Before it runs, the engine's plan
 * (`EXPLAIN (VERBOSE, FORMAT JSON)`) must touch nothing the parser did not report. Reads
 * stream from a cursor under row and byte caps.
 */
import Cursor from 'pg-cursor';
import type { FieldDef } from 'pg';
import { AirlockError } from '../../../shared/errors';
import { FUNCTION_ALLOWLIST } from '../../guard/functions';
import { Deadline } from '../deadline';
import { EngineTruthError, checkPlan } from '../plan-check';
import { RowBudget, collectingSink } from '../row-budget';
import { parseServerUrl, type ServerConfig } from '../server-url';
import type { AgentContext, CheckedStatement, Connector, ConnectorTable, QueryLimits, ReadData, RowSink, StreamSummary, WriteData } from '../types';
import { PG_ENGINE_FUNCTIONS, planTouches } from './pg-engine-truth';
import { pgQueryError } from './pg-errors';
import { PgPools, type PgClient } from './pg-pool';
import { PgAgentRoles } from './pg-roles';
import { introspectPostgres, type PgEngineSchema } from './pg-schema';
import { PG_TYPES, typeInfo } from './pg-types';

const FIRST_BATCH = 500;
const BATCH = 5000;

const columnsOf = (fields: FieldDef[]) => fields.map((f) => ({ name: f.name, type: typeInfo(f.dataTypeID).type }));

function positional(stmt: CheckedStatement): unknown[] {
  const p = stmt.params;
  if (p === undefined) return [];
  if (!Array.isArray(p)) {
    throw new AirlockError('VALIDATION_FAILED', 'PostgreSQL statements take positional parameters ($1, $2, …): send params as an array');
  }
  return p;
}

function readCursor(cursor: Cursor, n: number): Promise<{ rows: unknown[][]; fields: FieldDef[] }> {
  return new Promise((resolve, reject) => {
    cursor.read(n, (err, rows, result) => (err ? reject(err) : resolve({ rows, fields: result.fields })));
  });
}

export class PostgresConnector implements Connector {
  readonly kind = 'postgres' as const;
  readonly dialect = 'postgres' as const;
  readonly defaultSchema = 'public';
  private readonly config: ServerConfig;
  private readonly pools: PgPools;
  private engine: PgEngineSchema | null = null;
  readonly roles: PgAgentRoles | null;

  constructor(url: string) {
    this.config = parseServerUrl(url);
    if (this.config.kind !== 'postgres') throw new AirlockError('CONNECTION_FAILED', 'this is not a PostgreSQL URL');
    this.pools = new PgPools(this.config);
    this.roles = this.config.agentRoles ? new PgAgentRoles(this.config.database) : null;
  }

  async test(): Promise<void> {
    const client = await this.pools.acquire();
    let canManageRoles = true;
    try {
      const r = await client.query<{ ok: boolean }>('SELECT rolsuper OR rolcreaterole AS ok FROM pg_roles WHERE rolname = current_user');
      canManageRoles = r.rows[0]?.ok === true;
    } catch (e) {
      throw this.pools.phrase(e);
    } finally {
      client.release();
    }
    if (this.roles && !canManageRoles) {
      throw new AirlockError('CONNECTION_FAILED', `agent_roles=true needs a user that may create roles (CREATEROLE); '${this.config.user}' may not`);
    }
  }

  async introspect(): Promise<ConnectorTable[]> {
    const client = await this.pools.acquire();
    try {
      const { tables, engine } = await introspectPostgres(client);
      this.engine = engine;
      this.roles?.setTables(tables);
      return tables;
    } finally {
      client.release();
    }
  }

  async read(stmt: CheckedStatement, limits: QueryLimits): Promise<ReadData> {
    const sink = collectingSink();
    return sink.result(await this.stream(stmt, limits, sink));
  }

  async stream(stmt: CheckedStatement, limits: QueryLimits, sink: RowSink, signal?: AbortSignal): Promise<StreamSummary> {
    const values = positional(stmt);
    return this.inTransaction('BEGIN READ ONLY', stmt, limits, signal, async (client) => {
      await this.engineTruth(client, stmt, values);
      const cursor = client.query(new Cursor(stmt.sql, values, { rowMode: 'array', types: PG_TYPES }));
      const budget = new RowBudget(limits.maxRows, limits.maxBytes);
      try {
        for (let n = FIRST_BATCH, first = true; ; n = BATCH, first = false) {
          // One row beyond the cap tells whether the result was cut.
          const want = Math.min(n, budget.remaining + 1);
          const { rows, fields } = await readCursor(cursor, want);
          if (first) await sink.columns(columnsOf(fields));
          const keep: unknown[][] = [];
          for (const r of rows) {
            if (!budget.take(r)) break;
            keep.push(r);
          }
          if (keep.length) await sink.rows(keep);
          if (budget.truncated || rows.length < want) break;
        }
      } finally {
        await cursor.close().catch(() => undefined);
      }
      return budget.summary();
    });
  }

  async write(stmt: CheckedStatement, limits: QueryLimits): Promise<WriteData> {
    const values = positional(stmt);
    return this.inTransaction('BEGIN', stmt, limits, undefined, async (client) => {
      const engine = await this.engineTruth(client, stmt, values);
      for (const t of stmt.analysis.tables) {
        if ((t.write.length > 0 || t.wholeRowWrite) && engine.triggerTables.has(t.table)) {
          throw new AirlockError('STATEMENT_NOT_ALLOWED', `table ${t.table} has triggers, which the guard cannot vet; writes to it are refused`, { layer: 'engine-truth' });
        }
      }
      const r = await client.query({ text: stmt.sql, values, rowMode: 'array', types: PG_TYPES, queryMode: 'extended' } as never);
      const res = r as unknown as { rowCount: number | null; rows: unknown[][]; fields: FieldDef[] };
      const out: WriteData = { rowCount: res.rowCount ?? 0 };
      if (res.fields.length > 0) {
        out.columns = columnsOf(res.fields);
        out.rows = res.rows.slice(0, limits.maxRows);
      }
      return out;
    }, true);
  }

  /** With agent_roles=true: brings the agent's database role in line with its new grants now. */
  async agentGrantsChanged(agent: AgentContext): Promise<void> {
    if (!this.roles) return;
    if (!this.engine) await this.introspect();
    await this.roles.ensure(this.pools, agent);
  }

  async close(): Promise<void> {
    await this.pools.close();
  }

  /** Runs `fn` inside BEGIN … ROLLBACK (or COMMIT), with the statement's time limits and role. */
  private async inTransaction<T>(
    begin: string,
    stmt: CheckedStatement,
    limits: QueryLimits,
    signal: AbortSignal | undefined,
    fn: (client: PgClient) => Promise<T>,
    commit = false,
  ): Promise<T> {
    const role = this.roles && stmt.agent ? await this.roles.ensure(this.pools, stmt.agent) : null;
    const client = await this.pools.acquire();
    const pid = client.processID;
    const deadline = new Deadline(
      limits.timeoutMs,
      () => (pid ? this.pools.cancel(pid) : Promise.resolve()),
      () => (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy(),
      signal,
    );
    let broken = false;
    try {
      // Our own fixed text: the simple protocol may carry several statements here.
      await client.query(
        `${begin}; SET LOCAL statement_timeout = ${Math.max(1, Math.floor(limits.timeoutMs))}; ` +
          `SET LOCAL search_path = pg_catalog, public${role ? `; SET LOCAL ROLE ${role}` : ''}`,
      );
      const out = await fn(client);
      await client.query(commit ? 'COMMIT' : 'ROLLBACK');
      return out;
    } catch (e) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw deadline.error() ?? pgQueryError(e, limits.timeoutMs);
    } finally {
      deadline.clear();
      client.release(broken || deadline.fired);
    }
  }

  /** Layer 3: the plan must touch nothing the parser did not report. */
  private async engineTruth(client: PgClient, stmt: CheckedStatement, values: unknown[]): Promise<PgEngineSchema> {
    if (!this.engine) this.engine = (await introspectPostgres(client)).engine;
    const engine = this.engine;
    const r = await client.query({ text: `EXPLAIN (VERBOSE, FORMAT JSON) ${stmt.sql}`, values, queryMode: 'extended' } as never);
    const plan = ((r as unknown as { rows: { 'QUERY PLAN': { Plan: Record<string, unknown> }[] }[] }).rows[0]?.['QUERY PLAN'] ?? [])[0]?.Plan;
    try {
      if (!plan) throw new EngineTruthError('the server returned no plan', 'EXPLAIN');
      const allowed = FUNCTION_ALLOWLIST.postgres;
      const write = stmt.analysis.action === 'write';
      checkPlan(planTouches(plan, engine.columnsOf), stmt.analysis, engine, (f) => allowed.has(f) || (PG_ENGINE_FUNCTIONS.has(f) && (write || f !== 'nextval')));
    } catch (e) {
      if (e instanceof EngineTruthError) {
        // The detail names objects the agent may not know of: it goes to the audit only.
        throw new AirlockError('STATEMENT_NOT_ALLOWED', `${e.message}; the guard refuses statements it cannot fully account for`, {
          layer: 'engine-truth',
          auditOnly: { engineDetail: e.detail },
        });
      }
      throw e;
    }
    return engine;
  }
}
