/**
 * How questions and schema names become search terms, the same way on both sides: identifiers
 * split at `_` and camelCase, lower-cased, function words dropped, plurals folded. Plus the
 * token estimate that keeps prompts inside their budget.
 */

const STOP = new Set(
  (
    'a an and any are as at be by can did do does each every for from give had has have how i ' +
    'in into is it its list me my of on or our per please show than that the their them there ' +
    'these this those to us was we were what when where which who whom whose why will with you your'
  ).split(' '),
);

/** Splits text into lower-case words: `orderDate` and `order_date` both give `order`, `date`. */
export function words(text: string): string[] {
  return text
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** A light, symmetric plural fold: enough to meet `categories` with `category`, `orders` with `order`. */
export function stem(w: string): string {
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (/(ss|sh|ch|x|z)es$/.test(w)) return w.slice(0, -2);
  if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is'))
    return w.slice(0, -1);
  return w;
}

/** MiniSearch's processTerm: null drops the term. */
export function term(w: string): string | null {
  const lw = w.toLowerCase();
  if (STOP.has(lw)) return null;
  return stem(lw);
}

export function terms(text: string): string[] {
  const out: string[] = [];
  for (const w of words(text)) {
    const t = term(w);
    if (t) out.push(t);
  }
  return out;
}

/**
 * Tokens a prompt text costs, estimated: about three characters per token for schema text,
 * which is identifier- and punctuation-heavy (English prose runs nearer four).
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3);
}
