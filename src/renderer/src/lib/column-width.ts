/** A first width for each result column, from its name and a sample of its values. */
import { cellText } from './cell';

const CHAR_PX = 7.4;
const PAD_PX = 26;

export function initialWidths(
  names: readonly string[],
  rows: readonly (readonly unknown[])[],
  sample = 60,
  types: readonly string[] = [],
): number[] {
  const head = rows.slice(0, sample);
  return names.map((name, i) => {
    // The header shows the name, the type in small print, and a sort arrow.
    let longest = name.length + Math.ceil((types[i]?.length ?? 0) * 0.8) + 3;
    for (const r of head) longest = Math.max(longest, Math.min(60, cellText(r[i]).length));
    return Math.round(Math.min(420, Math.max(72, longest * CHAR_PX + PAD_PX)));
  });
}
