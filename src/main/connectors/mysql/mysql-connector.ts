/**
 * MySQL and MariaDB behind the guard. Every agent statement is a server-side prepared
 * statement (`execute`: one statement per call, parameters bound by the server), in a
 * transaction of its own (`START TRANSACTION READ ONLY` for reads, always rolled back),
 * under the server's statement time limit (MariaDB `max_statement_time`, MySQL
 * `max_execution_time`) and a client deadline that runs `KILL QUERY` from another
 * connection. Before it runs, the engine's plans must touch nothing the parser did not
 * report. Reads stream row by row under row and byte caps.
 */
import type { PoolConnection } from 'mysql2/promise';
import { AirlockError } from '../../../shared/errors';
import { FUNCTION_ALLOWLIST } from '../../guard/functions';
import { Deadline } from '../deadline';
import { EngineTruthError, checkPlan, refuseWritesTo } from '../plan-check';
import { RowBudget, collectingSink } from '../row-budget';
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
import { MysqlCapture } from './mysql-images';
import { revertMysql } from './mysql-revert';
import {
  MYSQL_ENGINE_FUNCTIONS,
  checkWrittenTableReads,
  optimizerTrace,
  planFoldsConstants,
  readJsonPlan,
  readRewrite,
  readTrace,
} from './mysql-engine-truth';
import { mysqlQueryError } from './mysql-errors';
import { MysqlPools } from './mysql-pool';
import { MysqlAgentUsers } from './mysql-users';
import type { PrincipalConnector, PrincipalStatus } from '../agent-principals';
import { introspectMysql, type MysqlEngineSchema } from './mysql-schema';
import { MysqlRowStream, type CoreConnection } from './mysql-row-stream';

/** Revert restores at most a capped number of rows by key: a generous fixed limit. */
const REVERT_TIMEOUT_MS = 30_000;

function positional(stmt: CheckedStatement): unknown[] {
  const p = stmt.params;
  if (p === undefined) return [];
  if (!Array.isArray(p)) {
    throw new AirlockError(
      'VALIDATION_FAILED',
      'MySQL statements take positional parameters (?): send params as an array',
    );
  }
  return p;
}

/**
 * MariaDB prints string values inside the JSON plan with MySQL escapes (\'), which JSON does
 * not have: turn an escaped quote back into a plain one before parsing.
 */
function parsePlanJson(text: string): unknown {
  try {
    return JSON.parse(text.replace(/(^|[^\\])((?:\\\\)*)\\'/g, "$1$2'"));
  } catch {
    throw new EngineTruthError(
      'the server described the statement in a form the guard cannot read',
      'EXPLAIN FORMAT=JSON',
    );
  }
}

export class MysqlConnector implements SqlConnector, PrincipalConnector {
  readonly kind = 'mysql' as const;
  readonly dialect = 'mysql' as const;
  readonly defaultSchema = null;

  get poolSize(): number {
    return this.config.poolMax;
  }
  private readonly config: ServerConfig;
  private readonly pools: MysqlPools;
  private readonly users: MysqlAgentUsers;
  private engine: MysqlEngineSchema | null = null;

  constructor(url: string) {
    this.config = parseServerUrl(url);
    if (this.config.kind !== 'mysql')
      throw new AirlockError('CONNECTION_FAILED', 'this is not a MySQL/MariaDB URL');
    this.pools = new MysqlPools(this.config);
    this.users = new MysqlAgentUsers(this.config);
  }

  async test(): Promise<void> {
    const conn = await this.pools.acquire();
    try {
      await conn.query('SELECT 1');
    } catch (e) {
      throw this.pools.phrase(e);
    } finally {
      conn.release();
    }
    // With agent_users=true, fails unless the account may keep the users.
    await this.users.resolve(this.pools);
  }

  /** Whether agents run as their own database users here, and if not, why. */
  principalStatus(): Promise<PrincipalStatus> {
    return this.users.resolve(this.pools);
  }

  async agentRemoved(agentId: string): Promise<void> {
    if ((await this.users.resolve(this.pools)).active) await this.users.drop(this.pools, agentId);
  }

  /** With agent users in use: brings the agent's database user in line with its new grants now. */
  async agentGrantsChanged(agent: AgentContext): Promise<void> {
    await this.agentPools(agent);
  }

  /** The agent's own pool (its user in line with its grants), or null when agent users are not in use. */
  private async agentPools(agent: AgentContext): Promise<MysqlPools | null> {
    // The tables (and the engine schema) come from the connection's own account, which sees them all.
    if (!this.engine) await this.introspect();
    return this.users.poolFor(this.pools, agent);
  }

  async introspect(): Promise<ConnectorTable[]> {
    const conn = await this.pools.acquire();
    try {
      const { tables, engine } = await introspectMysql(conn);
      this.engine = engine;
      this.users.setTables(tables);
      return tables;
    } finally {
      conn.release();
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
    return this.inTransaction(true, limits, signal, stmt.agent, async (conn, deadline) => {
      await this.engineTruth(conn, stmt, values);
      const core = (conn as unknown as { connection: CoreConnection }).connection;
      const budget = new RowBudget(limits.maxRows, limits.maxBytes);
      const rows = new MysqlRowStream(core, stmt.sql, values, budget);
      try {
        for (let first = true; ; first = false) {
          const { rows: batch, last } = await rows.next();
          if (first) await sink.columns(rows.columns.map(({ name, type }) => ({ name, type })));
          if (batch.length) await sink.rows(batch);
          if (last) break;
        }
      } catch (e) {
        // A cap refused a row or the client went away: the server is still sending, stop it.
        rows.release();
        if (!rows.finished) await deadline.stopEarly();
        throw e;
      }
      rows.release();
      if (budget.truncated && !rows.finished) {
        // The server is still sending the rest: stop the statement instead of draining it.
        await deadline.stopEarly();
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
        ? new MysqlCapture(stmt.sql, values, stmt.analysis, opts.captureCap ?? DEFAULT_CAPTURE_CAP)
        : null;
    // The table's shape comes from the connection's own account (an agent's user may see less).
    let rollsBack = true;
    if (capture) {
      const admin = await this.pools.acquire();
      try {
        rollsBack = await capture.prepare(admin);
      } catch (e) {
        throw mysqlQueryError(e, limits.timeoutMs);
      } finally {
        admin.release();
      }
    }
    if (capture && opts.dryRun && !rollsBack) return this.countedDryRun(stmt, limits, capture);
    return this.writeTransaction(stmt, limits, !opts.dryRun, async (conn) => {
      if (capture && rollsBack) await capture.beforeWrite(conn);
      const [result] = await conn.execute({
        sql: stmt.sql,
        values: values as never,
        rowsAsArray: true,
      });
      const r = result as { affectedRows?: number; insertId?: number };
      const out: WriteResult = { rowCount: r.affectedRows ?? 0 };
      if (capture) {
        const admin = capture.needsOutsideRead() ? await this.pools.acquire() : null;
        try {
          if (admin) await capture.beforeFromOutside(admin, out.rowCount);
        } finally {
          admin?.release();
        }
        const c = await capture.afterWrite(conn, r, async () => {
          const [v] = await conn.query(
            'SELECT @@innodb_autoinc_lock_mode AS mode, @@auto_increment_increment AS step',
          );
          const row = (v as { mode: number; step: number }[])[0]!;
          return { mode: Number(row.mode), step: Number(row.step) };
        });
        out.preview = previewOf(c, !opts.dryRun);
      }
      return out;
    });
  }

  /**
   * A read-write transaction for a write, kept only when `commit`: the engine-truth layer and
   * its refusal of tables with triggers run before `fn`.
   */
  private writeTransaction<T>(
    stmt: CheckedStatement,
    limits: QueryLimits,
    commit: boolean,
    fn: (conn: PoolConnection) => Promise<T>,
  ): Promise<T> {
    return this.inTransaction(
      false,
      limits,
      undefined,
      stmt.agent,
      async (conn) => {
        const engine = await this.engineTruth(conn, stmt, positional(stmt));
        refuseWritesTo(stmt.analysis, engine.triggerTables, 'triggers');
        return fn(conn);
      },
      commit,
    );
  }

  /**
   * A dry run on a table that cannot roll back (not InnoDB): the write is never executed; the
   * rows its WHERE matches are counted and read instead, or the preview is refused.
   */
  private countedDryRun(
    stmt: CheckedStatement,
    limits: QueryLimits,
    capture: MysqlCapture,
  ): Promise<WriteResult> {
    // Read-write so that EXPLAIN takes the write; it is rolled back and never executed.
    return this.writeTransaction(stmt, limits, false, async (conn) => {
      const n = await capture.beforeWrite(conn, false);
      const c = n === null ? null : capture.counted(n);
      if (!c) {
        throw new AirlockError(
          'STATEMENT_NOT_ALLOWED',
          'the written table is not transactional (not InnoDB), so a dry run cannot roll back, and this write cannot be counted by a SELECT of its WHERE; no preview is possible',
          { layer: 'request' },
        );
      }
      return { rowCount: n!, preview: previewOf(c, false) };
    });
  }

  /**
   * Undoes a write from its images in one transaction, as the connection's own account:
   * REVERT_CONFLICT (nothing restored) when a row is no longer as the write left it.
   */
  async revert(images: WriteImages): Promise<{ rowCount: number }> {
    return this.inTransaction(
      false,
      { maxRows: 0, maxBytes: 0, timeoutMs: REVERT_TIMEOUT_MS },
      undefined,
      undefined,
      (conn) => revertMysql(conn, images),
    );
  }

  async close(): Promise<void> {
    await this.users.close();
    await this.pools.close();
  }

  private async inTransaction<T>(
    readOnly: boolean,
    limits: QueryLimits,
    signal: AbortSignal | undefined,
    agent: AgentContext | undefined,
    fn: (conn: PoolConnection, deadline: { stopEarly(): Promise<void> }) => Promise<T>,
    commit = !readOnly,
  ): Promise<T> {
    // Agents run as their own database user; analysts (no agent) as the connection's account.
    const pools = (agent && (await this.agentPools(agent))) || this.pools;
    const conn = await pools.acquire();
    const threadId = conn.threadId;
    const deadline = new Deadline(
      limits.timeoutMs,
      () => this.pools.kill(threadId),
      () => conn.destroy(),
      signal,
    );
    let broken = false;
    let stopped = false;
    const stopEarly = async () => {
      stopped = true;
      await this.pools.kill(threadId).catch(() => (broken = true));
    };
    try {
      const ms = Math.max(1, Math.floor(limits.timeoutMs));
      await conn.query(
        this.pools.mariadb
          ? `SET SESSION max_statement_time = ${ms / 1000}`
          : `SET SESSION max_execution_time = ${ms}`,
      );
      await conn.query(readOnly ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION READ WRITE');
      const out = await fn(conn, { stopEarly });
      await conn.query(commit ? 'COMMIT' : 'ROLLBACK');
      return out;
    } catch (e) {
      try {
        await conn.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw deadline.error() ?? mysqlQueryError(e, limits.timeoutMs);
    } finally {
      deadline.clear();
      if (broken || deadline.fired || stopped) conn.destroy();
      else conn.release();
    }
  }

  /**
   * The optimizer trace of a folded plan. The server withholds it from an account with column
   * privileges only (a per-agent user), so it is then taken again on the connection's own
   * account: the trace is the statement's names, resolved, and the agent's account has just
   * been allowed to EXPLAIN the same statement.
   */
  private async trace(conn: PoolConnection, sql: string, values: unknown[]) {
    const own = await optimizerTrace(conn, sql, values);
    if (!own?.insufficientPrivileges) return own;
    const admin = await this.pools.acquire();
    try {
      return await optimizerTrace(admin, sql, values);
    } finally {
      admin.release();
    }
  }

  /** Layer 3: the plans must touch nothing the parser did not report. */
  private async engineTruth(
    conn: PoolConnection,
    stmt: CheckedStatement,
    values: unknown[],
  ): Promise<MysqlEngineSchema> {
    if (!this.engine) this.engine = (await introspectMysql(conn)).engine;
    const engine = this.engine;
    const [jsonRows] = await conn.execute({
      sql: `EXPLAIN FORMAT=JSON ${stmt.sql}`,
      values: values as never,
    });
    await conn.execute({
      sql: `${this.pools.mariadb ? 'EXPLAIN EXTENDED' : 'EXPLAIN'} ${stmt.sql}`,
      values: values as never,
    });
    const [warnings] = await conn.query('SHOW WARNINGS');
    try {
      const note = (warnings as { Code: number; Message: string }[]).find(
        (w) => w.Code === 1003,
      )?.Message;
      const json = (jsonRows as Record<string, string>[])[0];
      const text = json ? Object.values(json)[0] : undefined;
      if (!note || !text)
        throw new EngineTruthError('the server did not describe the statement', 'EXPLAIN');
      const rewrite = readRewrite(note, engine);
      const plan = parsePlanJson(text);
      readJsonPlan(plan, rewrite);
      // A plan that folded constants hides columns: judge it on the trace's expanded query.
      if (planFoldsConstants(plan)) readTrace(await this.trace(conn, stmt.sql, values), rewrite);
      const allowed = FUNCTION_ALLOWLIST.mysql;
      checkPlan(
        rewrite.touches,
        stmt.analysis,
        engine,
        (f) => allowed.has(f) || MYSQL_ENGINE_FUNCTIONS.has(f),
      );
      checkWrittenTableReads(rewrite.touches, stmt.analysis);
    } catch (e) {
      if (e instanceof EngineTruthError) {
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
