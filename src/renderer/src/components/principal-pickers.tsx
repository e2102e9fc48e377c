/**
 * The two pickers the Workbench and the Ask page share: which connection, and whose grants
 * ("me", the analyst with full read access, or an active agent to preview what it would get).
 */
import { Select } from '@mantine/core';

/** The "me" choice of the agent picker. */
export const ME = '__me__';

interface Props {
  connections: { name: string; kind: string }[];
  connection: string | null;
  onConnection: (name: string) => void;
  agents: { id: string; name: string }[];
  asAgent: string;
  onAsAgent: (id: string) => void;
  /** "Run as" in the Workbench, "Ask as" on the Ask page. */
  asLabel: string;
  testIds: { connection: string; asAgent: string };
}

export function PrincipalPickers(p: Props) {
  return (
    <>
      <Select
        size="sm"
        label="Connection"
        data={p.connections.map((c) => ({ value: c.name, label: `${c.name} · ${c.kind}` }))}
        value={p.connection}
        onChange={(v) => v && p.onConnection(v)}
        allowDeselect={false}
        w={190}
        data-testid={p.testIds.connection}
      />
      <Select
        size="sm"
        label={p.asLabel}
        data={[
          { value: ME, label: 'Me (full access)' },
          ...p.agents.map((a) => ({ value: a.id, label: `Agent: ${a.name}` })),
        ]}
        value={p.asAgent}
        onChange={(v) => p.onAsAgent(v ?? ME)}
        allowDeselect={false}
        w={200}
        data-testid={p.testIds.asAgent}
      />
    </>
  );
}
