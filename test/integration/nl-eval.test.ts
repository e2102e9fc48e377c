/**
 * `bin/airlock eval` as a real child process against the Ollama test double: the double
 * answers each question with its gold SQL, except a few scripted to need a repair or to be
 * wrong, so the report's accuracy, repair rate and table can be checked. The report is printed.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQuestions, type EvalReport } from '../../src/main/nl/evaluation';
import {
  sqlAnswer,
  startOllamaDouble,
  type ChatBody,
  type OllamaDouble,
} from '../doubles/ollama-double';
import { tempDir } from '../helpers/harness';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AIRLOCK = join(ROOT, 'bin/airlock');
const MODEL = 'qwen2.5-coder:7b';
const all = parseQuestions(
  readFileSync(join(ROOT, 'resources/eval/demo-questions.jsonl'), 'utf8'),
  'demo-questions.jsonl',
);
// Two of each difficulty keep the child process quick.
const picked = ['easy', 'medium', 'hard'].flatMap((d) =>
  all.filter((q) => q.difficulty === d).slice(0, 2),
);
const [repairMe, wrongMe] = [picked[1]!, picked[3]!];

let double: OllamaDouble;
let dir: string;
let file: string;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.AIRLOCK_HOME;
  delete env.AIRLOCK_STORE_KEY;
  return new Promise((resolve) => {
    execFile(AIRLOCK, args, { cwd: ROOT, env, timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Plays a perfect model, except for the two questions scripted otherwise. */
function model(body: ChatBody) {
  const user = body.messages.filter((m) => m.role === 'user');
  const question = /Question: (.*)$/.exec(user[0]!.content)![1]!;
  const q = picked.find((x) => x.question === question)!;
  if (q === repairMe && user.length === 1) return sqlAnswer('SELECT nonsense FROM nowhere');
  if (q === wrongMe) return sqlAnswer('SELECT 1');
  return sqlAnswer(q.sql);
}

beforeAll(async () => {
  double = await startOllamaDouble({ models: [MODEL] });
  double.otherwise(model);
  dir = tempDir('airlock-eval-');
  file = join(dir, 'questions.jsonl');
  writeFileSync(file, picked.map((q) => JSON.stringify(q)).join('\n'));
});
afterAll(async () => {
  await double.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('bin/airlock eval', () => {
  it('prints a table with execution accuracy, repairs and latency', async () => {
    const r = await run([
      'eval',
      '--connection',
      'demo',
      '--questions',
      file,
      '--model',
      MODEL,
      '--ollama',
      double.url,
      '--data-dir',
      join(dir, 'data'),
    ]);
    console.log(r.stdout);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /Airlock eval: model qwen2\.5-coder:7b on connection demo, 6 question\(s\)/,
    );
    expect(r.stdout).toMatch(
      /Execution accuracy: 5\/6 = 83\.3%\s+\(easy 2\/2, medium 1\/2, hard 2\/2\)/,
    );
    expect(r.stdout).toMatch(
      /Repairs: 1 question\(s\) needed one; 1 then ran \(repair rate 100\.0%\)/,
    );
    expect(r.stdout).toMatch(/Latency: mean [\d.]+ m?s, p50/);
    expect(r.stdout).toMatch(new RegExp(`${wrongMe.id}\\s+medium\\s+wrong`));
    expect(r.stdout).toMatch(new RegExp(`${repairMe.id}\\s+easy\\s+ok\\s+2 `));
  });

  it('--json gives the same report as data', async () => {
    const r = await run([
      'eval',
      '--connection',
      'demo',
      '--questions',
      file,
      '--ollama',
      double.url,
      '--model',
      MODEL,
      '--data-dir',
      join(dir, 'data'),
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout) as EvalReport;
    expect(rep).toMatchObject({
      connection: 'demo',
      model: MODEL,
      questions: 6,
      correct: 5,
      executionAccuracy: 0.8333,
      answered: 6,
      repair: { needed: 1, repaired: 1, rate: 1 },
    });
    expect(rep.byDifficulty.hard).toEqual({ questions: 2, correct: 2, accuracy: 1 });
    expect(rep.results.find((x) => x.id === wrongMe.id)).toMatchObject({
      correct: false,
      answered: true,
      sql: 'SELECT 1',
    });
  });

  it('says what is wrong when Ollama lacks the model, and exits 1', async () => {
    const r = await run([
      'eval',
      '--connection',
      'demo',
      '--questions',
      file,
      '--ollama',
      double.url,
      '--model',
      'nosuch:1b',
      '--data-dir',
      join(dir, 'data'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/has no model named 'nosuch:1b'/);
    expect(r.stderr).toMatch(/ollama create nosuch:1b -f Modelfile/);
  });

  it('usage errors exit 2', async () => {
    expect((await run(['eval', '--questions', file])).code).toBe(2);
    expect((await run(['eval', '--connection', 'demo'])).code).toBe(2);
    expect(
      (await run(['eval', '--connection', 'demo', '--questions', join(dir, 'missing.jsonl')])).code,
    ).toBe(2);
    const help = await run(['eval', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: airlock eval --connection NAME --questions FILE\.jsonl/);
  });
});
