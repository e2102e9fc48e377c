/**
 * Ask in plain language: the local model (Ollama) writes the SQL, which runs through the same
 * guard, policy and audit as typed SQL. The answer's SQL lands in the editor to read and edit.
 */
import { Button, Group, TextInput } from '@mantine/core';
import { useState } from 'react';
import { IconBolt } from '../../components/icons';

export function AskBar({
  onAsk,
  asking,
  disabled,
}: {
  onAsk: (question: string) => void;
  asking: boolean;
  disabled: boolean;
}) {
  const [question, setQuestion] = useState('');
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (question.trim().length >= 3) onAsk(question.trim());
      }}
    >
      <Group
        gap="xs"
        wrap="nowrap"
        px="xs"
        py={6}
        style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}
      >
        <TextInput
          size="xs"
          style={{ flex: 1 }}
          placeholder="Ask in plain language — e.g. “Which five customers spent the most last year?”"
          value={question}
          onChange={(e) => setQuestion(e.currentTarget.value)}
          aria-label="Question in plain language"
          data-testid="wb-question"
        />
        <Button
          type="submit"
          size="xs"
          variant="light"
          leftSection={<IconBolt size={14} />}
          loading={asking}
          disabled={disabled || question.trim().length < 3}
          data-testid="wb-ask"
        >
          Ask
        </Button>
      </Group>
    </form>
  );
}
