/**
 * The database servers the integration tests need (PostgreSQL and MariaDB on 127.0.0.1).
 * A suite that needs one runs against the real server. When the server is unreachable the
 * suite fails under AIRLOCK_REQUIRE_SERVICES=1 (CI), and otherwise skips with the reason.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { describe, it } from 'vitest';

export type ServiceKind = 'postgres' | 'mysql';

/** Base URLs without a database; override with AIRLOCK_TEST_PG_URL / AIRLOCK_TEST_MYSQL_URL. */
export const SERVICE_URL: Record<ServiceKind, string> = {
  postgres: process.env.AIRLOCK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432',
  mysql: process.env.AIRLOCK_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306',
};

export const SERVICE_LABEL: Record<ServiceKind, string> = {
  postgres: 'PostgreSQL',
  mysql: 'MariaDB/MySQL',
};

export const servicesRequired = () => process.env.AIRLOCK_REQUIRE_SERVICES === '1';

/** The URL of database `db` on the test server. */
export const serviceUrl = (kind: ServiceKind, db: string) => `${SERVICE_URL[kind]}/${db}`;

/** null when the server answers, else why not. */
export async function probe(kind: ServiceKind): Promise<string | null> {
  try {
    if (kind === 'postgres') {
      const c = new pg.Client({
        connectionString: serviceUrl('postgres', 'postgres'),
        connectionTimeoutMillis: 3000,
      });
      await c.connect();
      await c.end();
    } else {
      const c = await mysql.createConnection({ uri: SERVICE_URL.mysql, connectTimeout: 3000 });
      await c.end();
    }
    return null;
  } catch (e) {
    return `${SERVICE_LABEL[kind]} at ${SERVICE_URL[kind]} is unreachable: ${(e as Error).message}`;
  }
}

const probes = new Map<ServiceKind, Promise<string | null>>();
export const probeOnce = (kind: ServiceKind) => {
  let p = probes.get(kind);
  if (!p) probes.set(kind, (p = probe(kind)));
  return p;
};

/**
 * `describe` for a suite that needs `kind`. Call with top-level await:
 * `await describeWithService('postgres', 'PostgreSQL connector', () => { … })`.
 */
export async function describeWithService(
  kind: ServiceKind,
  name: string,
  body: () => void,
): Promise<void> {
  const down = await probeOnce(kind);
  if (down === null) {
    describe(name, body);
  } else if (servicesRequired()) {
    describe(name, () => {
      it(`needs ${SERVICE_LABEL[kind]} (AIRLOCK_REQUIRE_SERVICES=1)`, () => {
        throw new Error(down);
      });
    });
  } else {
    describe.skip(
      `${name} — skipped: ${down} (set AIRLOCK_REQUIRE_SERVICES=1 to make this a failure)`,
      body,
    );
  }
}
