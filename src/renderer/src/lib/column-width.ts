/** A first width for each result column, from its name and a sample of its values. */
import { cellText } from './cell';

const CHAR_PX = 7.4;
const PAD_PX = 26;

export function initialWidths(names: readonly string[], rows: readonly (readonly unknown[])[], sample = 60): number[] {
  const head = rows.slice(0, sample);
  return names.map((name, i) => {
    let longest = name.length + 4; // room for the type label and sort arrow
    for (const r of head) longest = Math.max(longest, Math.min(60, cellText(r[i]).length));
    return Math.round(Math.min(420, Math.max(72, longest * CHAR_PX + PAD_PX)));
  });
}
