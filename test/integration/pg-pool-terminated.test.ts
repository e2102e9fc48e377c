/**
 * A PostgreSQL connection that the server terminates while Airlock holds it (an operator's
 * pg_terminate_backend, a database dropped WITH (FORCE)) fails its own query and nothing else:
 * the pool listens for errors only on idle connections, and an 'error' with no listener would
 * crash the whole server.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PgPools } from '../../src/main/connectors/postgres/pg-pool';
import { parseServerUrl } from '../../src/main/connectors/server-url';
import { serviceUrl } from '../helpers/services';

describe('PostgreSQL pool: a checked-out connection the server terminates', () => {
  const pools = new PgPools(parseServerUrl(serviceUrl('postgres', 'postgres')));
  afterAll(() => pools.close());

  it('rejects the running query and leaves the process up; the next connection works', async () => {
    const client = await pools.acquire();
    const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    const running = client.query('SELECT pg_sleep(5)').then(
      () => null,
      (e: unknown) => e,
    );
    const admin = new pg.Client({ connectionString: serviceUrl('postgres', 'postgres') });
    await admin.connect();
    try {
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    } finally {
      await admin.end();
    }
    expect(await running).toBeInstanceOf(Error);
    // The 'error' event of the terminated connection has fired by now; with no listener it
    // would have been an uncaught exception, which vitest reports as a failure of this file.
    await new Promise((r) => setTimeout(r, 200));
    client.release(true);
    const again = await pools.acquire();
    try {
      expect((await again.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      again.release();
    }
  });
});
