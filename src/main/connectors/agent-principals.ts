/**
 * Per-agent database principals: the last layer of enforcement. Where the connection's account
 * may create them, each agent gets its own PostgreSQL role or MySQL/MariaDB user holding exactly
 * its grants as database privileges (table and column), and its statements run as that principal
 * — so a statement that slipped past every layer of the guard still meets the server's own
 * permission check, which resolves columns by identity, not by the names a statement uses.
 */
import type { Connector, SqlConnector } from './types';

/** Whether a connection runs agents as their own principals, and if not, why — for a person. */
export interface PrincipalStatus {
  kind: 'role' | 'user';
  active: boolean;
  message: string;
}

/** A connector that keeps per-agent principals (PostgreSQL, MySQL/MariaDB). */
export interface PrincipalConnector extends SqlConnector {
  principalStatus(): Promise<PrincipalStatus>;
  /** The agent is gone (revoked): its principal is dropped. */
  agentRemoved(agentId: string): Promise<void>;
}

export const hasPrincipals = (c: Connector): c is PrincipalConnector =>
  c.kind !== 'mongodb' &&
  typeof (c as Partial<PrincipalConnector>).principalStatus === 'function' &&
  typeof (c as Partial<PrincipalConnector>).agentRemoved === 'function';

/** What it means when a connection cannot keep per-agent principals. */
export const GUARD_ALONE =
  'the guard alone enforces grants (the database does not check them a second time)';
