import type { Database, Statement } from 'better-sqlite3-multiple-ciphers';
import { randomUUID } from 'node:crypto';
import { AirlockError } from '../../shared/errors';
import type { Clock } from '../ports';
import { generateApiKey, keyMatches, keyPrefix } from './api-key';

export interface Agent {
  id: string;
  name: string;
  keyPrefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface AgentRow {
  id: string;
  name: string;
  key_prefix: string;
  key_hash: Buffer;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

function toAgent(r: AgentRow): Agent {
  return {
    id: r.id,
    name: r.name,
    keyPrefix: `alk_${r.key_prefix}`,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  };
}

/** last_used_at is written at most this often per agent, so authentication stays read-only. */
const LAST_USED_RESOLUTION_MS = 60_000;

export class Agents {
  private readonly stmts: {
    insert: Statement;
    all: Statement<[], AgentRow>;
    byId: Statement<[string], AgentRow>;
    byPrefix: Statement<[string], AgentRow>;
    revoke: Statement;
    touch: Statement;
  };
  /**
   * Agents by key prefix, as read from the store, for authentication; every change of an
   * agent goes through this class and forgets them (a revocation holds at the next request).
   * Only prefixes that name an agent are kept, so unknown keys cannot grow it.
   */
  private readonly byPrefix = new Map<string, AgentRow>();

  constructor(
    db: Database,
    private readonly clock: Clock,
  ) {
    this.stmts = {
      insert:
        db.prepare(`INSERT INTO agents (id, name, key_prefix, key_hash, created_at, expires_at)
        VALUES (@id, @name, @prefix, @hash, @createdAt, @expiresAt)`),
      all: db.prepare('SELECT * FROM agents ORDER BY created_at, name'),
      byId: db.prepare('SELECT * FROM agents WHERE id = ?'),
      byPrefix: db.prepare('SELECT * FROM agents WHERE key_prefix = ?'),
      revoke: db.prepare(
        'UPDATE agents SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL',
      ),
      touch: db.prepare('UPDATE agents SET last_used_at = @at WHERE id = @id'),
    };
  }

  /** Creates an agent; the returned key is never stored and never shown again. */
  create(name: string, expiresAt?: string): { agent: Agent; apiKey: string } {
    const now = this.clock.now();
    if (expiresAt !== undefined && new Date(expiresAt).getTime() <= now.getTime()) {
      throw new AirlockError('VALIDATION_FAILED', 'expiresAt must be in the future', {
        field: 'expiresAt',
      });
    }
    const { key, prefix, hash } = generateApiKey();
    const id = randomUUID();
    this.byPrefix.clear();
    try {
      this.stmts.insert.run({
        id,
        name,
        prefix,
        hash,
        createdAt: now.toISOString(),
        expiresAt: expiresAt ? new Date(expiresAt).toISOString() : null,
      });
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new AirlockError('CONFLICT', `an agent named '${name}' already exists`, { name });
      }
      throw e;
    }
    return { agent: toAgent(this.stmts.byId.get(id)!), apiKey: key };
  }

  list(): Agent[] {
    return this.stmts.all.all().map(toAgent);
  }

  get(id: string): Agent | null {
    const row = this.stmts.byId.get(id);
    return row ? toAgent(row) : null;
  }

  /** Revokes at once: the next request with the key is refused. */
  revoke(id: string): Agent {
    const row = this.stmts.byId.get(id);
    if (!row) throw new AirlockError('NOT_FOUND', `no agent with id '${id}'`, { id });
    this.byPrefix.clear();
    this.stmts.revoke.run({ id, at: this.clock.now().toISOString() });
    return toAgent(this.stmts.byId.get(id)!);
  }

  /**
   * Resolves a presented key to an active agent. Lookup is by the public prefix; the secret
   * is checked by comparing hashes in constant time.
   */
  authenticate(presented: string): Agent {
    const prefix = keyPrefix(presented);
    let row = prefix ? this.byPrefix.get(prefix) : undefined;
    if (prefix && !row) {
      row = this.stmts.byPrefix.get(prefix);
      if (row) this.byPrefix.set(prefix, row);
    }
    if (!row || !keyMatches(presented, row.key_hash)) {
      throw new AirlockError('UNAUTHENTICATED', 'the API key is not valid');
    }
    const now = this.clock.now();
    if (row.revoked_at) throw new AirlockError('UNAUTHENTICATED', 'this API key was revoked');
    if (row.expires_at && new Date(row.expires_at).getTime() <= now.getTime()) {
      throw new AirlockError('UNAUTHENTICATED', `this API key expired at ${row.expires_at}`);
    }
    const last = row.last_used_at ? new Date(row.last_used_at).getTime() : 0;
    if (now.getTime() - last >= LAST_USED_RESOLUTION_MS) {
      this.stmts.touch.run({ id: row.id, at: now.toISOString() });
      row.last_used_at = now.toISOString();
    }
    return toAgent(row);
  }
}
