/**
 * Schema-linking benchmark (`npm run bench:linking`): on a generated 1,000-table schema,
 * the share of gold tables that linking puts in the prompt within the token budget, and the
 * milliseconds each question takes. Prints figures; asserts nothing about time.
 */
import { buildCatalog } from '../../src/main/nl/schema-catalog';
import { DEFAULT_SCHEMA_BUDGET, linkSchema, type Readable } from '../../src/main/nl/schema-linker';
import { generateQuestions, generateSchema } from './generated-schema';

const QUESTIONS = Number(process.env.QUESTIONS ?? 500);
const budget = Number(process.env.BUDGET ?? DEFAULT_SCHEMA_BUDGET);

const { tables, layer } = generateSchema();
const readable: Readable = new Map(
  tables.map((t) => [t.name.toLowerCase(), new Set(t.columns.map((c) => c.name))]),
);
const questions = generateQuestions(QUESTIONS);

const t0 = performance.now();
const catalog = buildCatalog(tables, layer);
const buildMs = performance.now() - t0;

// Warm up the JIT so the first questions do not count compilation.
for (const q of questions.slice(0, 20))
  linkSchema(catalog, readable, q.question, { budgetTokens: budget });

let found = 0;
let gold = 0;
let complete = 0;
let linkedTables = 0;
let tokens = 0;
const times: number[] = [];
const byKind = new Map<string, { found: number; gold: number; n: number }>();
const misses: string[] = [];
for (const q of questions) {
  const start = performance.now();
  const r = linkSchema(catalog, readable, q.question, { budgetTokens: budget });
  times.push(performance.now() - start);
  const got = new Set(r.tables.map((t) => t.table.key));
  const hit = q.gold.filter((g) => got.has(g)).length;
  found += hit;
  gold += q.gold.length;
  if (hit === q.gold.length) complete++;
  else if (misses.length < 8)
    misses.push(`  ${q.question}  → missing ${q.gold.filter((g) => !got.has(g)).join(', ')}`);
  linkedTables += r.tables.length;
  tokens += r.tokens;
  if (r.tokens > budget) throw new Error(`budget exceeded: ${r.tokens} > ${budget}`);
  const k = byKind.get(q.kind) ?? { found: 0, gold: 0, n: 0 };
  k.found += hit;
  k.gold += q.gold.length;
  k.n++;
  byKind.set(q.kind, k);
}
times.sort((a, b) => a - b);
const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
const mean = times.reduce((a, b) => a + b, 0) / times.length;

console.log(`Schema linking on a generated schema: ${tables.length} tables, ${tables.reduce((n, t) => n + t.columns.length, 0)} columns, ${questions.length} questions, budget ${budget} tokens
  catalog build (once per schema/layer revision): ${buildMs.toFixed(0)} ms
  recall of gold tables:            ${(found / gold).toFixed(3)}  (${found}/${gold})
  questions with every gold table:  ${(complete / questions.length).toFixed(3)}
  tables in prompt (mean):          ${(linkedTables / questions.length).toFixed(1)}
  schema tokens (mean):             ${(tokens / questions.length).toFixed(0)} of ${budget}
  ms per question:                  mean ${mean.toFixed(2)}, p50 ${pct(0.5).toFixed(2)}, p95 ${pct(0.95).toFixed(2)}, max ${times.at(-1)!.toFixed(2)}
  by kind:`);
for (const [k, v] of [...byKind].sort())
  console.log(`    ${k.padEnd(8)} recall ${(v.found / v.gold).toFixed(3)} over ${v.n} questions`);
if (misses.length) console.log(`  some misses:\n${misses.join('\n')}`);
