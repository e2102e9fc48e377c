/**
 * Connections to one PostgreSQL server: a bounded pool per endpoint, endpoints tried in
 * order (failover), session settings fixed in the startup packet, failures phrased for a
 * person, and cancellation of a running statement from a second connection.
 */
import pg from 'pg';
import { AirlockError } from '../../../shared/errors';
import { connectFailure, isEndpointFailure } from '../connect-errors';
import { describeEndpoint, tlsOptions, type Endpoint, type ServerConfig } from '../server-url';
import { SESSION_OPTIONS } from './pg-types';

/** Connections that already carry their own error listener (added once, at first checkout). */
const guarded = new WeakSet<object>();

export type PgClient = pg.PoolClient & { processID?: number };

const SERVER_REASONS: Record<string, (c: ServerConfig) => string> = {
  '28P01': (c) => `authentication failed for user '${c.user}': check the user name and password`,
  '28000': (c) =>
    `the server refused user '${c.user}' (no such role, or pg_hba.conf does not allow this connection)`,
  '3D000': (c) => `database '${c.database}' does not exist on the server`,
  '53300': () => 'the server has no free connection slots',
  '57P03': () => 'the server is starting up or shutting down',
};

export class PgPools {
  private readonly pools: (pg.Pool | null)[];
  /** The endpoint that answered last; tried first next time. */
  private current = 0;

  constructor(private readonly config: ServerConfig) {
    this.pools = config.endpoints.map(() => null);
  }

  get endpoint(): Endpoint {
    return this.config.endpoints[this.current]!;
  }

  private clientConfig(e: Endpoint): pg.ClientConfig {
    const ssl = tlsOptions(this.config.tls, e.host);
    return {
      host: e.host,
      port: e.port,
      user: this.config.user,
      password: this.config.password,
      database: this.config.database,
      ssl: ssl ?? false,
      connectionTimeoutMillis: this.config.connectTimeoutMs,
      application_name: 'airlock',
      options: SESSION_OPTIONS,
    };
  }

  private pool(i: number): pg.Pool {
    let p = this.pools[i];
    if (!p) {
      p = new pg.Pool({
        ...this.clientConfig(this.config.endpoints[i]!),
        max: this.config.poolMax,
        idleTimeoutMillis: 30_000,
      });
      // An idle connection that breaks is dropped by the pool; without a listener it would crash the process.
      p.on('error', () => undefined);
      this.pools[i] = p;
    }
    return p;
  }

  /** A connection from the first endpoint that answers, starting with the last one that did. */
  private closed = false;

  async acquire(): Promise<PgClient> {
    if (this.closed) throw new AirlockError('CONNECTION_FAILED', 'the connection is closed');
    const n = this.config.endpoints.length;
    let last: unknown = null;
    for (let k = 0; k < n; k++) {
      const i = (this.current + k) % n;
      try {
        const client = (await this.pool(i).connect()) as PgClient;
        // The pool listens for errors only while a connection is idle. One that breaks while
        // checked out (the server terminated it, the database was dropped) fails its query;
        // without a listener of its own it would also crash the process.
        if (!guarded.has(client)) {
          client.on('error', () => undefined);
          guarded.add(client);
        }
        this.current = i;
        return client;
      } catch (e) {
        last = e;
        if (/timeout exceeded when trying to connect/i.test((e as Error).message)) {
          throw new AirlockError(
            'QUERY_TIMEOUT',
            `all ${this.config.poolMax} connections of this connection's pool are busy; try again shortly (or raise pool_max)`,
          );
        }
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
        label: 'PostgreSQL',
        endpoint: c.endpoints[i]!,
        user: c.user,
        database: c.database,
        password: c.password,
        tlsMode: c.tls.mode,
      },
      (err) => {
        const code = typeof err.code === 'string' ? err.code : '';
        if (SERVER_REASONS[code]) return SERVER_REASONS[code]!(c);
        if (/does not support SSL/i.test(err.message ?? '')) {
          return `the server at ${describeEndpoint(c.endpoints[i]!)} does not accept TLS connections; use sslmode=disable if that is intended`;
        }
        if (/no pg_hba\.conf entry.*no encryption/i.test(err.message ?? '')) {
          return 'the server requires TLS for this connection; add sslmode=require (or verify-full with sslrootcert)';
        }
        return null;
      },
    );
  }

  /**
   * Cancels the statement running on backend `pid`, from a connection of its own (the pool
   * may be exhausted): the server stops the query, not just our wait for it.
   */
  async cancel(pid: number): Promise<void> {
    const c = new pg.Client({ ...this.clientConfig(this.endpoint), connectionTimeoutMillis: 5000 });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.query('SELECT pg_cancel_backend($1)', [pid]);
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
