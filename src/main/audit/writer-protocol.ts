/** Messages between AuditLog (main thread) and the audit writer (worker). */
export interface WriterSetup {
  path: string;
  keyHex: string;
  headKey: string;
}

export interface WriterRow {
  id: number;
  time: string;
  actor: string;
  action: string;
  connection: string | null;
  statement: string | null;
  paramsHash: string | null;
  decision: string | null;
  rule: string | null;
  reason: string | null;
  status: string;
  rowCount: number | null;
  latencyMs: number | null;
  details: string | null;
  leaf: string;
  chain: string;
  /** Leaf format 2's per-field salts (JSON, audit/chain.ts). */
  leafFields: string;
}

/** A row as the main thread hands it over: the writer seals it (seal.ts). */
export type UnsealedRow = Omit<WriterRow, 'leaf' | 'chain' | 'leafFields'>;

/** A sealed row's hashes, returned to the main thread (checkpoints and observers use them). */
export interface Sealed {
  leaf: string;
  chain: string;
}

export interface WriterBatch {
  seq: number;
  /** The id the log must end at before this batch. */
  afterId: number;
  /** The chain hash of entry `afterId` (GENESIS for an empty log): the batch chains onto it. */
  prevChain: string;
  rows: UnsealedRow[];
  /**
   * Per-agent usage counts (ratelimit/agent-limiter.ts) that ride with this commit, so the
   * thread serving requests never waits for the store's write lock. A batch may carry only these.
   */
  usage?: UsageRow[];
}

export interface UsageRow {
  agentId: string;
  /** The agent's windows and day counts, as JSON. */
  state: string;
}

/** seq 0 announces the writer is ready; -1 acknowledges close. */
export type WriterReply =
  { seq: number; ok: true; sealed?: Sealed[] } | { seq: number; ok: false; error: string };
