/**
 * The natural-language contract, declared once: the semantic layer (stored, imported and
 * exported as YAML), the ask request and answer, the streamed ask events and Ollama's status.
 * The HTTP routes, the UI operations and the evaluation command all use these schemas.
 */
import { z } from 'zod';

const text = (max: number) => z.string().trim().min(1).max(max);
const synonyms = z.array(text(100)).max(50).optional();
/** `table.column`, where the table may itself be schema-qualified (`public.orders.id`). */
const columnRef = z
  .string()
  .trim()
  .regex(
    /^[^.\s]+(\.[^.\s]+)+$/,
    'write it as table.column (schema.table.column where the database has schemas)',
  );

// ── semantic layer ─────────────────────────────────────────────────────────
export const SemanticColumn = z.strictObject({
  name: text(256),
  description: text(2000).optional(),
  synonyms,
  /** The values the column takes (a status column's states, say), as hints for the model. */
  values: z
    .array(z.union([z.string().max(200), z.number(), z.boolean()]))
    .max(200)
    .optional(),
});

export const SemanticTable = z.strictObject({
  name: text(256),
  description: text(2000).optional(),
  synonyms,
  columns: z.array(SemanticColumn).max(5000).optional(),
});

/** A join path the database does not declare as a foreign key. */
export const SemanticRelationship = z.strictObject({
  from: columnRef,
  to: columnRef,
  description: text(500).optional(),
});

/** A named measure: `SELECT <sql> FROM <from> [WHERE <filter>]` computes it. */
export const SemanticMetric = z.strictObject({
  name: text(100),
  description: text(1000).optional(),
  sql: text(2000),
  from: text(1000),
  filter: text(2000).optional(),
  synonyms,
});

/** A question with SQL a person has checked: the model sees the most similar ones. */
export const VerifiedExample = z.strictObject({
  question: text(2000),
  sql: text(20_000),
  addedBy: z.string().max(200).optional(),
  addedAt: z.string().max(40).optional(),
});

export const SemanticLayer = z.strictObject({
  version: z.literal(1).default(1),
  tables: z.array(SemanticTable).max(100_000).default([]),
  relationships: z.array(SemanticRelationship).max(100_000).default([]),
  metrics: z.array(SemanticMetric).max(10_000).default([]),
  examples: z.array(VerifiedExample).max(10_000).default([]),
});
export type SemanticLayer = z.infer<typeof SemanticLayer>;
export type SemanticLayerInput = z.input<typeof SemanticLayer>;

// ── asking ─────────────────────────────────────────────────────────────────
export const AskRequest = z.strictObject({
  connection: z.string().min(1).max(64),
  question: text(2000),
  /** Self-consistency: generate this many candidates, run each read-only, keep the majority result. */
  candidates: z.number().int().min(1).max(5).optional(),
});
export type AskRequest = z.infer<typeof AskRequest>;

export const AskAttempt = z.object({
  sql: z.string().nullable(),
  /** null when the statement ran; otherwise why it was refused or failed. */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** The candidate this attempt belongs to (self-consistency), from 1. */
  candidate: z.number().int(),
});
export type AskAttempt = z.infer<typeof AskAttempt>;

const Column = z.object({ name: z.string(), type: z.string() });

export const AskAnswer = z.object({
  sql: z.string(),
  explanation: z.string(),
  /** Computed from the rows (counts, ranges, top values), never written by the model. */
  summary: z.string(),
  columns: z.array(Column),
  rows: z.array(z.array(z.unknown())),
  rowCount: z.number().int(),
  truncated: z.boolean(),
  /** Model calls made, repairs and extra candidates included. */
  attempts: z.number().int(),
  history: z.array(AskAttempt),
  model: z.string(),
  linkedTables: z.array(z.string()),
  /** The ask's own audit entry; `queryAuditId` is the executed statement's. */
  auditId: z.number().int(),
  queryAuditId: z.number().int(),
  elapsedMs: z.number(),
});
export type AskAnswer = z.infer<typeof AskAnswer>;

export const AskStage = z.enum([
  'linking',
  'generating',
  'validating',
  'executing',
  'repairing',
  'summarising',
]);

/** What the streaming variant sends, one event per SSE message or NDJSON line. */
export const AskEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('stage'), stage: AskStage, attempt: z.number().int().optional() }),
  z.object({
    type: z.literal('linked'),
    tables: z.array(z.string()),
    promptTokens: z.number().int(),
  }),
  z.object({ type: z.literal('token'), attempt: z.number().int(), text: z.string() }),
  z.object({ type: z.literal('attempt'), attempt: z.number().int(), result: AskAttempt }),
  z.object({ type: z.literal('answer'), answer: AskAnswer }),
  z.object({
    type: z.literal('error'),
    error: z.looseObject({ code: z.string(), message: z.string() }),
    auditId: z.number().int().optional(),
  }),
]);
export type AskEvent = z.infer<typeof AskEvent>;

// ── Ollama ─────────────────────────────────────────────────────────────────
export const OllamaModel = z.object({
  name: z.string(),
  size: z.number().nullable(),
  parameterSize: z.string().nullable(),
  quantization: z.string().nullable(),
});

export const OllamaStatus = z.object({
  url: z.string(),
  model: z.string(),
  reachable: z.boolean(),
  version: z.string().nullable(),
  models: z.array(OllamaModel),
  modelPresent: z.boolean(),
  /** Null when asking will work; otherwise the error code asking would fail with. */
  problem: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Steps a person can follow to fix the problem (air-gapped machines included). */
  guidance: z.array(z.string()),
});
export type OllamaStatus = z.infer<typeof OllamaStatus>;

// ── UI operations (merged into OPS in ops.ts) ──────────────────────────────
export const ConnectionRef = z.strictObject({ connection: z.string().min(1).max(64) });
export const StoredSemanticLayer = z.object({ layer: SemanticLayer, revision: z.number().int() });

export const AskInput = AskRequest.extend({
  /** Ask with this agent's read grants (its id; its name works too) instead of the analyst's. */
  asAgent: z.string().min(1).max(64).optional(),
});

export const AskOutcome = z.discriminatedUnion('ok', [
  AskAnswer.extend({ ok: z.literal(true) }),
  z.object({
    ok: z.literal(false),
    code: z.string(),
    message: z.string(),
    auditId: z.number().int().nullable(),
    /** Steps that fix an Ollama problem (not running, model missing). */
    guidance: z.array(z.string()).optional(),
    /** The attempts made before the ask failed (SQL and why each was refused). */
    history: z.array(AskAttempt).optional(),
  }),
]);

/** Natural-language operations of the UI: asking, Ollama's status, the semantic layer editor. */
export const NL_OPS = {
  ask: { input: AskInput, output: AskOutcome },
  ollamaStatus: { input: z.object({}), output: OllamaStatus },
  getSemanticLayer: { input: ConnectionRef, output: StoredSemanticLayer },
  putSemanticLayer: {
    input: ConnectionRef.extend({ layer: SemanticLayer }),
    output: StoredSemanticLayer,
  },
  importSemanticLayer: {
    input: ConnectionRef.extend({ yaml: z.string().min(1).max(5_000_000) }),
    output: StoredSemanticLayer,
  },
  exportSemanticLayer: { input: ConnectionRef, output: z.object({ yaml: z.string() }) },
  /** "Save as verified example"; an example with the same question is replaced. */
  addVerifiedExample: {
    input: ConnectionRef.extend({
      question: z.string().trim().min(1).max(2000),
      sql: z.string().trim().min(1).max(20_000),
    }),
    output: StoredSemanticLayer,
  },
} as const;
