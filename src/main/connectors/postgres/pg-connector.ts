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
import { EngineTruthError, refuseWritesTo } from '../plan-check';
import { BatchSizer, RowBudget, collectingSink, rowSize } from '../row-budget';
import { parseServerUrl, type ServerConfig } from '../server-url';
import type {
  AgentContext,
  CheckedStatement,
  SqlConnector,
  ConnectorTable,
  QueryLimits,
  ReadData,
  RowSink,
  StreamSummary,
  WriteImages,
  WriteOptions,
  WriteResult,
} from '../types';
import { DEFAULT_CAPTURE_CAP, previewOf } from '../write-images';
import { PgCapture } from './pg-images';
import { revertPg } from './pg-revert';
import { PG_ENGINE_FUNCTIONS, checkPostgresPlans } from './pg-engine-truth';
import { pgQueryError } from './pg-errors';
import { PgPools, type PgClient } from './pg-pool';
import { PgAgentRoles } from './pg-roles';
import type { PrincipalConnector, PrincipalStatus } from '../agent-principals';
import { introspectPostgres, type PgEngineSchema } from './pg-schema';
import { PG_TYPES, typeInfo } from './pg-types';

/** Revert restores at most a capped number of rows by key: a generous fixed limit. */
const REVERT_TIMEOUT_MS = 30_000;

const columnsOf = (fields: FieldDef[]) =>
  fields.map((f) => ({ name: f.name, type: typeInfo(f.dataTypeID).type }));

function positional(stmt: CheckedStatement): unknown[] {
  const p = stmt.params;
  if (p === undefined) return [];
  if (!Array.isArray(p)) {
    throw new AirlockError(
      'VALIDATION_FAILED',
      'PostgreSQL statements take positional parameters ($1, $2, …): send params as an array',
    );
  }
  return p;
}

function readCursor(
  cursor: Cursor,
  n: number,
): Promise<{ rows: unknown[][]; fields: FieldDef[]; rowCount: number | null }> {
  return new Promise((resolve, reject) => {
    cursor.read(n, (err, rows, result) =>
      err ? reject(err) : resolve({ rows, fields: result.fields, rowCount: result.rowCount }),
    );
  });
}

/**
 * A cursor that puts each row through the budget as it arrives from the server, before
 * pg-cursor adds it to the batch: rows past a cap are dropped on arrival, so a batch never
 * holds more than the cap, and at worst one oversized row is in memory at a time.
 */
class BudgetCursor extends Cursor {
  failure: unknown = null;

  constructor(
    text: string,
    values: unknown[],
    private readonly budget: RowBudget,
    private readonly sizer: BatchSizer,
  ) {
    super(text, values, { rowMode: 'array', types: PG_TYPES });
  }

  override handleDataRow(msg: { fields: unknown[] }): void {
    if (this.failure !== null || this.budget.truncated) return;
    const row = this._result.parseRow(msg.fields);
    const size = rowSize(row);
    this.sizer.observe(size);
    try {
      if (this.budget.take(row, size)) this._rows?.push(row);
    } catch (e) {
      // Thrown here it would surface in the driver's message loop: kept for the reader.
      this.failure = e;
    }
  }
}

export class PostgresConnector implements SqlConnector, PrincipalConnector {
  readonly kind = 'postgres' as const;
  readonly dialect = 'postgres' as const;
  readonly defaultSchema = 'public';

  get poolSize(): number {
    return this.config.poolMax;
  }
  private readonly config: ServerConfig;
  private readonly pools: PgPools;
  private engine: PgEngineSchema | null = null;
  readonly roles: PgAgentRoles;

  constructor(url: string) {
    this.config = parseServerUrl(url);
    if (this.config.kind !== 'postgres')
      throw new AirlockError('CONNECTION_FAILED', 'this is not a PostgreSQL URL');
    this.pools = new PgPools(this.config);
    this.roles = new PgAgentRoles(
      this.config.database,
      this.config.agentPrincipals,
      this.config.user,
    );
  }

  async test(): Promise<void> {
    const client = await this.pools.acquire();
    try {
      await client.query('SELECT 1');
    } catch (e) {
      throw this.pools.phrase(e);
    } finally {
      client.release();
    }
    // With agent_roles=true, fails unless the account may keep the roles.
    await this.roles.resolve(this.pools);
  }

  /** Whether agents run under their own database roles here, and if not, why. */
  principalStatus(): Promise<PrincipalStatus> {
    return this.roles.resolve(this.pools);
  }

  async agentRemoved(agentId: string): Promise<void> {
    if ((await this.roles.resolve(this.pools)).active) await this.roles.drop(this.pools, agentId);
  }

  async introspect(): Promise<ConnectorTable[]> {
    const client = await this.pools.acquire();
    try {
      const { tables, engine } = await introspectPostgres(client);
      this.engine = engine;
      this.roles.setTables(tables);
      return tables;
    } finally {
      client.release();
    }
  }

  async read(stmt: CheckedStatement, limits: QueryLimits): Promise<ReadData> {
    const sink = collectingSink();
    return sink.result(await this.stream(stmt, limits, sink));
  }

  async stream(
    stmt: CheckedStatement,
    limits: QueryLimits,
    sink: RowSink,
    signal?: AbortSignal,
  ): Promise<StreamSummary> {
    const values = positional(stmt);
    return this.inTransaction('BEGIN READ ONLY', stmt, limits, signal, async (client) => {
      await this.engineTruth(client, stmt, values);
      const budget = new RowBudget(limits.maxRows, limits.maxBytes);
      const sizer = new BatchSizer();
      const cursor = client.query(new BudgetCursor(stmt.sql, values, budget, sizer));
      try {
        for (let first = true; ; first = false) {
          // One row beyond the cap tells whether the result was cut; the batch is sized by
          // the bytes rows have taken so far, so large values come a few at a time.
          const want = Math.min(sizer.next(), budget.remaining + 1);
          const before = budget.rowCount;
          const { rows, fields } = await readCursor(cursor, want);
          if (cursor.failure !== null) throw cursor.failure;
          if (first) await sink.columns(columnsOf(fields));
          if (rows.length) await sink.rows(rows);
          // Rows dropped past a cap still count as received: the batch came back short only at the end.
          const received = budget.truncated ? want : budget.rowCount - before;
          if (budget.truncated || received < want) break;
        }
      } finally {
        await cursor.close().catch(() => undefined);
      }
      return budget.summary();
    });
  }

  async write(
    stmt: CheckedStatement,
    limits: QueryLimits,
    opts: WriteOptions = {},
  ): Promise<WriteResult> {
    const values = positional(stmt);
    const capture =
      opts.dryRun || opts.captureCap !== undefined
        ? new PgCapture(stmt.sql, values, stmt.analysis, opts.captureCap ?? DEFAULT_CAPTURE_CAP)
        : null;
    return this.inTransaction(
      'BEGIN',
      stmt,
      limits,
      undefined,
      async (client, role) => {
        const engine = await this.engineTruth(client, stmt, values);
        refuseWritesTo(stmt.analysis, engine.triggerTables, 'triggers');
        // The capture reads whole rows, columns the agent may not see included: it runs as the
        // connection's own account, in this transaction, and only the officer sees it.
        if (capture) await this.asOwnAccount(client, role, () => capture.beforeWrite(client));
        // RETURNING rows come through the same budgeted cursor as a read: rows past the caps
        // are dropped as they arrive, never held, and the write is read to its end for its count.
        const budget = new RowBudget(limits.maxRows, limits.maxBytes);
        const sizer = new BatchSizer();
        const cursor = client.query(new BudgetCursor(stmt.sql, values, budget, sizer));
        const rows: unknown[][] = [];
        let fields: FieldDef[] = [];
        let rowCount = 0;
        try {
          do {
            const r = await readCursor(cursor, sizer.next());
            if (cursor.failure !== null) throw cursor.failure;
            for (const row of r.rows) rows.push(row);
            fields = r.fields;
            rowCount = r.rowCount ?? rowCount;
          } while (cursor.state !== 'done');
        } finally {
          await cursor.close().catch(() => undefined);
        }
        const out: WriteResult = { rowCount };
        if (fields.length > 0) {
          out.columns = columnsOf(fields);
          out.rows = rows;
        }
        if (capture) {
          const c = await this.asOwnAccount(client, role, () =>
            capture.afterWrite(client, rowCount),
          );
          out.preview = previewOf(c, !opts.dryRun);
        }
        return out;
      },
      !opts.dryRun,
    );
  }

  /**
   * Undoes a write from its images in one transaction, as the connection's own account:
   * REVERT_CONFLICT (nothing restored) when a row is no longer as the write left it.
   */
  async revert(images: WriteImages): Promise<{ rowCount: number }> {
    return this.inTransaction(
      'BEGIN',
      {},
      { maxRows: 0, maxBytes: 0, timeoutMs: REVERT_TIMEOUT_MS },
      undefined,
      (client) => revertPg(client, images),
      true,
    );
  }

  /** Runs `fn` as the connection's account, inside the agent's transaction, then back as the agent. */
  private async asOwnAccount<T>(
    client: PgClient,
    role: string | null,
    fn: () => Promise<T>,
  ): Promise<T> {
    if (role) await client.query('SET LOCAL ROLE NONE');
    const out = await fn();
    if (role) await client.query(`SET LOCAL ROLE ${role}`);
    return out;
  }

  /** With agent roles in use: brings the agent's database role in line with its new grants now. */
  async agentGrantsChanged(agent: AgentContext): Promise<void> {
    if (!(await this.roles.resolve(this.pools)).active) return;
    if (!this.engine) await this.introspect();
    await this.roles.ensure(this.pools, agent);
  }

  async close(): Promise<void> {
    await this.pools.close();
  }

  /**
   * Runs `fn` inside BEGIN … ROLLBACK (or COMMIT), with the time limits and the agent's role
   * (none without an agent: the connection's own account).
   */
  private async inTransaction<T>(
    begin: string,
    stmt: Partial<Pick<CheckedStatement, 'agent' | 'sql'>>,
    limits: QueryLimits,
    signal: AbortSignal | undefined,
    fn: (client: PgClient, role: string | null) => Promise<T>,
    commit = false,
  ): Promise<T> {
    // Agents run under their own role; analysts (no agent) as the connection's account.
    if (stmt.agent && !this.engine) await this.introspect();
    const role = stmt.agent ? await this.roles.roleFor(this.pools, stmt.agent) : null;
    const client = await this.pools.acquire();
    const pid = client.processID;
    const deadline = new Deadline(
      limits.timeoutMs,
      () => (pid ? this.pools.cancel(pid) : Promise.resolve()),
      () =>
        (
          client as unknown as { connection: { stream: { destroy(): void } } }
        ).connection.stream.destroy(),
      signal,
    );
    let broken = false;
    try {
      // Our own fixed text: the simple protocol may carry several statements here.
      await client.query(
        `${begin}; SET LOCAL statement_timeout = ${Math.max(1, Math.floor(limits.timeoutMs))}; ` +
          `SET LOCAL search_path = pg_catalog, public${role ? `; SET LOCAL ROLE ${role}` : ''}`,
      );
      const out = await fn(client, role);
      await client.query(commit ? 'COMMIT' : 'ROLLBACK');
      return out;
    } catch (e) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw deadline.error() ?? pgQueryError(e, limits.timeoutMs, stmt.sql);
    } finally {
      deadline.clear();
      client.release(broken || deadline.fired);
    }
  }

  /** Layer 3: the plan must touch nothing the parser did not report. */
  private async engineTruth(
    client: PgClient,
    stmt: CheckedStatement,
    values: unknown[],
  ): Promise<PgEngineSchema> {
    if (!this.engine) this.engine = (await introspectPostgres(client)).engine;
    const engine = this.engine;
    const r = await client.query({
      text: `EXPLAIN (VERBOSE, FORMAT JSON) ${stmt.sql}`,
      values,
      queryMode: 'extended',
    } as never);
    try {
      const allowed = FUNCTION_ALLOWLIST.postgres;
      const write = stmt.analysis.action === 'write';
      // Every plan EXPLAIN returns (rules add plans), by identity: see pg-engine-truth.ts.
      await checkPostgresPlans(
        (r as unknown as { rows: unknown[] }).rows,
        stmt,
        engine,
        (f) => allowed.has(f) || (PG_ENGINE_FUNCTIONS.has(f) && (write || f !== 'nextval')),
      );
    } catch (e) {
      if (e instanceof EngineTruthError) {
        // The detail names objects the agent may not know of: it goes to the audit only.
        throw new AirlockError(
          'STATEMENT_NOT_ALLOWED',
          `${e.message}; the guard refuses statements it cannot fully account for`,
          {
            layer: 'engine-truth',
            auditOnly: { engineDetail: e.detail },
          },
        );
      }
      throw e;
    }
    return engine;
  }
}
