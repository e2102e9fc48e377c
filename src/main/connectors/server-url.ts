/**
 * Connection URLs for database servers (PostgreSQL, MySQL/MariaDB):
 *
 *   postgres://user:password@host1:5432,host2:5432/dbname?sslmode=verify-full&sslrootcert=/etc/ca.pem
 *   mysql://user:password@db.internal:3306/sales?failover=db2.internal:3306&pool_max=10
 *
 * Several hosts (comma-separated, or the `failover` parameter) are tried in order. Every
 * option is a query parameter, listed in OPTIONS; an unknown one is refused rather than
 * ignored, so a misspelt `sslmode` cannot silently turn TLS off.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { AirlockError } from '../../shared/errors';

export type ServerKind = 'postgres' | 'mysql';

export interface Endpoint {
  host: string;
  port: number;
}

export type SslMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';

export interface TlsSettings {
  mode: SslMode;
  /** PEM contents of the CA file (sslrootcert), client certificate and key, when given. */
  ca?: string;
  cert?: string;
  key?: string;
}

export interface ServerConfig {
  kind: ServerKind;
  user: string;
  password: string;
  database: string;
  endpoints: Endpoint[];
  tls: TlsSettings;
  poolMax: number;
  connectTimeoutMs: number;
  /**
   * Run each agent's statements as its own least-privilege database principal (a PostgreSQL
   * role, `agent_roles`; a MySQL/MariaDB user, `agent_users`). 'auto' (the default): when the
   * account may create them; 'on': required, the connection fails without; 'off': the guard alone.
   */
  agentPrincipals: PrincipalMode;
}

export type PrincipalMode = 'auto' | 'on' | 'off';

/** The URL option that controls per-agent principals on each kind of server. */
export const PRINCIPAL_OPTION: Record<ServerKind, 'agent_roles' | 'agent_users'> = {
  postgres: 'agent_roles',
  mysql: 'agent_users',
};

const DEFAULT_PORT: Record<ServerKind, number> = { postgres: 5432, mysql: 3306 };
const SCHEMES: Record<string, ServerKind> = {
  postgres: 'postgres',
  postgresql: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
};

/** The query parameters a connection URL may carry (documented in README.md). */
export const OPTIONS = [
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'failover',
  'pool_max',
  'connect_timeout',
  'agent_roles',
  'agent_users',
] as const;

const bad = (message: string) => new AirlockError('CONNECTION_FAILED', message);

function decode(s: string, what: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw bad(`the ${what} in the connection URL is not valid percent-encoding`);
  }
}

function parseEndpoint(text: string, kind: ServerKind): Endpoint {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m) throw bad(`'${text}' is not a host or host:port`);
  const port = m[3] ? Number(m[3]) : DEFAULT_PORT[kind];
  if (port < 1 || port > 65535) throw bad(`port ${port} is out of range`);
  return { host: m[1] ?? decode(m[2]!, 'host'), port };
}

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw bad(
      `cannot read the ${what} file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

function intOption(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw bad(`${name} must be a whole number from ${min} to ${max}`);
  return n;
}

/** Parses and checks a server URL. Error messages never contain the password. */
export function parseServerUrl(url: string): ServerConfig {
  const m = /^([a-z]+):\/\/(?:([^@/?#]*)@)?([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?$/i.exec(
    url.trim(),
  );
  if (!m)
    throw bad('the connection URL is not of the form scheme://user:password@host:port/database');
  const kind = SCHEMES[m[1]!.toLowerCase()];
  if (!kind) throw bad(`'${m[1]}://' is not a database server URL (use postgres:// or mysql://)`);
  const [userPart, ...passwordParts] = (m[2] ?? '').split(':');
  const user = decode(userPart ?? '', 'user name');
  const password = decode(passwordParts.join(':'), 'password');
  if (!user) throw bad('the connection URL names no user (postgres://user:password@host/db)');
  const database = decode(m[4] ?? '', 'database name');
  if (!database) throw bad('the connection URL names no database (…@host:port/<database>)');
  if (!m[3]) throw bad('the connection URL names no host');
  const endpoints = m[3].split(',').map((h) => parseEndpoint(h, kind));

  const params = new URLSearchParams(m[5] ?? '');
  const seen = new Set<string>();
  for (const key of params.keys()) {
    if (!(OPTIONS as readonly string[]).includes(key)) {
      throw bad(`unknown connection option '${key}'; the options are ${OPTIONS.join(', ')}`);
    }
    if (seen.has(key)) throw bad(`connection option '${key}' is given twice`);
    seen.add(key);
  }
  const get = (k: (typeof OPTIONS)[number]) => params.get(k) ?? undefined;

  const failover = get('failover');
  if (failover) endpoints.push(...failover.split(',').map((h) => parseEndpoint(h, kind)));

  const rootcert = get('sslrootcert');
  const mode = (get('sslmode') ?? (rootcert ? 'verify-full' : 'disable')) as SslMode;
  if (!['disable', 'require', 'verify-ca', 'verify-full'].includes(mode)) {
    throw bad(`sslmode must be disable, require, verify-ca or verify-full (got '${mode}')`);
  }
  const tls: TlsSettings = { mode };
  if (rootcert) tls.ca = readPem(rootcert, 'sslrootcert (CA certificate)');
  const cert = get('sslcert');
  const key = get('sslkey');
  if ((cert === undefined) !== (key === undefined))
    throw bad('sslcert and sslkey go together: give both or neither');
  if (cert && key) {
    tls.cert = readPem(cert, 'sslcert (client certificate)');
    tls.key = readPem(key, 'sslkey (client key)');
  }
  if (mode === 'disable' && (tls.ca || tls.cert))
    throw bad('sslmode=disable contradicts the TLS certificate options');

  const option = PRINCIPAL_OPTION[kind];
  const other = option === 'agent_roles' ? 'agent_users' : 'agent_roles';
  if (get(other) !== undefined) {
    throw bad(
      other === 'agent_roles'
        ? 'agent_roles is for PostgreSQL connections only; MySQL/MariaDB connections use agent_users'
        : 'agent_users is for MySQL/MariaDB connections only; PostgreSQL connections use agent_roles',
    );
  }
  const principals = get(option);
  if (principals !== undefined && !['true', 'false', 'auto'].includes(principals))
    throw bad(`${option} must be true or false (or auto, the default)`);

  return {
    kind,
    user,
    password,
    database,
    endpoints,
    tls,
    poolMax: get('pool_max') ? intOption(get('pool_max')!, 'pool_max', 1, 100) : 5,
    connectTimeoutMs:
      (get('connect_timeout')
        ? intOption(get('connect_timeout')!, 'connect_timeout', 1, 300)
        : 10) * 1000,
    agentPrincipals: principals === 'true' ? 'on' : principals === 'false' ? 'off' : 'auto',
  };
}

/** Node TLS options for a setting (undefined = plain TCP). */
export function tlsOptions(tls: TlsSettings, host: string) {
  if (tls.mode === 'disable') return undefined;
  const verify = tls.mode === 'verify-ca' || tls.mode === 'verify-full';
  return {
    rejectUnauthorized: verify,
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}),
    // verify-ca checks the chain but not the name; verify-full checks both.
    ...(tls.mode === 'verify-ca'
      ? { checkServerIdentity: () => undefined }
      : isIP(host)
        ? {}
        : { servername: host }),
  };
}

export const describeEndpoint = (e: Endpoint) =>
  e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
