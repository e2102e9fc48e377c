/**
 * Connection forms ask for host, port, database, user and password; the API takes one URL.
 * Credentials are percent-encoded so passwords with '@', ':' or '/' survive.
 */
export type ServerKind = 'postgres' | 'mysql' | 'mongodb';

export interface ServerFields {
  host: string;
  port: string;
  database: string;
  user: string;
  password: string;
}

export const DEFAULT_PORTS: Record<ServerKind, string> = {
  postgres: '5432',
  mysql: '3306',
  mongodb: '27017',
};
const SCHEME: Record<ServerKind, string> = {
  postgres: 'postgresql',
  mysql: 'mysql',
  mongodb: 'mongodb',
};

export function buildUrl(kind: ServerKind, f: ServerFields): string {
  const user = f.user.trim();
  const auth = user
    ? `${encodeURIComponent(user)}${f.password ? `:${encodeURIComponent(f.password)}` : ''}@`
    : '';
  const host = f.host.trim() || '127.0.0.1';
  const hostPort = f.port.trim()
    ? `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${f.port.trim()}`
    : host;
  const db = f.database.trim() ? `/${encodeURIComponent(f.database.trim())}` : '';
  return `${SCHEME[kind]}://${auth}${hostPort}${db}`;
}

/** The URL with its password replaced, for showing on screen. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1•••@');
}
