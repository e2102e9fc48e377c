/**
 * `airlock audit …`: verify (the store's chain and checkpoints, optionally against a copy
 * kept elsewhere), public-key, export (signed JSON, CSV or PDF report) and verify-report (a
 * report checked offline, with no store and no key). Exit codes: 0 good, 1 broken or
 * tampered, 2 usage errors or an unreadable store/file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { verifyAgainst } from '../audit/against';
import { Checkpointer } from '../audit/checkpoints';
import { buildReport } from '../audit/report/build-report';
import {
  REPORT_FORMATS,
  type ReportFileFormat,
  type ReportFilters,
} from '../audit/report/report-format';
import { parsePublicKey } from '../audit/report/signature';
import { verifyReport } from '../audit/report/verify-report';
import { reportFiles, SIDECAR_SUFFIX } from '../audit/report/write-report';
import { ensureSigningKey } from '../audit/signing-key';
import { AuditLog } from '../audit/audit-log';
import {
  applyRetention,
  purgeAndRecord,
  PurgeRefused,
  type RetentionDeps,
} from '../audit/retention';
import { retentionPolicyOf } from '../audit/retention-settings';
import { verifyAuditChain } from '../audit/verify';
import { lockDataDir } from '../store/data-dir-lock';
import { SettingsRepo } from '../settings/settings';
import { systemClock } from '../ports';
import { headlessKeyProvider } from '../store/key-file';
import { openStore, storePresent, STORE_FILE } from '../store/open-store';
import { StoreError } from '../store/store-error';
import { parseOptions, UsageError } from './args';

type Opts = Record<string, string | boolean>;

export const AUDIT_HELP = `Usage: airlock audit verify [--data-dir DIR] [--json] [--against FILE]
       airlock audit public-key [--data-dir DIR] [--out FILE] [--json]
       airlock audit export --out FILE [--from ISO] [--to ISO] [--format json|csv|pdf]
                            [--agent NAME] [--status allowed|denied|error] [--connection NAME]
                            [--action NAME] [--data-dir DIR]
       airlock audit verify-report FILE [--public-key PEM_FILE] [--json]
       airlock audit purge [--before ISO|SEQ] [--data-dir DIR] [--json]

Commands:
  verify          recompute the hash chain and check every signed checkpoint
  public-key      print the audit signing key (PEM) and its SHA-256 fingerprint
  export          write a signed report of a range
  verify-report   check a report offline, with no store and no store key
  purge           delete old entries under a signed anchor; without --before, apply the
                  settings audit.retentionDays and audit.anonymizeAfterDays now

verify: exit 0 if intact; 1 and the first broken entry if not; 2 on usage errors or an
unreadable store. --against FILE checks the store against a report, a checkpoint or an
earlier 'verify --json' output kept elsewhere: only such a copy catches a rewrite by someone
holding the store key.
verify-report: exit 0 valid (prints the signer's fingerprint, the range and the entry
count); 1 tampered (names the first bad entry or the bad signature); 2 usage errors.
A CSV or PDF report is checked with FILE.sig.json, found beside it.
purge: --before a date removes the entries written before it, --before a number N the
entries below N (the newest entry always stays). Exit 0 done (also when there was nothing
to purge); 1 refused because the entries to purge do not verify; 2 usage errors, an
unreadable store, or a store in use by a running Airlock (stop it first).

Options:
  --data-dir DIR  the data directory (default: $AIRLOCK_HOME, else ~/.airlock)
  -h, --help      show this help`;

async function openExisting(dataDir: string) {
  // An empty file is no store either: opening it would create a new, "intact" one.
  // A store this user may not read is said so (StoreError), never taken for a missing one.
  if (!storePresent(dataDir)) {
    throw new StoreError(
      `no Airlock store in ${dataDir} (expected ${STORE_FILE}); pass --data-dir`,
    );
  }
  return openStore(dataDir, headlessKeyProvider(dataDir));
}

function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(
      `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`${what} ${path} is not JSON`);
  }
}

export async function auditVerify(argv: string[], dataDirOf: (o: Opts) => string): Promise<number> {
  const opts = parseOptions(argv, {
    'data-dir': 'string',
    json: 'boolean',
    against: 'string',
    help: 'boolean',
  });
  if (opts.help) {
    console.log(AUDIT_HELP);
    return 0;
  }
  const kept =
    typeof opts.against === 'string'
      ? readJsonFile(opts.against, 'the file to verify against')
      : undefined;
  const { db } = await openExisting(dataDirOf(opts));
  try {
    const result = verifyAuditChain(db, (n) => {
      if (!opts.json && process.stderr.isTTY) process.stderr.write(`\rverified ${n} entries…`);
    });
    if (!opts.json && process.stderr.isTTY) process.stderr.write('\r');
    let against: ReturnType<typeof verifyAgainst> | null = null;
    if (result.ok && kept !== undefined) {
      try {
        against = verifyAgainst(db, kept);
      } catch (e) {
        throw new UsageError(`--against ${String(opts.against)}: ${(e as Error).message}`);
      }
      if (!against.ok)
        Object.assign(result, {
          ok: false,
          firstBroken: against.firstBroken,
          problem: against.problem,
        });
    }
    if (opts.json) console.log(JSON.stringify(result));
    else if (result.ok) {
      console.log(
        `audit chain intact: ${result.entries} entries verified, ${result.checkpoints} signed checkpoints checked`,
      );
      console.log(`head: entry ${result.headSeq}, ${result.headHash}`);
      if (result.anchor)
        console.log(
          `${result.purged} entries purged under anchor at entry ${result.anchor.seq} (head ${result.anchor.headHash}, Merkle root ${result.anchor.treeRoot}, signed ${result.anchor.time})`,
        );
      if (result.redacted)
        console.log(
          `${result.redacted} fields redacted by anonymization (their commitments verified)`,
        );
      if (against?.ok)
        console.log(
          `matches the ${against.kind} kept elsewhere (through entry ${against.through})`,
        );
    } else if (result.firstBroken !== null) {
      console.log(
        `audit chain BROKEN at entry ${result.firstBroken}: ${result.problem}\n(${result.entries} entries verified before it)`,
      );
    } else console.log(`audit chain BROKEN: ${result.problem}`);
    return result.ok ? 0 : 1;
  } finally {
    db.close();
  }
}

export async function auditPublicKey(
  argv: string[],
  dataDirOf: (o: Opts) => string,
): Promise<number> {
  const opts = parseOptions(argv, {
    'data-dir': 'string',
    out: 'string',
    json: 'boolean',
    help: 'boolean',
  });
  if (opts.help) {
    console.log(AUDIT_HELP);
    return 0;
  }
  const { db } = await openExisting(dataDirOf(opts));
  try {
    const signer = ensureSigningKey(db);
    if (typeof opts.out === 'string') writeFileSync(opts.out, signer.publicKeyPem);
    if (opts.json)
      console.log(
        JSON.stringify({ publicKey: signer.publicKeyPem, fingerprint: signer.fingerprint }),
      );
    else
      console.log(
        `${signer.publicKeyPem.trimEnd()}\nfingerprint (SHA-256 of the public key): ${signer.fingerprint}`,
      );
    return 0;
  } finally {
    db.close();
  }
}

function isoOption(v: string | boolean | undefined, name: string): string | undefined {
  if (typeof v !== 'string') return undefined;
  const t = new Date(v);
  if (Number.isNaN(t.getTime()))
    throw new UsageError(`--${name} needs a date and time (ISO 8601), got '${v}'`);
  return t.toISOString();
}

export async function auditExport(argv: string[], dataDirOf: (o: Opts) => string): Promise<number> {
  const opts = parseOptions(argv, {
    'data-dir': 'string',
    from: 'string',
    to: 'string',
    format: 'string',
    out: 'string',
    agent: 'string',
    status: 'string',
    connection: 'string',
    action: 'string',
    help: 'boolean',
  });
  if (opts.help) {
    console.log(AUDIT_HELP);
    return 0;
  }
  if (typeof opts.out !== 'string') throw new UsageError('export needs --out FILE');
  const format = (opts.format ?? 'json') as ReportFileFormat;
  if (!REPORT_FORMATS.includes(format))
    throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}`);
  const from = isoOption(opts.from, 'from');
  const to = isoOption(opts.to, 'to');
  const filters: ReportFilters = {};
  if (typeof opts.agent === 'string') filters.agent = opts.agent;
  if (typeof opts.status === 'string') {
    if (!['allowed', 'denied', 'error'].includes(opts.status))
      throw new UsageError('--status must be allowed, denied or error');
    filters.status = opts.status as ReportFilters['status'];
  }
  if (typeof opts.connection === 'string') filters.connection = opts.connection;
  if (typeof opts.action === 'string') filters.action = opts.action;
  const out = resolve(opts.out);
  if (!existsSync(dirname(out))) throw new UsageError(`the folder of --out ${out} does not exist`);
  const { db } = await openExisting(dataDirOf(opts));
  try {
    const signer = ensureSigningKey(db);
    const report = await buildReport(
      { db, signer, checkpoints: new Checkpointer(db, signer, systemClock), now: () => new Date() },
      { ...(from ? { from } : {}), ...(to ? { to } : {}), filters },
      (done, total) => {
        if (process.stderr.isTTY) process.stderr.write(`\rreading ${done} of ${total} entries…`);
      },
    );
    if (process.stderr.isTTY) process.stderr.write('\r');
    const files = await reportFiles(signer, report, format, out);
    for (const f of files) writeFileSync(join(dirname(out), f.name), f.content);
    console.log(
      `wrote ${files.map((f) => join(dirname(out), f.name)).join(' and ')}: ${report.entries.length} entries` +
        `${report.range.firstSeq !== null ? ` (${report.range.firstSeq}–${report.range.lastSeq})` : ''}, ` +
        `signed checkpoint at entry ${report.checkpoint.seq}, signer fingerprint ${signer.fingerprint}`,
    );
    return 0;
  } finally {
    db.close();
  }
}

/** Splits `FILE --opt v` into the one positional argument and the options. */
function positional(
  argv: string[],
  spec: Record<string, 'string' | 'boolean'>,
): { file: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('-')) {
      rest.push(a);
      const name = /^--([a-z-]+)$/.exec(a)?.[1];
      if (name && spec[name] === 'string' && argv[i + 1] !== undefined) rest.push(argv[++i]!);
    } else if (file === undefined) file = a;
    else throw new UsageError(`unexpected argument '${a}' (verify-report takes one FILE)`);
  }
  return { file, rest };
}

export function auditVerifyReport(argv: string[]): number {
  const spec = { 'public-key': 'string', json: 'boolean', help: 'boolean' } as const;
  const { file, rest } = positional(argv, spec);
  const opts = parseOptions(rest, spec);
  if (opts.help) {
    console.log(AUDIT_HELP);
    return 0;
  }
  if (!file) throw new UsageError('verify-report needs the report FILE');
  let expectedKey;
  if (typeof opts['public-key'] === 'string') {
    let pem: string;
    try {
      pem = readFileSync(opts['public-key'], 'utf8');
    } catch (e) {
      throw new UsageError(
        `cannot read the public key ${opts['public-key']}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    expectedKey = parsePublicKey(pem);
    if (!expectedKey)
      throw new UsageError(`${opts['public-key']} holds no Ed25519 public key (PEM)`);
  }
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  // FILE is a JSON report, a CSV/PDF with FILE.sig.json beside it, or that .sig.json itself.
  let dataFile: string | null = null;
  let reportPath = file;
  if (file.endsWith(SIDECAR_SUFFIX)) dataFile = file.slice(0, -SIDECAR_SUFFIX.length);
  else if (existsSync(`${file}${SIDECAR_SUFFIX}`)) {
    dataFile = file;
    reportPath = `${file}${SIDECAR_SUFFIX}`;
  }
  const report = readJsonFile(reportPath, 'the report');
  let bytes: Buffer | undefined;
  if (dataFile !== null) {
    if (!existsSync(dataFile))
      throw new UsageError(`${reportPath} vouches for ${dataFile}, which is not there`);
    bytes = readFileSync(dataFile);
  }
  const verdict = verifyReport({
    report,
    ...(bytes ? { file: bytes } : {}),
    ...(expectedKey ? { expectedKey } : {}),
  });
  if (opts.json) console.log(JSON.stringify(verdict));
  else if (verdict.ok) {
    console.log(
      `report valid: ${verdict.entries} entries, ${verdict.range.firstSeq !== null ? `entries ${verdict.range.firstSeq}–${verdict.range.lastSeq}` : 'no entries'}`,
    );
    console.log(
      `range: ${verdict.range.from ?? 'start of the log'} to ${verdict.range.to ?? 'end of the log'}; proven under the signed checkpoint at entry ${verdict.checkpointSeq}`,
    );
    console.log(
      `signer fingerprint: ${verdict.fingerprint}${expectedKey ? ' (the expected key)' : ' (compare it with the officer’s public key; pass --public-key to check it)'}`,
    );
  } else {
    console.log(
      `report TAMPERED${verdict.badEntry !== null ? ` at entry ${verdict.badEntry}` : ''}: ${verdict.problem}`,
    );
  }
  return verdict.ok ? 0 : 1;
}

/** `--before`: a whole number is a seq, anything else a date and time. */
function beforeOption(v: string): Date | number {
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new UsageError(`--before ${v}: not an entry number`);
    return n;
  }
  const t = new Date(v);
  if (Number.isNaN(t.getTime()))
    throw new UsageError(
      `--before needs a date and time (ISO 8601) or an entry number, got '${v}'`,
    );
  return t;
}

export async function auditPurge(argv: string[], dataDirOf: (o: Opts) => string): Promise<number> {
  const opts = parseOptions(argv, {
    'data-dir': 'string',
    before: 'string',
    json: 'boolean',
    help: 'boolean',
  });
  if (opts.help) {
    console.log(AUDIT_HELP);
    return 0;
  }
  const before = typeof opts.before === 'string' ? beforeOption(opts.before) : undefined;
  const dataDir = dataDirOf(opts);
  const { db } = await openExisting(dataDir);
  let unlock: (() => void) | null = null;
  try {
    // The purge is audited: no running Airlock may be appending to the same chain meanwhile.
    unlock = lockDataDir(dataDir, 'airlock audit purge');
    const signer = ensureSigningKey(db);
    const audit = new AuditLog(db);
    const deps: RetentionDeps = {
      db,
      signer,
      append: (r) => audit.append(r),
      clock: systemClock,
    };
    try {
      const run =
        before !== undefined
          ? { anonymized: null, purge: await purgeAndRecord(deps, before, 'cli') }
          : await applyRetention(deps, retentionPolicyOf(new SettingsRepo(db).get()), 'cli');
      // The purge's own entry is covered by a checkpoint like any other.
      new Checkpointer(db, signer, systemClock).checkpointNow();
      if (opts.json) console.log(JSON.stringify({ ok: true, ...run }));
      else {
        if (!run.anonymized && !run.purge)
          console.log(
            'nothing to do: neither --before nor audit.retentionDays / audit.anonymizeAfterDays is set',
          );
        if (run.anonymized)
          console.log(
            `anonymized ${run.anonymized.entries} entries (${run.anonymized.fields} fields replaced by their commitment)`,
          );
        if (run.purge?.anchor)
          console.log(
            `purged ${run.purge.purged} entries before ${run.purge.cutoff} under the signed anchor at entry ${run.purge.anchor.seq} (head ${run.purge.anchor.headHash}, Merkle root ${run.purge.anchor.treeRoot})`,
          );
        else if (run.purge) console.log(`nothing to purge before ${run.purge.cutoff}`);
      }
      return 0;
    } catch (e) {
      if (!(e instanceof PurgeRefused)) throw e;
      if (opts.json) console.log(JSON.stringify({ ok: false, problem: e.message }));
      else console.log(`purge REFUSED: ${e.message}`);
      return 1;
    } finally {
      await audit.close();
    }
  } finally {
    unlock?.();
    db.close();
  }
}
