import type { ConnectionKind } from '../../shared/domain';
import { AirlockError } from '../../shared/errors';
import { MongoConnector } from './mongodb/mongo-connector';
import { MysqlConnector } from './mysql/mysql-connector';
import { PostgresConnector } from './postgres/pg-connector';
import { SqliteConnector } from './sqlite/sqlite-connector';
import type { Connector } from './types';

/** What a connection is stored with (sealed in the store): a file path or a URL. */
export type ConnectorConfig = { path: string } | { url: string };

const KIND_LABEL: Record<ConnectionKind, string> = {
  sqlite: 'SQLite',
  postgres: 'PostgreSQL',
  mysql: 'MySQL/MariaDB',
  mongodb: 'MongoDB',
};

/** One place that knows which driver serves which kind of connection. */
export function createConnector(kind: ConnectionKind, config: ConnectorConfig): Connector {
  if (kind === 'sqlite' && 'path' in config) return new SqliteConnector(config.path);
  if (kind === 'postgres' && 'url' in config) return new PostgresConnector(config.url);
  if (kind === 'mysql' && 'url' in config) return new MysqlConnector(config.url);
  if (kind === 'mongodb' && 'url' in config) return new MongoConnector(config.url);
  throw new AirlockError(
    'CONNECTION_FAILED',
    `${KIND_LABEL[kind]} connections are not available in this version of Airlock yet; SQLite is`,
    { kind },
  );
}
