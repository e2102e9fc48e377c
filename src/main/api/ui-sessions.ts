/**
 * Browser sessions for the management UI in headless mode. A person starts with a one-time
 * login link (printed by `airlock serve`, or issued by `airlock login-link`): opening it
 * trades the link's token for a session cookie. Only SHA-256 digests of tokens are kept, in
 * memory: a restart signs everyone out, and a memory dump shows no usable token.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AirlockError } from '../../shared/errors';
import type { Clock } from '../ports';

export const SESSION_COOKIE = 'airlock_session';
export const UI_HEADER = 'x-airlock-ui';
export const LOGIN_LINK_TTL_MS = 10 * 60_000;
export const SESSION_IDLE_MS = 12 * 3_600_000;
/** Unused links kept at most; the oldest go first (each is a credential, so keep few). */
const MAX_LINKS = 32;

const digest = (token: string) => createHash('sha256').update(token).digest('hex');
const token = () => randomBytes(32).toString('base64url');
/** Names a link or session in the audit log without revealing it: a prefix of its digest. */
const linkId = (t: string) => createHash('sha256').update(t).digest('hex').slice(0, 12);

/** A sign-in event for the audit log; it names a link by a digest prefix, never by the token. */
export interface SessionEvent {
  action: 'admin.signin-link.issue' | 'admin.signin' | 'admin.signout';
  status: 'allowed' | 'denied';
  details: Record<string, unknown>;
  reason?: string;
}

/**
 * Sends session events to the audit log. The answer to a sign-in or sign-out waits for its
 * entry (see UiSessions.recorded); a failure to record never blocks a sign-in page.
 */
export function auditSessionEvents(core: {
  auditAdmin(
    action: string,
    details: Record<string, unknown>,
    extra?: { status?: 'allowed' | 'denied'; reason?: string },
  ): Promise<number>;
}): (e: SessionEvent) => Promise<void> {
  return (e) =>
    core
      .auditAdmin(e.action, e.details, {
        status: e.status,
        ...(e.reason ? { reason: e.reason } : {}),
      })
      .then(
        () => undefined,
        () => undefined,
      );
}

export interface UiSessionsOptions {
  linkTtlMs?: number;
  idleMs?: number;
  /** Told of every link issued, sign-in (or refused one) and sign-out. */
  onEvent?: (e: SessionEvent) => void | Promise<void>;
}

export class UiSessions {
  /** link digest → expiry (ms) */
  private readonly links = new Map<string, number>();
  /** session digest → last seen (ms) */
  private readonly sessions = new Map<string, number>();
  private readonly linkTtlMs: number;
  private readonly idleMs: number;
  private readonly onEvent: (e: SessionEvent) => void;
  /** Events told but not yet recorded. */
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly clock: Clock,
    options: UiSessionsOptions = {},
  ) {
    this.linkTtlMs = options.linkTtlMs ?? LOGIN_LINK_TTL_MS;
    this.idleMs = options.idleMs ?? SESSION_IDLE_MS;
    const tell = options.onEvent ?? (() => {});
    this.onEvent = (e) => {
      const told = tell(e);
      if (!told) return;
      this.pending.add(told);
      void told.finally(() => this.pending.delete(told));
    };
  }

  /** Resolves once every event told so far is recorded: an answer waits for its entry. */
  async recorded(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  /** A new login token: single use, valid for 10 minutes. */
  issueLoginToken(): { token: string; expiresAt: Date } {
    const now = this.now();
    for (const [k, expires] of this.links) if (expires <= now) this.links.delete(k);
    while (this.links.size >= MAX_LINKS) this.links.delete(this.links.keys().next().value!);
    const t = token();
    this.links.set(digest(t), now + this.linkTtlMs);
    this.onEvent({
      action: 'admin.signin-link.issue',
      status: 'allowed',
      details: { link: linkId(t), expiresAt: new Date(now + this.linkTtlMs).toISOString() },
    });
    return { token: t, expiresAt: new Date(now + this.linkTtlMs) };
  }

  /** Trades a login token for a new session id; null when the token is unknown, used or expired. */
  redeem(loginToken: string): string | null {
    const key = digest(loginToken);
    const expires = this.links.get(key);
    // Used or not, a presented token is spent.
    this.links.delete(key);
    if (expires === undefined || expires <= this.now()) {
      const reason =
        expires === undefined
          ? 'the sign-in link is unknown or was already used'
          : 'the sign-in link expired';
      this.onEvent({
        action: 'admin.signin',
        status: 'denied',
        details: { link: linkId(loginToken) },
        reason,
      });
      return null;
    }
    const id = token();
    this.sessions.set(digest(id), this.now());
    this.onEvent({
      action: 'admin.signin',
      status: 'allowed',
      details: { link: linkId(loginToken), session: linkId(id) },
    });
    return id;
  }

  /** Whether the session is live; using it restarts its idle timer. */
  touch(sessionId: string): boolean {
    const key = digest(sessionId);
    const last = this.sessions.get(key);
    const now = this.now();
    if (last === undefined) return false;
    if (now - last >= this.idleMs) {
      this.sessions.delete(key);
      return false;
    }
    this.sessions.set(key, now);
    return true;
  }

  end(sessionId: string): void {
    if (this.sessions.delete(digest(sessionId)))
      this.onEvent({
        action: 'admin.signout',
        status: 'allowed',
        details: { session: linkId(sessionId) },
      });
  }
}

/** One cookie's value from a Cookie header (no dependency for one cookie). */
export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/**
 * `Set-Cookie` for a session: HttpOnly (scripts cannot read it), SameSite=Strict (no other
 * site's page sends it), Path=/. No `Secure`: the server speaks plain HTTP on loopback, where
 * browsers treat the origin as potentially trustworthy anyway.
 */
export function sessionCookie(id: string | null): string {
  const base = `${SESSION_COOKIE}=${id ?? ''}; HttpOnly; SameSite=Strict; Path=/`;
  return id === null ? `${base}; Max-Age=0` : base;
}

declare module 'fastify' {
  interface FastifyRequest {
    uiSession?: string;
  }
}

/**
 * The UI routes' gate. The custom header first: a cross-site form or image cannot send one,
 * so together with SameSite=Strict, the Origin check and JSON-only bodies, a foreign page
 * cannot make a signed-in browser act. Then the session cookie.
 */
export function requireSession(sessions: UiSessions) {
  return async (request: FastifyRequest) => {
    if (request.headers[UI_HEADER] !== '1') {
      throw new AirlockError(
        'FORBIDDEN_ORIGIN',
        `UI calls must carry the header '${UI_HEADER}: 1' (the Airlock UI sends it; other sites cannot)`,
      );
    }
    const id = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (!id || !sessions.touch(id)) {
      throw new AirlockError(
        'UNAUTHENTICATED',
        'you are not signed in (or your session ended): open the login link that `airlock serve` printed, or run `airlock login-link` for a new one',
      );
    }
    request.uiSession = id;
  };
}
