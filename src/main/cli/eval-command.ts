/**
 * `airlock eval`: runs a question / gold-SQL file against the local model through the whole NL
 * path and reports execution accuracy, repairs and latency, as a table or as JSON. Exit 0 when
 * the run completed (whatever the score), 1 when it could not run (Ollama, the store, the
 * connection), 2 on usage errors.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createCore } from '../core';
import { headlessKeyProvider } from '../store/key-file';
import { parseQuestions, runEvaluation, type EvalReport, type EvalResult } from '../nl/evaluation';
import { parseOptions, UsageError } from './args';

export const EVAL_HELP = `Usage: airlock eval --connection NAME --questions FILE.jsonl [--model M] [--ollama URL]
                    [--data-dir DIR] [--json]

Asks each question of FILE.jsonl through Airlock's natural-language path (schema linking,
semantic layer, the local model via Ollama, the SQL guard, repairs) and runs its gold SQL
through the same guarded path, then compares the two results as multisets (in order only
when the gold SQL has ORDER BY). Reports execution accuracy (overall and per difficulty),
how often a repair was needed and worked, and latency.

Each line of FILE.jsonl: {"id": "q1", "question": "…", "sql": "SELECT …", "difficulty": "easy"}
(id and difficulty optional). resources/eval/demo-questions.jsonl holds 64 for the demo database.

Questions and gold statements are audited like any analyst's (actor cli:eval). The command
opens the store itself: stop a running 'airlock serve' on the same data directory first.

Options:
  --connection NAME  the connection to ask (e.g. demo)
  --questions FILE   the JSON Lines file of questions and gold SQL
  --model M          the Ollama model (default: the one in the settings)
  --ollama URL       Ollama's address (default: the one in the settings)
  --data-dir DIR     the data directory (default: $AIRLOCK_HOME, else ~/.airlock)
  --json             print the report as JSON
  -h, --help         show this help`;

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const secs = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function row(r: EvalResult): string {
  const result = r.correct ? 'ok' : r.answered ? 'wrong' : (r.error?.code ?? 'failed');
  return [
    r.id.padEnd(6),
    r.difficulty.padEnd(10),
    result.padEnd(15),
    String(r.attempts).padEnd(8),
    secs(r.latencyMs).padStart(7),
    ` ${clip(r.question, 70)}`,
  ].join(' ');
}

export function formatReport(rep: EvalReport): string {
  const lines = [
    `Airlock eval: model ${rep.model} on connection ${rep.connection}, ${rep.questions} question(s)`,
    '',
    `${'id'.padEnd(6)} ${'difficulty'.padEnd(10)} ${'result'.padEnd(15)} ${'attempts'.padEnd(8)} ${'latency'.padStart(7)}  question`,
    ...rep.results.map(row),
    '',
    `Execution accuracy: ${rep.correct}/${rep.questions} = ${pct(rep.executionAccuracy)}` +
      (Object.keys(rep.byDifficulty).length > 1
        ? `  (${Object.entries(rep.byDifficulty)
            .map(([d, v]) => `${d} ${v.correct}/${v.questions}`)
            .join(', ')})`
        : ''),
    `Answered (a statement ran): ${rep.answered}/${rep.questions}`,
    rep.repair.needed
      ? `Repairs: ${rep.repair.needed} question(s) needed one; ${rep.repair.repaired} then ran (repair rate ${pct(rep.repair.rate ?? 0)})`
      : 'Repairs: none needed',
    `Latency: mean ${secs(rep.latency.meanMs)}, p50 ${secs(rep.latency.p50Ms)}, p95 ${secs(rep.latency.p95Ms)}, max ${secs(rep.latency.maxMs)}`,
  ];
  return lines.join('\n');
}

export async function evalCommand(
  argv: string[],
  dataDirOf: (opts: Record<string, string | boolean>) => string,
): Promise<number> {
  const opts = parseOptions(argv, {
    connection: 'string',
    questions: 'string',
    model: 'string',
    ollama: 'string',
    'data-dir': 'string',
    json: 'boolean',
    help: 'boolean',
  });
  if (opts.help) {
    console.log(EVAL_HELP);
    return 0;
  }
  if (typeof opts.connection !== 'string') throw new UsageError('eval needs --connection NAME');
  if (typeof opts.questions !== 'string') throw new UsageError('eval needs --questions FILE.jsonl');
  const file = resolve(opts.questions);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const questions = parseQuestions(text, file);
  const dataDir = dataDirOf(opts);
  const override = {
    ...(typeof opts.ollama === 'string' ? { url: opts.ollama } : {}),
    ...(typeof opts.model === 'string' ? { model: opts.model } : {}),
  };
  const core = await createCore({
    dataDir,
    keyProvider: headlessKeyProvider(dataDir),
    nl: { ollama: override },
  });
  try {
    if (!core.connections.get(opts.connection)) {
      console.error(`airlock: no connection named '${opts.connection}' in ${dataDir}`);
      return 1;
    }
    const status = await core.nl.ollama.status();
    if (status.problem) {
      console.error(
        `airlock: ${status.problem.message}\n${status.guidance.map((g) => `  - ${g}`).join('\n')}`,
      );
      return 1;
    }
    const progress = (r: EvalResult, i: number) => {
      if (!opts.json)
        process.stderr.write(
          `[${i + 1}/${questions.length}] ${r.id} ${r.correct ? 'ok' : r.answered ? 'wrong' : (r.error?.code ?? 'failed')}\n`,
        );
    };
    const rep = await runEvaluation(core, {
      connection: opts.connection,
      questions,
      model: status.model,
      onResult: progress,
    });
    console.log(opts.json ? JSON.stringify(rep, null, 2) : formatReport(rep));
    return 0;
  } finally {
    await core.close();
  }
}
