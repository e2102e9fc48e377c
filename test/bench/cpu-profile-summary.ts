/**
 * Where a V8 CPU profile (node --cpu-prof, or BENCH_CPU_PROF with `npm run bench:guard`)
 * spent the main thread's time: self time by function and by file, top N. Usage:
 * `tsx test/bench/cpu-profile-summary.ts FILE.cpuprofile [N]`. It asserts nothing.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: cpu-profile-summary.ts FILE.cpuprofile [N]');
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) =>
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
);

const short = (url: string) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/.*\/node_modules\//, 'npm:')
    .replace(/.*\/src\//, 'src/')
    .replace(/\?.*$/, '') || '(native)';
const tally = (key: (n: ProfileNode) => string) => {
  const m = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const k = key(byId.get(id)!);
    m.set(k, (m.get(k) ?? 0) + us);
  }
  return [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
};
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const idle = [...selfUs]
  .filter(([id]) => ['(idle)', '(program)'].includes(byId.get(id)!.callFrame.functionName))
  .reduce((a, [, us]) => a + us, 0);
const row = ([k, us]: [string, number]) =>
  `${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`;
console.log(
  `profile ${(total / 1e6).toFixed(1)} s, idle/program ${((100 * idle) / total).toFixed(1)} %`,
);
console.log('\nself time by function:');
for (const r of tally(
  (n) =>
    `${n.callFrame.functionName || '(anonymous)'}  ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`,
))
  console.log(row(r));
console.log('\nself time by file:');
for (const r of tally((n) => short(n.callFrame.url))) console.log(row(r));
