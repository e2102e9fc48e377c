/**
 * Connection URLs for PostgreSQL and MySQL: hosts and failover endpoints in order, TLS
 * options, pool limits, and refusals that name the problem without the password.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseServerUrl, tlsOptions } from '../../src/main/connectors/server-url';
import { AirlockError } from '../../src/shared/errors';
import { tempDir } from '../helpers/harness';

function refusal(url: string): string {
  try {
    parseServerUrl(url);
  } catch (e) {
    expect(e).toBeInstanceOf(AirlockError);
    expect((e as AirlockError).code).toBe('CONNECTION_FAILED');
    expect((e as AirlockError).message).not.toContain('S3cret');
    return (e as AirlockError).message;
  }
  throw new Error(`accepted: ${url}`);
}

describe('server URLs', () => {
  it('reads user, password, hosts, database and defaults', () => {
    const c = parseServerUrl('postgres://app:S3cret%40x@db1.internal,db2.internal:6432/sales');
    expect(c).toMatchObject({
      kind: 'postgres',
      user: 'app',
      password: 'S3cret@x',
      database: 'sales',
      endpoints: [
        { host: 'db1.internal', port: 5432 },
        { host: 'db2.internal', port: 6432 },
      ],
      tls: { mode: 'disable' },
      poolMax: 5,
      connectTimeoutMs: 10_000,
      agentPrincipals: 'auto',
    });
    expect(parseServerUrl('mariadb://root@[::1]/shop').endpoints).toEqual([
      { host: '::1', port: 3306 },
    ]);
    expect(parseServerUrl('postgresql://u@h/d').kind).toBe('postgres');
  });

  it('appends failover endpoints after the URL hosts, in order', () => {
    const c = parseServerUrl(
      'mysql://u:S3cret@a:3306/d?failover=b:3307,c&pool_max=12&connect_timeout=3',
    );
    expect(c.endpoints).toEqual([
      { host: 'a', port: 3306 },
      { host: 'b', port: 3307 },
      { host: 'c', port: 3306 },
    ]);
    expect(c.poolMax).toBe(12);
    expect(c.connectTimeoutMs).toBe(3000);
  });

  it('reads TLS options: a CA file implies verify-full', () => {
    const dir = tempDir('airlock-tls-');
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const c = parseServerUrl(`postgres://u@db.internal/d?sslrootcert=${ca}`);
    expect(c.tls.mode).toBe('verify-full');
    expect(c.tls.ca).toContain('BEGIN CERTIFICATE');
    expect(tlsOptions(c.tls, 'db.internal')).toMatchObject({
      rejectUnauthorized: true,
      servername: 'db.internal',
    });
    expect(tlsOptions(parseServerUrl('postgres://u@h/d?sslmode=require').tls, 'h')).toMatchObject({
      rejectUnauthorized: false,
    });
    const verifyCa = tlsOptions(
      parseServerUrl(`postgres://u@h/d?sslmode=verify-ca&sslrootcert=${ca}`).tls,
      'h',
    ) as { checkServerIdentity?: () => unknown };
    expect(verifyCa.checkServerIdentity?.()).toBeUndefined();
    expect(tlsOptions(parseServerUrl('postgres://u@h/d').tls, 'h')).toBeUndefined();
  });

  it.each([
    ['oracle://u:S3cret@h/d', /postgres:\/\/ or mysql:\/\//],
    ['postgres://u:S3cret@h', /names no database/],
    ['postgres://:S3cret@h/d', /names no user/],
    ['postgres://u:S3cret@h/d?sslmod=require', /unknown connection option 'sslmod'/],
    ['postgres://u:S3cret@h/d?sslmode=maybe', /sslmode must be/],
    ['postgres://u:S3cret@h/d?sslmode=require&sslmode=disable', /given twice/],
    ['postgres://u:S3cret@h/d?sslrootcert=/nonexistent/ca.pem', /cannot read the sslrootcert/],
    ['postgres://u:S3cret@h/d?sslcert=/x.pem', /sslcert and sslkey go together/],
    ['postgres://u:S3cret@h:99999/d', /out of range/],
    ['postgres://u:S3cret@h/d?pool_max=0', /pool_max must be/],
    ['mysql://u:S3cret@h/d?agent_roles=true', /PostgreSQL connections only/],
    ['postgres://u:S3cret@h/d?agent_roles=yes', /agent_roles must be true or false/],
    ['not a url S3cret', /not of the form/],
  ])('refuses %s', (url, says) => {
    expect(refusal(url)).toMatch(says);
  });

  it('per-agent principals: auto by default, agent_roles on PostgreSQL, agent_users on MySQL/MariaDB', () => {
    expect(parseServerUrl('postgres://u@h/d').agentPrincipals).toBe('auto');
    expect(parseServerUrl('mysql://u@h/d').agentPrincipals).toBe('auto');
    expect(parseServerUrl('postgres://u@h/d?agent_roles=false').agentPrincipals).toBe('off');
    expect(parseServerUrl('postgres://u@h/d?agent_roles=true').agentPrincipals).toBe('on');
    expect(parseServerUrl('postgres://u@h/d?agent_roles=auto').agentPrincipals).toBe('auto');
    expect(parseServerUrl('mariadb://u@h/d?agent_users=false').agentPrincipals).toBe('off');
    expect(parseServerUrl('mysql://u@h/d?agent_users=true').agentPrincipals).toBe('on');
    expect(refusal('postgres://u@h/d?agent_users=true')).toMatch(
      /agent_users is for MySQL\/MariaDB connections only; PostgreSQL connections use agent_roles/,
    );
    expect(refusal('mysql://u@h/d?agent_users=1')).toMatch(/agent_users must be true or false/);
  });
});
