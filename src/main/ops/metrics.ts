/**
 * Prometheus metrics for the operator (`GET /metrics`, admin token): requests and refusals by
 * code, the latency of guarded statements and questions, the audit log's commits and backlog,
 * and how busy the SQLite runners are. One registry per server, so tests and several servers
 * in one process never share counters. Labels are route patterns and error codes only: never
 * a statement, a parameter, an agent's key or a path with user input in it.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditLog } from '../audit/audit-log';
import type { Connections } from '../connections/connections';
import type { Forwarder } from '../audit/forward/forwarder';

export interface RequestObservation {
  method: string;
  /** The route pattern (`/v1/connections/:name/tables`), or `unmatched`. */
  route: string;
  status: number;
  /** The error code of a refused or failed request. */
  code: string | null;
  seconds: number;
}

/** Routes whose latency is a statement's or a question's: the query latency histogram. */
const QUERY_ROUTES = new Set(['/v1/query', '/v1/ask', '/v1/ui/runQuery', '/v1/ui/ask']);

export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly refusals: Counter<'code'>;
  private readonly queryLatency: Histogram<'route' | 'outcome'>;

  constructor(deps: { audit: AuditLog; connections: Connections; forwarding?: Forwarder }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'airlock_' });
    this.requests = new Counter({
      name: 'airlock_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.refusals = new Counter({
      name: 'airlock_refusals_total',
      help: 'Requests refused or failed, by error code (PERMISSION_DENIED, RATE_LIMITED, …)',
      labelNames: ['code'],
      registers,
    });
    this.queryLatency = new Histogram({
      name: 'airlock_query_duration_seconds',
      help: 'Time from request to answer for statements and questions, guard, policy, execution and durable audit included',
      labelNames: ['route', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    const commitLatency = new Histogram({
      name: 'airlock_audit_commit_duration_seconds',
      help: 'Time to make one batch of audit entries durable (one transaction, one fsync)',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    const commitSize = new Histogram({
      name: 'airlock_audit_commit_entries',
      help: 'Audit entries per durable commit (group commit)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    });
    deps.audit.onCommit(({ entries, ms }) => {
      commitLatency.observe(ms / 1000);
      commitSize.observe(entries);
    });
    new Gauge({
      name: 'airlock_audit_pending_entries',
      help: 'Audit entries appended and not yet durable (the writer queue depth)',
      registers,
      collect() {
        this.set(deps.audit.pending);
      },
    });
    const forwarding = deps.forwarding;
    if (forwarding) {
      // Destinations are labelled by kind and place in the settings' list, never by host or path.
      const label = (kind: string, i: number) => `${kind}:${i + 1}`;
      const kindOf = (d: string) => d.split(':')[0]!;
      new Gauge({
        name: 'airlock_audit_forward_lag_entries',
        help: 'Durable audit entries not yet forwarded to each SIEM destination',
        labelNames: ['destination'],
        registers,
        collect() {
          this.reset();
          forwarding
            .status()
            .destinations.forEach((d, i) =>
              this.set({ destination: label(kindOf(d.destination), i) }, d.lag),
            );
        },
      });
      new Gauge({
        name: 'airlock_audit_forward_up',
        help: 'Whether each SIEM destination is taking entries (1) or failing, refused or paused (0)',
        labelNames: ['destination'],
        registers,
        collect() {
          this.reset();
          forwarding
            .status()
            .destinations.forEach((d, i) =>
              this.set({ destination: label(kindOf(d.destination), i) }, d.state === 'ok' ? 1 : 0),
            );
        },
      });
    }
    new Gauge({
      name: 'airlock_runner_jobs',
      help: 'SQLite runner jobs by connection and state (running, queued)',
      labelNames: ['connection', 'state'],
      registers,
      collect() {
        this.reset();
        for (const [name, use] of deps.connections.runnerUse()) {
          this.set({ connection: name, state: 'running' }, use.running);
          this.set({ connection: name, state: 'queued' }, use.queued);
        }
      },
    });
  }

  observe(o: RequestObservation): void {
    this.requests.inc({ method: o.method, route: o.route, status: String(o.status) });
    if (o.code) this.refusals.inc({ code: o.code });
    if (QUERY_ROUTES.has(o.route))
      this.queryLatency.observe({ route: o.route, outcome: o.code ?? 'ok' }, o.seconds);
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
