/**
 * Closing a SQLite runner while a job runs (issue: "Stop that never ends"): the job ends at
 * once and leaves no timer behind, so a stop never waits for the job's time limit.
 */
import { expect, it } from 'vitest';
import { RunnerProcess } from '../../src/main/connectors/sqlite/runner-process';
import { demoDatabasePath } from '../../src/main/core';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

it('close() ends the running job and clears its timer', async () => {
  const before = timers();
  const runner = new RunnerProcess(demoDatabasePath());
  const pending = runner.call({ id: 0, op: 'introspect' }, 600_000);
  // The runner is starting and opening the file: a job is in flight with its time limit set.
  expect(runner.load).toBeGreaterThan(0);
  expect(timers()).toBeGreaterThan(before);
  runner.close();
  await expect(pending).rejects.toThrow(/closed/);
  expect(timers()).toBe(before);
});
