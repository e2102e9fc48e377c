/**
 * A question in plain language, answered: link the schema the asker may read, sample value
 * hints, pick similar verified examples, ask the local model for `{ sql, explanation }`, run
 * the SQL through the same guard, policy and audit as an agent's, repair on errors a bounded
 * number of times, optionally vote among several candidates, and summarise the rows.
 *
 * Audit: one `ask` entry per question (question, model, every attempt, final SQL, outcome),
 * besides the entries the query pipeline writes for each candidate statement it ran. Value
 * samples go through the pipeline too, but are recorded in the ask entry (`sampledValues`,
 * `valueSampleReads`), not as statements the asker sent. A statement refused before the policy (a write, DDL, unparseable SQL) is
 * recorded in the ask entry's attempts only.
 */
import type { AskAnswer, AskAttempt, AskEvent, AskRequest } from '../../shared/contract/nl';
import type { AuditRecord } from '../../shared/domain';
import { AirlockError } from '../../shared/errors';
import type { AuditLog } from '../audit/audit-log';
import { classifyFailure } from '../audit/classify';
import { auditEntry, elapsedMs, failureFields } from '../audit/entry';
import type { Connections } from '../connections/connections';
import type { ReadData } from '../connectors/types';
import type { Clock } from '../ports';
import type { Pipeline } from '../query/pipeline';
import { holdsGrantOn, principalDetails, readingOnly } from '../query/principal';
import { accessView, NL_READ_ONLY, type AccessView, type Asker } from './access';
import { hiddenNameScrubber, runCandidate } from './candidate';
import type { OllamaClient } from './ollama-client';
import {
  ANSWER_FORMAT,
  firstMessages,
  parseAnswer,
  relevantMetrics,
  repairMessages,
  similarExamples,
} from './prompt';
import { resultFingerprint } from './result-compare';
import { catalogFor } from './schema-catalog';
import { DEFAULT_SCHEMA_BUDGET, linkSchema } from './schema-linker';
import { renderSchema } from './schema-render';
import { filterLayer } from './semantic-filter';
import type { SemanticStore } from './semantic-store';
import { summarise } from './summary';
import { estimateTokens } from './terms';
import { isHintCandidate, type ValueSampler } from './value-hints';

export interface NlOptions {
  schemaBudgetTokens: number;
  exampleBudgetTokens: number;
  maxExamples: number;
  /** Model calls per candidate: the first answer and its repairs. */
  maxAttempts: number;
  /** Context window requested from Ollama. */
  numCtx: number;
}

export const DEFAULT_NL_OPTIONS: NlOptions = {
  schemaBudgetTokens: DEFAULT_SCHEMA_BUDGET,
  exampleBudgetTokens: 800,
  maxExamples: 3,
  maxAttempts: 3,
  numCtx: 8192,
};

export interface AskDeps {
  connections: Connections;
  semantic: SemanticStore;
  ollama: OllamaClient;
  audit: AuditLog;
  clock: Clock;
  sampler: ValueSampler;
  /** The one query pipeline: every statement the question needs runs through it as the asker. */
  queries: Pipeline;
  options?: Partial<NlOptions>;
}

export interface AskOptions {
  signal?: AbortSignal;
  /** Stages, tokens and attempts as they happen; tokens stream from Ollama only when this is given. */
  onEvent?: (e: AskEvent) => void;
  model?: string;
}

interface Success {
  candidate: number;
  sql: string;
  explanation: string;
  data: ReadData;
  auditId: number;
}

export class AskService {
  private readonly options: NlOptions;

  constructor(private readonly deps: AskDeps) {
    this.options = { ...DEFAULT_NL_OPTIONS, ...deps.options };
  }

  async ask(who: Asker, req: AskRequest, opts: AskOptions = {}): Promise<AskAnswer> {
    const { clock, audit } = this.deps;
    // Questions are answered with reads only, whatever the asker's grants.
    const asker = readingOnly(who, NL_READ_ONLY);
    const started = clock.monotonicMs();
    const model = opts.model ?? this.deps.ollama.model;
    const emit = (e: AskEvent) => opts.onEvent?.(e);
    const history: AskAttempt[] = [];
    let linked: string[] = [];
    let sampled: string[] = [];
    /** The value-sample reads the question made, which have no entries of their own. */
    const samples = { reads: 0, refused: 0 };
    const entry = (
      over: Partial<AuditRecord>,
      details: Record<string, unknown> = {},
    ): AuditRecord =>
      auditEntry(clock, {
        actor: asker.actor,
        action: 'ask',
        connection: req.connection,
        statement: [...history].reverse().find((h) => h.sql)?.sql ?? null,
        latencyMs: elapsedMs(clock, started),
        details: {
          ...principalDetails(asker),
          question: req.question,
          model,
          attempts: history.length,
          history: history.map((h) => ({
            candidate: h.candidate,
            sql: h.sql,
            ...(h.error ? { code: h.error.code, message: h.error.message } : {}),
          })),
          linkedTables: linked,
          ...(sampled.length ? { sampledValues: sampled } : {}),
          ...(samples.reads ? { valueSampleReads: { ...samples } } : {}),
          ...details,
        },
        ...over,
      });

    try {
      const view = await this.view(asker, req.connection);
      emit({ type: 'stage', stage: 'linking' });
      const queries = this.deps.queries;
      const { messages, tables, tokens } = await this.prompt(
        view,
        req.question,
        queries,
        (s) => (sampled = s),
        samples,
      );
      linked = tables;
      emit({ type: 'linked', tables, promptTokens: tokens });

      const successes: Success[] = [];
      const scrub = hiddenNameScrubber(view);
      for (let c = 1; c <= (req.candidates ?? 1); c++) {
        let convo = messages;
        for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
          const n = history.length + 1;
          emit({ type: 'stage', stage: attempt === 1 ? 'generating' : 'repairing', attempt: n });
          const reply = await this.deps.ollama.chat({
            model,
            messages: convo,
            format: ANSWER_FORMAT,
            // The first candidate is the model's best guess; others sample for the vote.
            temperature: c === 1 ? 0 : 0.7,
            ...(c > 1 ? { seed: c } : {}),
            numCtx: this.options.numCtx,
            ...(opts.signal ? { signal: opts.signal } : {}),
            ...(opts.onEvent
              ? { onToken: (text: string) => emit({ type: 'token', attempt: n, text }) }
              : {}),
          });
          const record = (a: AskAttempt) => {
            history.push(a);
            emit({ type: 'attempt', attempt: n, result: a });
          };
          let answer;
          try {
            answer = parseAnswer(reply.content);
          } catch (e) {
            const error = { code: 'INVALID_OUTPUT', message: (e as Error).message };
            record({ sql: null, error, candidate: c });
            convo = [...convo, ...repairMessages(reply.content, error)];
            continue;
          }
          emit({ type: 'stage', stage: 'validating', attempt: n });
          const out = await runCandidate(answer.sql, view, queries, scrub);
          if (out.kind === 'ok') {
            record({ sql: answer.sql, error: null, candidate: c });
            successes.push({
              candidate: c,
              sql: answer.sql,
              explanation: answer.explanation,
              data: out.data,
              auditId: out.auditId,
            });
            break;
          }
          const error =
            out.kind === 'retry' ? out.error : { code: out.error.code, message: out.error.message };
          record({ sql: answer.sql, error, candidate: c });
          if (out.kind === 'stop') throw out.error;
          convo = [...convo, ...repairMessages(reply.content, error)];
        }
      }

      const best = majority(successes);
      if (!best) {
        const last = history.at(-1)?.error;
        throw new AirlockError(
          'NL_UNANSWERED',
          `the model did not produce a statement that runs in ${history.length} attempt(s)${last ? `; the last error: ${last.message}` : ''}. Rephrase the question, or add descriptions, synonyms or a verified example to the semantic layer.`,
          { attempts: history.length, history },
        );
      }
      emit({ type: 'stage', stage: 'summarising' });
      const summary = summarise(best.data.columns, best.data.rows, best.data.truncated);
      const auditId = await audit.append(
        entry(
          {
            statement: best.sql,
            decision: 'allow',
            rule: 'nl:ask',
            reason: `answered with ${history.length} model call(s)`,
            rowCount: best.data.rowCount,
          },
          {
            queryAuditId: best.auditId,
            candidates: req.candidates ?? 1,
            agreeing: successes.filter(
              (s) => resultFingerprint(s.data.rows) === resultFingerprint(best.data.rows),
            ).length,
          },
        ),
      );
      const answer: AskAnswer = {
        sql: best.sql,
        explanation: best.explanation || 'The model gave no explanation.',
        summary,
        columns: best.data.columns,
        rows: best.data.rows,
        rowCount: best.data.rowCount,
        truncated: best.data.truncated,
        attempts: history.length,
        history,
        model,
        linkedTables: linked,
        auditId,
        queryAuditId: best.auditId,
        elapsedMs: Math.round(clock.monotonicMs() - started),
      };
      emit({ type: 'answer', answer });
      return answer;
    } catch (e) {
      const verdict = classifyFailure(e, {
        fallbackRule: (code) => `nl:${code.toLowerCase()}`,
        internalMessage: 'the question failed inside Airlock',
      });
      verdict.error.auditId = await audit.append(entry(failureFields(verdict), verdict.why));
      throw verdict.error;
    }
  }

  /** The asker's view of the connection; an agent learns nothing of connections it holds no grant on. */
  private async view(asker: Asker, connection: string): Promise<AccessView> {
    if (!holdsGrantOn(asker, connection))
      throw new AirlockError(
        'PERMISSION_DENIED',
        `agent '${asker.subject.name}' has no grant on connection '${connection}'`,
        { rule: 'default-deny' },
      );
    const record = this.deps.connections.get(connection);
    if (!record) throw new AirlockError('NOT_FOUND', `no connection named '${connection}'`);
    const view = await accessView(this.deps.connections, record.name, asker);
    if (view.readable.size === 0) {
      throw new AirlockError(
        'PERMISSION_DENIED',
        `'${asker.actor}' may read no table in connection '${record.name}', so there is nothing to ask about`,
        { rule: 'default-deny' },
      );
    }
    return view;
  }

  private async prompt(
    view: AccessView,
    question: string,
    queries: Pipeline,
    onSampled: (s: string[]) => void,
    samples: { reads: number; refused: number },
  ) {
    const { layer } = this.deps.semantic.get(view.connection);
    const catalog = catalogFor(view.tables, layer);
    const link = linkSchema(catalog, view.readable, question, {
      budgetTokens: this.options.schemaBudgetTokens,
      hintCandidate: isHintCandidate,
    });
    if (link.tables.length === 0) {
      throw new AirlockError(
        'NL_UNANSWERED',
        'no table the asker may read matches the question; name the table, or add descriptions and synonyms to the semantic layer',
      );
    }
    // Value samples run through the pipeline as the asker (guard, policy, caps), and are
    // recorded in the question's entry rather than as statements the asker sent.
    const read = async (sql: string) => {
      samples.reads++;
      try {
        return await queries.readFor(view.asker, { connection: view.connection, sql });
      } catch (e) {
        samples.refused++;
        throw e;
      }
    };
    const { hints, sampled } = await this.deps.sampler.hintsFor(
      view.connection,
      link.tables,
      view.dialect,
      read,
    );
    onSampled(sampled);
    const visible = await filterLayer(layer, view);
    const messages = firstMessages({
      dialect: view.dialect,
      question,
      schema: renderSchema(link.tables, hints),
      metrics: relevantMetrics(visible.metrics, question),
      examples: similarExamples(
        visible.examples,
        question,
        this.options.maxExamples,
        this.options.exampleBudgetTokens,
      ),
    });
    const tokens = messages.reduce((n, m) => n + estimateTokens(m.content), 0);
    return { messages, tables: link.tables.map((t) => t.table.name), tokens };
  }
}

/** The candidate whose result most candidates share; ties go to the earliest. */
function majority(successes: Success[]): Success | null {
  if (successes.length <= 1) return successes[0] ?? null;
  const groups = new Map<string, Success[]>();
  for (const s of successes) {
    const k = resultFingerprint(s.data.rows);
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  let best: Success[] = [];
  for (const g of groups.values()) if (g.length > best.length) best = g;
  return best[0]!;
}
