/** Messages between the audit verifier thread (verify-worker.ts) and the job that started it. */
import type { VerifyResult } from './verify';

export interface VerifySetup {
  path: string;
  keyHex: string;
  /** A progress message every this many entries. */
  progressEvery: number;
}

export type VerifyMessage =
  | { type: 'progress'; verified: number }
  | { type: 'done'; result: VerifyResult }
  | { type: 'failed'; error: string };
