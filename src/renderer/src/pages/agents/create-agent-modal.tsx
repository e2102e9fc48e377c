import { Button, Group, Modal, Stack } from '@mantine/core';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { CreateAgentForm, type CreatedAgent } from './create-agent-form';
import { KeyReveal } from './key-reveal';

export function CreateAgentModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const [created, setCreated] = useState<CreatedAgent | null>(null);
  const navigate = useNavigate();
  const close = () => {
    onClose();
    setCreated(null);
  };
  return (
    <Modal
      opened={opened}
      onClose={close}
      title={created ? `${created.name} is ready` : 'New agent'}
      // Wider once the key and the clients' configuration are shown.
      size={created ? 'xl' : 'lg'}
      // Closing by accident would lose the key for good.
      closeOnClickOutside={!created}
    >
      {created ? (
        <Stack>
          <KeyReveal name={created.name} apiKey={created.apiKey} />
          <Group justify="space-between">
            <Button variant="default" onClick={close}>
              Done
            </Button>
            <Button
              onClick={() => {
                close();
                void navigate(`/agents/${encodeURIComponent(created.id)}`);
              }}
              data-testid="agent-open-grants"
            >
              Choose what it can see →
            </Button>
          </Group>
        </Stack>
      ) : (
        <CreateAgentForm onCreated={setCreated} />
      )}
    </Modal>
  );
}
