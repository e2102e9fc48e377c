/**
 * Undo/redo for the SQL editor. @codemirror/commands (which has the standard history) is not
 * installed here, so this keeps the essentials: inverted change sets, typing within a second
 * grouped into one step, Mod-z / Mod-Shift-z / Mod-y.
 */
import {
  Annotation,
  ChangeSet,
  EditorSelection,
  StateField,
  type Transaction,
} from '@codemirror/state';
import { EditorView, keymap } from '@codemirror/view';

interface Step {
  changes: ChangeSet;
  selection: EditorSelection;
  time: number;
}
interface History {
  done: Step[];
  undone: Step[];
}

const fromHistory = Annotation.define<'undo' | 'redo'>();
const GROUP_MS = 1000;
const DEPTH = 200;

const history = StateField.define<History>({
  create: () => ({ done: [], undone: [] }),
  update(value, tr: Transaction) {
    if (!tr.docChanged) return value;
    const inverted = tr.changes.invert(tr.startState.doc);
    const step: Step = { changes: inverted, selection: tr.startState.selection, time: Date.now() };
    const source = tr.annotation(fromHistory);
    // Applying a step moves it to the other stack, as its inverse.
    if (source === 'undo')
      return { done: value.done.slice(0, -1), undone: [...value.undone, step] };
    if (source === 'redo')
      return { done: [...value.done, step], undone: value.undone.slice(0, -1) };
    const last = value.done[value.done.length - 1];
    const typing = tr.isUserEvent('input.type') || tr.isUserEvent('delete');
    if (last && typing && step.time - last.time < GROUP_MS) {
      // Undo the new change first, then the older one: compose in that order.
      const merged: Step = {
        changes: inverted.compose(last.changes),
        selection: last.selection,
        time: step.time,
      };
      return { done: [...value.done.slice(0, -1), merged], undone: [] };
    }
    return { done: [...value.done, step].slice(-DEPTH), undone: [] };
  },
});

function pop(view: EditorView, which: 'undo' | 'redo'): boolean {
  const h = view.state.field(history);
  const step = (which === 'undo' ? h.done : h.undone).at(-1);
  if (!step) return false;
  view.dispatch({
    changes: step.changes,
    selection: step.selection,
    annotations: fromHistory.of(which),
    userEvent: which,
    scrollIntoView: true,
  });
  return true;
}

export function undoHistory() {
  return [
    history,
    keymap.of([
      { key: 'Mod-z', run: (v) => pop(v, 'undo'), preventDefault: true },
      { key: 'Mod-Shift-z', run: (v) => pop(v, 'redo'), preventDefault: true },
      { key: 'Mod-y', run: (v) => pop(v, 'redo'), preventDefault: true },
    ]),
  ];
}
