/**
 * Execution accuracy of the NL path on question / gold-SQL pairs: each question is asked
 * exactly as a person would ask it (linking, examples, the model, the guard, repairs), the
 * gold SQL runs through the same guarded path, and the two results are compared as multisets
 * (in order only when the gold SQL orders its result). Also: how often a repair was needed and
 * worked, and how long questions took.
 */
import { z } from 'zod';
import type { AskAnswer } from '../../shared/contract/nl';
import { isAirlockError } from '../../shared/errors';
import type { Clock } from '../ports';
import type { Pipeline } from '../query/pipeline';
import type { NlCore } from './nl-core';
import { parseStatement } from '../guard/parse';
import { analystAsker } from './access';
import { sameResult } from './result-compare';

const Question = z.object({
  id: z.string().min(1).max(100).optional(),
  question: z.string().min(1).max(2000),
  sql: z.string().min(1).max(20_000),
  difficulty: z.string().max(50).optional(),
});

export interface EvalQuestion {
  id: string;
  question: string;
  sql: string;
  difficulty: string;
}

/** JSON Lines: one `{ "question", "sql", "id"?, "difficulty"? }` per line; blank lines and `#` comments skipped. */
export function parseQuestions(text: string, source: string): EvalQuestion[] {
  const out: EvalQuestion[] = [];
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    let value: unknown;
    try {
      value = JSON.parse(t);
    } catch (e) {
      throw new Error(`${source}, line ${i + 1}: not valid JSON (${(e as Error).message})`);
    }
    const r = Question.safeParse(value);
    if (!r.success) {
      throw new Error(
        `${source}, line ${i + 1}: ${r.error.issues.map((x) => `${x.path.join('.') || '(line)'}: ${x.message}`).join('; ')}`,
      );
    }
    out.push({
      id: r.data.id ?? `line${i + 1}`,
      question: r.data.question,
      sql: r.data.sql,
      difficulty: r.data.difficulty ?? 'unrated',
    });
  });
  if (out.length === 0) throw new Error(`${source} holds no questions`);
  return out;
}

/** Does the statement order its result at the top level? Then order is part of the answer. */
export function ordersResult(sql: string): boolean {
  try {
    const ast = parseStatement(sql, 'sqlite') as { orderby?: unknown; _next?: unknown };
    return Array.isArray(ast.orderby) && ast.orderby.length > 0;
  } catch {
    return /\border\s+by\b(?![^(]*\))/i.test(sql);
  }
}

export interface EvalResult {
  id: string;
  difficulty: string;
  question: string;
  /** The predicted result equals the gold result. */
  correct: boolean;
  /** The NL path produced a statement that ran. */
  answered: boolean;
  sql: string | null;
  attempts: number;
  /** The first attempt failed (parse, guard or engine error) and a later one was tried. */
  neededRepair: boolean;
  latencyMs: number;
  error: { code: string; message: string } | null;
}

export interface EvalReport {
  connection: string;
  model: string;
  questions: number;
  correct: number;
  executionAccuracy: number;
  answered: number;
  byDifficulty: Record<string, { questions: number; correct: number; accuracy: number }>;
  repair: { needed: number; repaired: number; rate: number | null };
  latency: { meanMs: number; p50Ms: number; p95Ms: number; maxMs: number };
  results: EvalResult[];
}

export interface EvalOptions {
  connection: string;
  questions: EvalQuestion[];
  model?: string;
  onResult?: (r: EvalResult, index: number) => void;
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

/** What an evaluation uses of the core: the NL capability, the query pipeline and the clock. */
export interface EvalDeps {
  nl: NlCore;
  queries: Pipeline;
  clock: Clock;
}

export async function runEvaluation(core: EvalDeps, opts: EvalOptions): Promise<EvalReport> {
  const asker = analystAsker(opts.connection, 'cli:eval');
  const model = opts.model ?? core.nl.ollama.model;
  const results: EvalResult[] = [];
  for (const [i, q] of opts.questions.entries()) {
    const gold = await core.queries.run(asker, { connection: opts.connection, sql: q.sql });
    if (gold.kind !== 'read') throw new Error(`question ${q.id}: the gold SQL is not a read`);
    const started = core.clock.monotonicMs();
    let answer: AskAnswer | null = null;
    let error: EvalResult['error'] = null;
    let history: AskAnswer['history'] = [];
    try {
      answer = await core.nl.asks.ask(
        asker,
        { connection: opts.connection, question: q.question },
        { model },
      );
      history = answer.history;
    } catch (e) {
      if (!isAirlockError(e)) throw e;
      // Ollama itself failing is not the model's mistake: stop rather than score it.
      if (e.code.startsWith('OLLAMA_') || e.code === 'CANCELLED') throw e;
      error = { code: e.code, message: e.message };
      history = (e.details.history as AskAnswer['history'] | undefined) ?? [];
    }
    const r: EvalResult = {
      id: q.id,
      difficulty: q.difficulty,
      question: q.question,
      correct: answer !== null && sameResult(gold.rows, answer.rows, ordersResult(q.sql)),
      answered: answer !== null,
      sql: answer?.sql ?? [...history].reverse().find((h) => h.sql)?.sql ?? null,
      attempts: answer?.attempts ?? history.length,
      neededRepair: history.length > 1 && history[0]!.error !== null,
      latencyMs: Math.round(core.clock.monotonicMs() - started),
      error,
    };
    results.push(r);
    opts.onResult?.(r, i);
  }
  return report(opts.connection, model, results);
}

export function report(connection: string, model: string, results: EvalResult[]): EvalReport {
  const n = results.length;
  const correct = results.filter((r) => r.correct).length;
  const byDifficulty: EvalReport['byDifficulty'] = {};
  for (const r of results) {
    const d = (byDifficulty[r.difficulty] ??= { questions: 0, correct: 0, accuracy: 0 });
    d.questions++;
    if (r.correct) d.correct++;
  }
  for (const d of Object.values(byDifficulty)) d.accuracy = round(d.correct / d.questions);
  const needed = results.filter((r) => r.neededRepair);
  const repaired = needed.filter((r) => r.answered).length;
  const times = results.map((r) => r.latencyMs).sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(n - 1, Math.floor(p * n))] ?? 0;
  return {
    connection,
    model,
    questions: n,
    correct,
    executionAccuracy: n ? round(correct / n) : 0,
    answered: results.filter((r) => r.answered).length,
    byDifficulty,
    repair: {
      needed: needed.length,
      repaired,
      rate: needed.length ? round(repaired / needed.length) : null,
    },
    latency: {
      meanMs: n ? Math.round(times.reduce((a, b) => a + b, 0) / n) : 0,
      p50Ms: pct(0.5),
      p95Ms: pct(0.95),
      maxMs: times.at(-1) ?? 0,
    },
    results,
  };
}
