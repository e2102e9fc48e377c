/**
 * The workbench's SQL editor: CodeMirror 6 with the connection's dialect, completion of the
 * connection's tables and columns, and Ctrl/⌘+Enter to run.
 */
import {
  autocompletion,
  closeBrackets,
  closeBracketsKeymap,
  closeCompletion,
  completionKeymap,
} from '@codemirror/autocomplete';
import { MySQL, PostgreSQL, SQLite, StandardSQL, sql, type SQLDialect } from '@codemirror/lang-sql';
import { bracketMatching, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { Compartment, EditorState, Prec } from '@codemirror/state';
import {
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  placeholder,
} from '@codemirror/view';
import { classHighlighter } from '@lezer/highlight';
import { useEffect, useRef } from 'react';
import { history, historyKeymap, isolateHistory } from '@codemirror/commands';

export type SchemaTables = Record<string, string[]>;

export function dialectFor(kind: string | undefined): SQLDialect {
  switch (kind) {
    case 'sqlite':
      return SQLite;
    case 'postgres':
      return PostgreSQL;
    case 'mysql':
      return MySQL;
    default:
      return StandardSQL;
  }
}

const baseTheme = EditorView.theme({
  '&': { height: '100%', fontSize: '13.5px', backgroundColor: 'var(--mantine-color-body)' },
  '.cm-scroller': { fontFamily: 'var(--mantine-font-family-monospace)', lineHeight: '1.55' },
  '.cm-content': { caretColor: 'var(--mantine-color-text)', padding: '8px 0' },
  '.cm-gutters': {
    backgroundColor: 'var(--mantine-color-default-hover)',
    color: 'var(--mantine-color-dimmed)',
    border: 'none',
    borderRight: '1px solid var(--mantine-color-default-border)',
  },
  '.cm-activeLine': { backgroundColor: 'var(--airlock-active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--airlock-active-line)' },
  '&.cm-focused': { outline: 'none' },
  '.cm-cursor': { borderLeftColor: 'var(--mantine-color-text)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground': {
    backgroundColor: 'var(--airlock-selection) !important',
  },
  '.cm-tooltip': {
    backgroundColor: 'var(--mantine-color-body)',
    border: '1px solid var(--mantine-color-default-border)',
    borderRadius: '6px',
    overflow: 'hidden',
  },
  '.cm-tooltip-autocomplete > ul > li[aria-selected]': {
    backgroundColor: 'var(--mantine-primary-color-filled)',
    color: 'var(--mantine-color-white)',
  },
  '.cm-placeholder': { color: 'var(--mantine-color-dimmed)' },
  '.cm-tooltip-autocomplete ul li': {
    padding: '2px 10px !important',
    fontFamily: 'var(--mantine-font-family-monospace)',
  },
  '.cm-completionMatchedText': { textDecoration: 'none', fontWeight: 700 },
  '.cm-completionDetail': {
    color: 'var(--mantine-color-dimmed)',
    fontStyle: 'normal',
    marginLeft: '12px',
  },
});

export function SqlEditor({
  value,
  onChange,
  onRun,
  schema,
  dialectKind,
  label = 'SQL editor',
}: {
  value: string;
  onChange: (sql: string) => void;
  onRun: () => void;
  schema: SchemaTables;
  dialectKind?: string;
  label?: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const language = useRef(new Compartment());
  const callbacks = useRef({ onChange, onRun });
  callbacks.current = { onChange, onRun };

  useEffect(() => {
    if (!host.current) return;
    const v = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          Prec.highest(
            keymap.of([
              {
                key: 'Mod-Enter',
                run: (v) => {
                  closeCompletion(v);
                  callbacks.current.onRun();
                  return true;
                },
                preventDefault: true,
              },
            ]),
          ),
          lineNumbers(),
          highlightActiveLineGutter(),
          highlightSpecialChars(),
          history(),
          keymap.of(historyKeymap),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          closeBrackets(),
          // No icons: their glyphs are emoji that system fonts here may lack.
          autocompletion({ icons: false }),
          highlightActiveLine(),
          keymap.of([...closeBracketsKeymap, ...completionKeymap]),
          syntaxHighlighting(classHighlighter),
          language.current.of(
            sql({ dialect: dialectFor(dialectKind), schema, upperCaseKeywords: true }),
          ),
          placeholder('SELECT … — Ctrl/⌘+Enter runs it'),
          baseTheme,
          // Pasted one-line queries stay readable without scrolling sideways.
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({ 'aria-label': label }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) callbacks.current.onChange(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // The editor is created once; value, schema and dialect are pushed in by the effects below.
  }, []);

  useEffect(() => {
    view.current?.dispatch({
      effects: language.current.reconfigure(
        sql({ dialect: dialectFor(dialectKind), schema, upperCaseKeywords: true }),
      ),
    });
  }, [schema, dialectKind]);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) {
      // Text put in from outside (history, an answer) is one undo step of its own, never merged
      // with the typing before or after it.
      v.dispatch({
        changes: { from: 0, to: v.state.doc.length, insert: value },
        annotations: isolateHistory.of('full'),
      });
    }
  }, [value]);

  return <div ref={host} className="sql-editor" data-testid="sql-editor" />;
}

export default SqlEditor;
