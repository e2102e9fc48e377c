/** A tiny, strict option parser: unknown options are usage errors (exit 2), never ignored. */
export class UsageError extends Error {}

export function parseOptions(
  argv: string[],
  spec: Record<string, 'string' | 'boolean'>,
): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h') {
      out.help = true;
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m || !(m[1]! in spec)) throw new UsageError(`unknown option '${arg}'`);
    const name = m[1]!;
    if (spec[name] === 'boolean') {
      if (m[2] !== undefined) throw new UsageError(`--${name} takes no value`);
      out[name] = true;
    } else {
      const value = m[2] ?? argv[++i];
      if (value === undefined || value.startsWith('--'))
        throw new UsageError(`--${name} needs a value`);
      out[name] = value;
    }
  }
  return out;
}
