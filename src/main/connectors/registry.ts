import type { ConnectionKind } from '../../shared/domain';
import { AirlockError } from '../../shared/errors';
import { MongoConnector } from './mongodb/mongo-connector';
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
  if (kind === 'mongodb' && 'url' in config) return new MongoConnector(config.url);
  throw new AirlockError(
    'CONNECTION_FAILED',
    `${KIND_LABEL[kind]} connections are not available in this version of Airlock yet; SQLite is`,
    { kind },
  );
}
