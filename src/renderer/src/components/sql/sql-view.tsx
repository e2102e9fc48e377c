/** Read-only, highlighted SQL (audit detail): the SQL parser and the editor's colours, no editor. */
import { SQLite } from '@codemirror/lang-sql';
import { classHighlighter, highlightCode } from '@lezer/highlight';
import { useMemo } from 'react';

type Piece = { text: string; cls: string } | { br: true };

function highlight(sqlText: string): Piece[] {
  const pieces: Piece[] = [];
  const tree = SQLite.language.parser.parse(sqlText);
  highlightCode(
    sqlText,
    tree,
    classHighlighter,
    (text, cls) => pieces.push({ text, cls }),
    () => pieces.push({ br: true }),
  );
  return pieces;
}

export function SqlView({ sql: sqlText }: { sql: string }) {
  const pieces = useMemo(() => highlight(sqlText), [sqlText]);
  return (
    <pre className="sql-view" data-testid="sql-view">
      {pieces.map((p, i) =>
        'br' in p ? (
          '\n'
        ) : p.cls ? (
          <span key={i} className={p.cls}>
            {p.text}
          </span>
        ) : (
          p.text
        ),
      )}
    </pre>
  );
}
