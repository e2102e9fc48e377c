/**
 * Connections to one MySQL or MariaDB server: a bounded pool per endpoint, endpoints tried in
 * order (failover), every session set up the same way (UTC, a fixed sql_mode without
 * ANSI_QUOTES, one statement per call), failures phrased for a person, and `KILL QUERY`
 * from a second connection to stop a statement on the server.
 */
import mysql from 'mysql2/promise';
import type { Pool, PoolConnection } from 'mysql2/promise';
import { AirlockError } from '../../../shared/errors';
import { connectFailure, isEndpointFailure } from '../connect-errors';
import { describeEndpoint, tlsOptions, type Endpoint, type ServerConfig } from '../server-url';

/**
 * The guard's lexer and parser assume this mode: "…" is a string (no ANSI_QUOTES), || is OR
 * (no PIPES_AS_CONCAT), backslash escapes as documented (no NO_BACKSLASH_ESCAPES).
 */
export const SESSION_SQL_MODE =
  'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_IN_DATE,NO_ZERO_DATE';

const SERVER_REASONS: Record<string, (c: ServerConfig) => string> = {
  ER_ACCESS_DENIED_ERROR: (c) =>
    `authentication failed for user '${c.user}': check the user name and password`,
  ER_DBACCESS_DENIED_ERROR: (c) => `user '${c.user}' may not use database '${c.database}'`,
  ER_BAD_DB_ERROR: (c) => `database '${c.database}' does not exist on the server`,
  ER_HOST_NOT_PRIVILEGED: () =>
    'the server does not accept connections from this host for that user',
  ER_CON_COUNT_ERROR: () => 'the server has no free connection slots',
  HANDSHAKE_NO_SSL_SUPPORT: () =>
    'the server does not accept TLS connections; use sslmode=disable if that is intended',
  ER_SECURE_TRANSPORT_REQUIRED: () =>
    'the server requires TLS for this connection; add sslmode=require (or verify-full with sslrootcert)',
};

export class MysqlPools {
  private readonly pools: (Pool | null)[];
  private current = 0;
  /** MariaDB or MySQL: their timeout variables and EXPLAIN syntax differ. */
  mariadb: boolean | null = null;

  constructor(private readonly config: ServerConfig) {
    this.pools = config.endpoints.map(() => null);
  }

  get endpoint(): Endpoint {
    return this.config.endpoints[this.current]!;
  }

  private options(e: Endpoint): mysql.ConnectionOptions {
    const ssl = tlsOptions(this.config.tls, e.host);
    return {
      host: e.host,
      port: e.port,
      user: this.config.user,
      password: this.config.password,
      database: this.config.database,
      ...(ssl ? { ssl } : {}),
      connectTimeout: this.config.connectTimeoutMs,
      multipleStatements: false,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      timezone: 'Z',
      charset: 'utf8mb4_general_ci',
      // Server-side prepared statements are closed when evicted from this cache.
      maxPreparedStatements: 64,
    };
  }

  private pool(i: number): Pool {
    let p = this.pools[i];
    if (!p) {
      p = mysql.createPool({
        ...this.options(this.config.endpoints[i]!),
        connectionLimit: this.config.poolMax,
        maxIdle: this.config.poolMax,
        idleTimeout: 30_000,
        queueLimit: 0,
      });
      // Each new session is set up before it serves anything (commands on a connection run in order).
      p.pool.on('connection', (c) => {
        c.query(
          `SET SESSION time_zone = '+00:00', sql_mode = '${SESSION_SQL_MODE}', character_set_results = 'utf8mb4'`,
          () => undefined,
        );
      });
      this.pools[i] = p;
    }
    return p;
  }

  private closed = false;

  async acquire(): Promise<PoolConnection> {
    if (this.closed) throw new AirlockError('CONNECTION_FAILED', 'the connection is closed');
    const n = this.config.endpoints.length;
    let last: unknown = null;
    for (let k = 0; k < n; k++) {
      const i = (this.current + k) % n;
      try {
        const conn = await this.pool(i).getConnection();
        this.current = i;
        if (this.mariadb === null) {
          const [rows] = await conn.query('SELECT VERSION() AS v');
          this.mariadb = /mariadb/i.test(String((rows as { v: string }[])[0]?.v));
        }
        return conn;
      } catch (e) {
        last = e;
        if (!isEndpointFailure(e)) throw this.phrase(e, i);
      }
    }
    const err = this.phrase(last, (this.current + n - 1) % n);
    if (n > 1) {
      throw new AirlockError(
        'CONNECTION_FAILED',
        `${err.message} (tried ${n} endpoints: ${this.config.endpoints.map(describeEndpoint).join(', ')})`,
        err.details,
      );
    }
    throw err;
  }

  phrase(e: unknown, i = this.current): AirlockError {
    const c = this.config;
    return connectFailure(
      e,
      {
        label: 'MySQL/MariaDB',
        endpoint: c.endpoints[i]!,
        user: c.user,
        database: c.database,
        password: c.password,
        tlsMode: c.tls.mode,
      },
      (err) => {
        const code = typeof err.code === 'string' ? err.code : '';
        if (SERVER_REASONS[code]) return SERVER_REASONS[code]!(c);
        if (/insecure transport/i.test(err.message ?? ''))
          return SERVER_REASONS.ER_SECURE_TRANSPORT_REQUIRED!(c);
        if (/server does not support secure connection/i.test(err.message ?? ''))
          return SERVER_REASONS.HANDSHAKE_NO_SSL_SUPPORT!(c);
        return null;
      },
    );
  }

  /** Stops the statement running on connection `threadId`, from a connection of its own. */
  async kill(threadId: number): Promise<void> {
    const c = await mysql.createConnection({
      ...this.options(this.endpoint),
      connectTimeout: 5000,
    });
    try {
      await c.query(`KILL QUERY ${Math.floor(threadId)}`);
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.pools.map((p) => p?.end().catch(() => undefined)));
    this.pools.fill(null);
  }
}
