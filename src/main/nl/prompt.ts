/**
 * What the model is asked: rules, the linked schema, the metrics and the verified examples
 * most like the question (all already cut to what the asker may read), and the question,
 * with a JSON schema for the answer. Repairs continue the same conversation with the error.
 */
import MiniSearch from 'minisearch';
import type { Message } from 'ollama';
import { z } from 'zod';
import type { SemanticLayer } from '../../shared/contract/nl';
import type { Dialect } from '../guard/dialect';
import { estimateTokens, term, words } from './terms';

/** Ollama's structured output: the model must answer exactly this shape. */
export const ANSWER_FORMAT = {
  type: 'object',
  properties: {
    sql: { type: 'string', description: 'one read-only SELECT statement' },
    explanation: { type: 'string', description: 'one or two sentences on what the query does' },
  },
  required: ['sql', 'explanation'],
} as const;

const Answer = z.object({ sql: z.string().min(1), explanation: z.string().default('') });
export type ModelAnswer = z.infer<typeof Answer>;

const DIALECT_NAME: Record<Dialect, string> = {
  sqlite: 'SQLite',
  postgres: 'PostgreSQL',
  mysql: 'MySQL/MariaDB',
};

export function systemPrompt(dialect: Dialect): string {
  return [
    `You translate questions into ${DIALECT_NAME[dialect]} SQL for a read-only analytics assistant.`,
    'Rules:',
    '- Answer with JSON: {"sql": "...", "explanation": "..."}.',
    '- Write exactly one SELECT statement (WITH … SELECT is fine). Never write INSERT, UPDATE, DELETE or DDL.',
    '- Use only the tables and columns listed in the schema; they are all you may read. Never use SELECT *: name the columns.',
    '- Join tables through the REFERENCES shown. Use the listed values for filters, spelled exactly.',
    '- Prefer clear column aliases. Add ORDER BY when the question asks for a ranking, top or bottom.',
    '- The explanation says in plain words what the query computes.',
  ].join('\n');
}

type Metric = SemanticLayer['metrics'][number];
type Example = SemanticLayer['examples'][number];

export function renderMetrics(metrics: Metric[]): string {
  return metrics
    .map(
      (m) =>
        `- ${m.name}: SELECT ${m.sql} FROM ${m.from}${m.filter ? ` WHERE ${m.filter}` : ''}${m.description ? ` -- ${m.description}` : ''}`,
    )
    .join('\n');
}

const searchOptions = { tokenize: words, processTerm: term };

/** The verified examples most like the question, as many as fit the budget. */
export function similarExamples(
  examples: Example[],
  question: string,
  max: number,
  budgetTokens: number,
): Example[] {
  if (examples.length === 0) return [];
  const index = new MiniSearch<{ id: number; question: string }>({
    fields: ['question'],
    ...searchOptions,
  });
  index.addAll(examples.map((e, id) => ({ id, question: e.question })));
  const out: Example[] = [];
  let used = 0;
  for (const hit of index.search(question, { fuzzy: 0.2, prefix: true })) {
    const e = examples[hit.id as number]!;
    const cost = estimateTokens(e.question + e.sql) + 4;
    if (used + cost > budgetTokens) continue;
    used += cost;
    out.push(e);
    if (out.length >= max) break;
  }
  return out;
}

/** Metrics the question seems to mention; all of them when there are only a few. */
export function relevantMetrics(metrics: Metric[], question: string, max = 8): Metric[] {
  if (metrics.length <= max) return metrics;
  const asked = new Set(
    words(question)
      .map((w) => term(w))
      .filter(Boolean),
  );
  const score = (m: Metric) =>
    words(`${m.name} ${m.description ?? ''} ${(m.synonyms ?? []).join(' ')}`).filter((w) =>
      asked.has(term(w)),
    ).length;
  return metrics
    .map((m) => ({ m, s: score(m) }))
    .filter((x) => x.s > 0)
    .sort((a, b) => b.s - a.s)
    .slice(0, max)
    .map((x) => x.m);
}

export interface PromptParts {
  dialect: Dialect;
  question: string;
  schema: string;
  metrics: Metric[];
  examples: Example[];
}

export function firstMessages(p: PromptParts): Message[] {
  const sections = [`Schema (${DIALECT_NAME[p.dialect]}):\n${p.schema}`];
  if (p.metrics.length)
    sections.push(
      `Named metrics (use these definitions when the question uses their names):\n${renderMetrics(p.metrics)}`,
    );
  if (p.examples.length)
    sections.push(
      `Verified examples:\n${p.examples.map((e) => `Q: ${e.question}\nSQL: ${e.sql}`).join('\n\n')}`,
    );
  sections.push(`Question: ${p.question}`);
  return [
    { role: 'system', content: systemPrompt(p.dialect) },
    { role: 'user', content: sections.join('\n\n') },
  ];
}

/** The model's previous answer and why it failed, for the next attempt. */
export function repairMessages(
  previous: string,
  error: { code: string; message: string },
): Message[] {
  return [
    { role: 'assistant', content: previous },
    {
      role: 'user',
      content: `That answer failed (${error.code}): ${error.message}\nFix it. Use only the schema above and answer with the same JSON shape.`,
    },
  ];
}

/**
 * Reads the model's JSON answer. Some models still wrap SQL in a code fence or end it with a
 * semicolon; both are removed so that the guard judges the statement itself.
 */
export function parseAnswer(content: string): ModelAnswer {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    throw new Error(
      'the answer was not valid JSON; answer with {"sql": "...", "explanation": "..."}',
    );
  }
  const r = Answer.safeParse(value);
  if (!r.success) throw new Error('the answer did not have the fields "sql" and "explanation"');
  const sql = r.data.sql
    .trim()
    .replace(/^```(?:sql)?\s*/i, '')
    .replace(/\s*```$/, '')
    .trim()
    .replace(/;\s*$/, '')
    .trim();
  if (!sql) throw new Error('the "sql" field was empty');
  return { sql, explanation: r.data.explanation.trim() };
}
