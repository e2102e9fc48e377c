/**
 * A status page until the management UI exists: it shows that the core answers, its version,
 * and how an agent reaches it.
 */
import { useEffect, useState } from 'react';
import { Health } from '../../shared/contract/api';

type Status =
  | { state: 'checking' }
  | { state: 'running'; version: string }
  | { state: 'unreachable'; reason: string };

async function fetchHealth(signal: AbortSignal): Promise<Status> {
  try {
    const res = await fetch('/v1/health', { signal, headers: { accept: 'application/json' } });
    if (!res.ok) return { state: 'unreachable', reason: `/v1/health answered ${res.status}` };
    const health = Health.parse(await res.json());
    return { state: 'running', version: health.version };
  } catch (err) {
    if (signal.aborted) return { state: 'checking' };
    return { state: 'unreachable', reason: err instanceof Error ? err.message : String(err) };
  }
}

export function App(): React.JSX.Element {
  const [status, setStatus] = useState<Status>({ state: 'checking' });
  const origin = window.location.origin;
  const shell = window.airlock ? 'desktop app' : 'headless server';

  useEffect(() => {
    const controller = new AbortController();
    void fetchHealth(controller.signal).then((next) => {
      if (!controller.signal.aborted) setStatus(next);
    });
    return () => controller.abort();
  }, []);

  return (
    <main className="page">
      <header className="status">
        <StatusLine status={status} />
        <p className="muted">
          {shell} · API at <code>{origin}</code>
        </p>
      </header>

      <section>
        <h2>For agent authors</h2>
        <p>
          Agents call the API on this address with their own key (<code>alk_…</code>) as a Bearer
          token. Every request is checked against the agent&apos;s grants and written to the audit
          log, whether it is allowed or not.
        </p>
        <pre className="snippet">
          {`curl ${origin}/v1/query \\
  -H 'Authorization: Bearer alk_…' \\
  -H 'Content-Type: application/json' \\
  -d '{"connection": "demo", "sql": "SELECT 1"}'`}
        </pre>
        <ul>
          <li>
            <code>GET /v1/connections</code> and{' '}
            <code>GET /v1/connections/&#123;name&#125;/tables</code> list what the key may use.
          </li>
          <li>
            <code>POST /v1/query</code> takes <code>connection</code>, <code>sql</code> and optional{' '}
            <code>params</code>; errors come back as{' '}
            <code>{'{ "error": { "code", "message" } }'}</code>.
          </li>
          <li>
            Keys and grants are issued through the admin API (<code>POST /v1/admin/agents</code>,{' '}
            <code>PUT /v1/admin/agents/&#123;id&#125;/grants</code>) with the token in{' '}
            <code>admin.token</code> in Airlock&apos;s data directory.
          </li>
        </ul>
      </section>

      <section className="notice">
        <h2>Management screens are not here yet</h2>
        <p>
          Connections, agents, grants, approvals and the audit log will be managed from this window
          in a later version. Until then, use the admin API above.
        </p>
      </section>
    </main>
  );
}

function StatusLine({ status }: { status: Status }): React.JSX.Element {
  switch (status.state) {
    case 'checking':
      return <h1 className="state checking">Checking Airlock…</h1>;
    case 'running':
      return (
        <h1 className="state running">
          Airlock is running <span className="version">v{status.version}</span>
        </h1>
      );
    case 'unreachable':
      return (
        <>
          <h1 className="state unreachable">Airlock is not answering</h1>
          <p className="muted">{status.reason}</p>
        </>
      );
  }
}
