/**
 * Database error messages without the data in them. Engines quote the offending value when a
 * cast, a constraint or a conversion fails (`invalid input syntax for type integer: "…"`,
 * `Duplicate entry '…'`, `Truncated incorrect DECIMAL value: '…'`), which turns an error into a
 * read of whatever value the statement touched — a hidden column included, if any layer above
 * missed it. Every engine error an agent sees (and the audit records) passes through here.
 *
 * The rule is: a quoted fragment survives only when it is a name — one the statement itself
 * wrote (outside its string literals), or one that follows a naming word the engine uses for
 * schema objects (constraint, column, key, …) in errors that never quote data there. Anything
 * else quoted, hexadecimal byte dumps and (for data errors) bare numbers become `…`.
 */

export const HIDDEN = '…';
const NOTE = ' (values from the data are not shown)';

export interface ScrubRules {
  /** The statement's text: quoted fragments it spells outside its literals are names, kept. */
  sql?: string;
  /** Naming words after which a quoted fragment is a schema object's name, kept. */
  namingWords?: readonly string[];
  /** Also hide bare numbers (date parts, code points, sizes taken from the data). */
  numbers?: boolean;
  /** Quote characters the engine uses around values and names. */
  quotes?: readonly string[];
  /** Quote characters that only ever hold names (MySQL's backticks): kept whatever precedes. */
  nameQuotes?: readonly string[];
}

/** The statement's text outside its string literals, lower-cased: where the names it wrote are. */
export function namesText(sql: string): string {
  return sql
    .replace(/\$([A-Za-z_]\w*)?\$[\s\S]*?\$\1\$/g, ' ') // PostgreSQL dollar quoting
    .replace(/[eEnNxXbB]?'(?:[^'\\]|\\.|'')*'/g, ' ')
    .toLowerCase();
}

const FRAGMENT: Record<string, RegExp> = {
  '"': /"((?:[^"]|"")*)"/g,
  "'": /'((?:[^'\\]|\\.|'')*)'/g,
  '`': /`((?:[^`]|``)*)`/g,
};

/** Returns the message with data values replaced by `…` (and a note when something was hidden). */
export function scrubMessage(message: string, rules: ScrubRules): string {
  const quotes = rules.quotes ?? ['"', "'"];
  const names = rules.sql === undefined ? null : namesText(rules.sql);
  const words = (rules.namingWords ?? []).map((w) => w.toLowerCase());
  const kept: string[] = [];
  let hidden = false;
  // One pass over all quote kinds, leftmost first, so a quote inside another quoted fragment
  // (a backtick inside '…') belongs to the outer fragment.
  const any = new RegExp(quotes.map((q) => FRAGMENT[q]!.source).join('|'), 'g');
  let text = message.replace(any, (whole: string, ...groups: unknown[]) => {
    const offset = groups[groups.length - 2] as number;
    const inner =
      (groups.slice(0, quotes.length).find((g) => typeof g === 'string') as string | undefined) ??
      '';
    const before = message.slice(Math.max(0, offset - 24), offset).toLowerCase();
    const named =
      (rules.nameQuotes ?? []).includes(whole[0]!) ||
      words.some((w) => new RegExp(`(^|[^a-z])${w}\\s+$`).test(before));
    const spelled = names !== null && inner.length > 0 && names.includes(inner.toLowerCase());
    if (named || spelled) {
      kept.push(whole);
      return `\uE000${kept.length - 1}\uE000`;
    }
    hidden = true;
    return `${whole[0]}${HIDDEN}${whole[0]}`;
  });
  text = text.replace(/\b0x[0-9a-f]+\b/gi, () => {
    hidden = true;
    return HIDDEN;
  });
  if (rules.numbers) {
    text = text.replace(
      /(?<!row )(?<![\w(,.\uE000-])[-+]?\d[\d.:,\- ]*\d(?![\w)\uE000])|(?<!row )(?<![\w(,.\uE000-])\d(?![\w)\uE000])/g,
      () => {
        hidden = true;
        return HIDDEN;
      },
    );
  }
  text = text.replace(/\uE000(\d+)\uE000/g, (_m, i: string) => kept[Number(i)]!);
  return hidden ? `${text}${NOTE}` : text;
}
