/**
 * A driver's failure to connect, phrased for the person adding the connection: which of
 * "wrong password", "nothing there", "TLS refused" or "no such database" it was, and what
 * to check. Messages never carry the password, even when a driver echoes its configuration.
 */
import { AirlockError } from '../../shared/errors';
import { describeEndpoint, type Endpoint } from './server-url';

interface DriverError {
  code?: string | number;
  errno?: number;
  message?: string;
}

const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'nothing is listening there (is the server running, and on that port?)',
  ENOTFOUND: 'the host name could not be resolved',
  EAI_AGAIN: 'the host name could not be resolved (DNS did not answer)',
  ETIMEDOUT: 'the server did not answer in time (a firewall, or the wrong address?)',
  EHOSTUNREACH: 'the host is unreachable from this machine',
  ENETUNREACH: 'the network is unreachable from this machine',
  ECONNRESET: 'the server closed the connection',
  EPIPE: 'the server closed the connection',
};

const TLS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT:
    "the server's certificate is self-signed; give its CA with sslrootcert=/path/ca.pem",
  SELF_SIGNED_CERT_IN_CHAIN:
    "the server's certificate chain ends in an untrusted root; give that CA with sslrootcert",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    "the server's certificate could not be verified; give its CA with sslrootcert",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    "the server's certificate could not be verified; give its CA with sslrootcert",
  CERT_HAS_EXPIRED: "the server's certificate has expired",
  ERR_TLS_CERT_ALTNAME_INVALID:
    "the server's certificate does not name this host (sslmode=verify-ca checks the CA only)",
  HANDSHAKE_SSL_ERROR: 'the TLS handshake failed',
};

/** True for failures where trying the next endpoint could help. */
export function isEndpointFailure(e: unknown): boolean {
  const err = e as DriverError;
  if (typeof err.code === 'string' && err.code in NETWORK) return true;
  return /due to connection timeout|timeout expired|Connection terminated unexpectedly|connect ETIMEDOUT|Connection lost/i.test(
    err.message ?? '',
  );
}

function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join('***');
  return out;
}

/**
 * Phrases a connection failure. `user` and `database` name what the URL asked for;
 * `server` carries the engine-specific codes (auth, unknown database).
 */
export function connectFailure(
  e: unknown,
  ctx: {
    label: string;
    endpoint: Endpoint;
    user: string;
    database: string;
    password: string;
    tlsMode: string;
  },
  server: (err: DriverError) => string | null,
): AirlockError {
  const err = e as DriverError;
  const where = describeEndpoint(ctx.endpoint);
  const code = typeof err.code === 'string' ? err.code : '';
  const raw = scrub(String(err.message ?? e), [ctx.password]);
  let reason: string;
  let cause: string;
  const specific = server(err);
  if (specific) {
    reason = specific;
    cause = 'server';
  } else if (code in NETWORK) {
    reason = `cannot reach ${where}: ${NETWORK[code]}`;
    cause = 'unreachable';
  } else if (code in TLS || /ssl|tls|certificate/i.test(raw)) {
    reason = `TLS with ${where} failed: ${TLS[code] ?? raw}`;
    cause = 'tls';
  } else if (/timeout/i.test(raw)) {
    reason = `cannot reach ${where}: ${NETWORK.ETIMEDOUT}`;
    cause = 'unreachable';
  } else {
    reason = `connecting to ${where} failed: ${raw}`;
    cause = 'other';
  }
  return new AirlockError('CONNECTION_FAILED', scrub(`${ctx.label}: ${reason}`, [ctx.password]), {
    cause,
    endpoint: where,
  });
}

export { scrub as scrubSecrets };
