/**
 * First run, in three steps: the demo database is ready (or connect your own), create the first
 * agent and copy its key, then decide what it can see.
 */
import {
  Anchor,
  Badge,
  Button,
  Collapse,
  Group,
  List,
  Paper,
  Stack,
  Stepper,
  Text,
  ThemeIcon,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useConnections, useSchema } from '../../api/queries';
import {
  IconCheck,
  IconDatabase,
  IconLock,
  IconPlus,
  IconRobot,
  IconShield,
} from '../../components/icons';
import { Page } from '../../components/page';
import { CreateAgentForm, type CreatedAgent } from '../agents/create-agent-form';
import { KeyReveal } from '../agents/key-reveal';
import { ConnectionForm } from '../connections/connection-form';
import { dismissSetup } from './setup-state';

export default function SetupPage() {
  const navigate = useNavigate();
  const [step, setStep] = useState(0);
  const [agent, setAgent] = useState<CreatedAgent | null>(null);
  const [addingOwn, setAddingOwn] = useState(false);
  const connections = useConnections();
  const demo = connections.data?.find((c) => c.name === 'demo');
  const demoSchema = useSchema(demo?.name);
  const others = (connections.data ?? []).filter((c) => c.name !== 'demo');
  const finish = (to: string) => {
    dismissSetup();
    void navigate(to);
  };

  return (
    <Page
      title="Welcome to Airlock"
      description="Three short steps: a database, an agent with its own key, and what that agent may see."
      actions={
        <Anchor
          component="button"
          type="button"
          size="sm"
          c="dimmed"
          onClick={() => finish('/')}
          data-testid="skip-setup"
        >
          Skip setup
        </Anchor>
      }
    >
      <Paper withBorder radius="md" p="xl" maw={860}>
        <Stepper
          active={step}
          onStepClick={(s) => s < step && !agent && setStep(s)}
          allowNextStepsSelect={false}
          size="sm"
        >
          <Stepper.Step
            label="Data"
            description="What agents may query"
            icon={<IconDatabase size={16} />}
          >
            <Stack gap="md" mt="lg">
              {demo ? (
                <Paper withBorder radius="md" p="md" bg="var(--mantine-color-default-hover)">
                  <Group gap="sm" align="flex-start" wrap="nowrap">
                    <ThemeIcon color="teal" variant="light" size={36} radius="md">
                      <IconCheck />
                    </ThemeIcon>
                    <div>
                      <Text fw={650}>The demo database is ready</Text>
                      <Text size="sm" c="dimmed">
                        <b>demo</b> is a small, fictional company's data: customers, orders,
                        products, and an HR table with salaries and national IDs — something worth
                        protecting.
                        {demoSchema.data ? ` ${demoSchema.data.tables.length} tables.` : ''}
                      </Text>
                    </div>
                  </Group>
                </Paper>
              ) : null}
              {others.length ? (
                <Group gap="xs">
                  <Text size="sm">Also connected:</Text>
                  {others.map((c) => (
                    <Badge key={c.name} color="gray">
                      {c.name}
                    </Badge>
                  ))}
                </Group>
              ) : null}
              <div>
                <Button
                  variant={addingOwn ? 'light' : 'default'}
                  leftSection={<IconPlus size={16} />}
                  onClick={() => setAddingOwn((v) => !v)}
                >
                  Connect your own database
                </Button>
                <Collapse expanded={addingOwn}>
                  <Paper withBorder radius="md" p="md" mt="sm">
                    <ConnectionForm
                      onCreated={() => setAddingOwn(false)}
                      onCancel={() => setAddingOwn(false)}
                    />
                  </Paper>
                </Collapse>
              </div>
              <Group justify="flex-end">
                <Button onClick={() => setStep(1)} data-testid="setup-next">
                  Continue
                </Button>
              </Group>
            </Stack>
          </Stepper.Step>

          <Stepper.Step
            label="First agent"
            description="A key for one program"
            icon={<IconRobot size={16} />}
          >
            <Stack gap="md" mt="lg">
              {agent ? (
                <>
                  <KeyReveal name={agent.name} apiKey={agent.apiKey} />
                  <Group justify="flex-end">
                    <Button onClick={() => setStep(2)} data-testid="setup-next">
                      I have copied the key
                    </Button>
                  </Group>
                </>
              ) : (
                <>
                  <Text size="sm">
                    An agent is one program that talks to Airlock — a script, a desktop assistant,
                    an IDE. It gets its own key, and every request it makes is checked against its
                    grants and written to the audit log.
                  </Text>
                  <CreateAgentForm
                    onCreated={setAgent}
                    submitLabel="Create agent and show its key"
                  />
                </>
              )}
            </Stack>
          </Stepper.Step>

          <Stepper.Step label="Access" description="What it may see" icon={<IconLock size={16} />}>
            <Stack gap="md" mt="lg">
              <Title order={4}>{agent?.name} can see nothing yet — by design</Title>
              <List spacing="xs" size="sm" icon={<IconShield size={16} />}>
                <List.Item>
                  Grant it tables, or only some columns of a table (hide salaries, keep names).
                </List.Item>
                <List.Item>Preview exactly what it can see before it asks.</List.Item>
                <List.Item>
                  Try its view in the workbench with “Run as”, and find every request in the audit
                  log.
                </List.Item>
              </List>
              <Group justify="flex-end">
                <Button variant="default" onClick={() => finish('/workbench')}>
                  Open the workbench
                </Button>
                <Button
                  onClick={() =>
                    finish(agent ? `/agents/${encodeURIComponent(agent.id)}` : '/agents')
                  }
                  data-testid="setup-grants"
                >
                  Choose what {agent?.name ?? 'it'} can see →
                </Button>
              </Group>
            </Stack>
          </Stepper.Step>
        </Stepper>
      </Paper>
    </Page>
  );
}
