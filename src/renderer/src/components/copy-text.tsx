/**
 * Copy a secret or a snippet. In the desktop window the shell writes the clipboard (the page
 * itself is denied that permission); in a browser the Clipboard API does. When neither can, the
 * text is selected and the person is told to press Ctrl/⌘+C; nothing claims "copied" unless it was.
 */
import { ActionIcon, Button, Code, Group, Text, Tooltip } from '@mantine/core';
import { useRef, useState } from 'react';
import { IconCheck, IconCopy } from './icons';

type State = 'idle' | 'copied' | 'selected';

async function copy(text: string, select: () => void): Promise<State> {
  try {
    // In the desktop window the page may not use the clipboard; the shell puts the text there.
    if (window.airlock && (await window.airlock.copyText(text))) return 'copied';
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return 'copied';
    }
  } catch {
    // Denied (desktop window) or unavailable: fall through to selecting the text.
  }
  select();
  return 'selected';
}

function selectContents(el: HTMLElement | null) {
  if (!el) return;
  const range = document.createRange();
  range.selectNodeContents(el);
  const sel = window.getSelection();
  sel?.removeAllRanges();
  sel?.addRange(range);
}

const isMac = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform);
const COPY_KEYS = isMac ? '⌘C' : 'Ctrl+C';

function useCopy(text: string) {
  const ref = useRef<HTMLElement>(null);
  const [state, setState] = useState<State>('idle');
  const run = async () => {
    const next = await copy(text, () => selectContents(ref.current));
    setState(next);
    if (next === 'copied') setTimeout(() => setState('idle'), 2000);
  };
  return { ref, state, run };
}

/** A monospace block (key, curl example) with a copy button. */
export function CopyBlock({
  text,
  label,
  testId,
}: {
  text: string;
  label: string;
  testId?: string;
}) {
  const { ref, state, run } = useCopy(text);
  return (
    <div>
      <Group justify="space-between" mb={4}>
        <Text size="sm" fw={600}>
          {label}
        </Text>
        <Button
          size="compact-sm"
          variant={state === 'copied' ? 'light' : 'default'}
          color={state === 'copied' ? 'teal' : undefined}
          leftSection={state === 'copied' ? <IconCheck size={14} /> : <IconCopy size={14} />}
          onClick={() => void run()}
          aria-label={`Copy ${label.toLowerCase()}`}
        >
          {state === 'copied' ? 'Copied' : 'Copy'}
        </Button>
      </Group>
      <Code
        block
        ref={ref as React.Ref<HTMLPreElement>}
        data-testid={testId}
        style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}
      >
        {text}
      </Code>
      {state === 'selected' ? (
        <Text size="xs" c="dimmed" mt={4} role="status">
          Selected — press {COPY_KEYS} to copy.
        </Text>
      ) : null}
    </div>
  );
}

/** An icon-only copy button for inline values. */
export function CopyIcon({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<State>('idle');
  return (
    <Tooltip
      label={
        state === 'copied'
          ? 'Copied'
          : state === 'selected'
            ? `Clipboard blocked — select and press ${COPY_KEYS}`
            : label
      }
    >
      <ActionIcon
        variant="subtle"
        color="gray"
        size="sm"
        aria-label={label}
        onClick={() =>
          void copy(text, () => {}).then((s) => setState(s === 'copied' ? 'copied' : 'selected'))
        }
      >
        {state === 'copied' ? <IconCheck size={14} /> : <IconCopy size={14} />}
      </ActionIcon>
    </Tooltip>
  );
}
