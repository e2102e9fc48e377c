/** A destructive action behind a confirmation dialog that names what will happen. */
import { Button, Group, Modal, Stack, Text, type ButtonProps } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';

export function ConfirmButton({
  title,
  message,
  confirmLabel,
  onConfirm,
  loading,
  children,
  ...buttonProps
}: ButtonProps & {
  title: string;
  message: React.ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<unknown> | void;
  loading?: boolean;
  children: React.ReactNode;
}) {
  const [opened, { open, close }] = useDisclosure(false);
  return (
    <>
      <Button color="red" variant="subtle" onClick={open} {...buttonProps}>
        {children}
      </Button>
      <Modal opened={opened} onClose={close} title={title} centered>
        <Stack>
          <Text size="sm">{message}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={close} data-autofocus>
              Cancel
            </Button>
            <Button
              color="red"
              loading={loading}
              onClick={async () => {
                await onConfirm();
                close();
              }}
              data-testid="confirm-action"
            >
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
