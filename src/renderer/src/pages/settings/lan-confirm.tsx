/**
 * The air gap in Settings: an Ollama address off this machine is shown with what it means, and
 * is saved only once the officer confirms it is a host on the local network (the core refuses
 * a public address whatever is confirmed).
 */
import { Alert, Checkbox, Text } from '@mantine/core';

/** Whether an address names this machine, judged by its text (the core checks the resolved address). */
export function isThisMachine(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  } catch {
    return true; // not an address yet: the form's own validation speaks
  }
  return (
    host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1'
  );
}

export function LanConfirm({
  url,
  confirmed,
  onChange,
}: {
  url: string;
  confirmed: boolean;
  onChange: (v: boolean) => void;
}) {
  if (isThisMachine(url)) return null;
  return (
    <Alert
      color="orange"
      variant="light"
      title="This address is not on this machine"
      data-testid="ollama-lan-warning"
    >
      <Text size="sm" mb="xs">
        Table and column names, the questions people ask and sampled values will be sent to it.
        Airlock allows a host on your local network only; a public address is refused.
      </Text>
      <Checkbox
        label="I confirm this host is on our local network and may receive that data"
        checked={confirmed}
        onChange={(e) => onChange(e.currentTarget.checked)}
        data-testid="ollama-lan-confirm"
      />
    </Alert>
  );
}
