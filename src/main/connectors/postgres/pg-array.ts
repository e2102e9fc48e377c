/**
 * PostgreSQL's array text form (`{1,2,NULL}`, `{{a,b},{"c d","e\"f"}}`, `[0:1]={x,y}`) as
 * nested JSON arrays, each element parsed by the element type's parser.
 */
export function parseArrayLiteral(text: string, element: (t: string) => unknown): unknown[] {
  let i = 0;
  // Explicit bounds ('[0:1]={…}') say where indexing starts; JSON arrays start at 0 anyway.
  if (text[0] === '[') {
    const eq = text.indexOf('=');
    if (eq < 0) throw new Error('malformed array literal');
    i = eq + 1;
  }
  const parseLevel = (): unknown[] => {
    if (text[i] !== '{') throw new Error('malformed array literal');
    i++;
    const out: unknown[] = [];
    if (text[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      if (text[i] === '{') {
        out.push(parseLevel());
      } else if (text[i] === '"') {
        i++;
        let s = '';
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\') i++;
          s += text[i];
          i++;
        }
        i++; // closing quote
        out.push(element(s));
      } else {
        const start = i;
        while (i < text.length && text[i] !== ',' && text[i] !== '}') i++;
        const raw = text.slice(start, i).trim();
        out.push(raw === 'NULL' ? null : element(raw));
      }
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return out;
      }
      throw new Error('malformed array literal');
    }
  };
  return parseLevel();
}
