/**
 * Ask: a question in plain language, answered by the local model (Ollama). Airlock picks the
 * tables, the model writes SQL, the guard and policy check it and it runs, as the person or
 * "as agent X". The answer shows the SQL (edit and re-run it through runQuery), the model's
 * explanation, a summary computed from the rows, the rows as grid or chart, and export.
 */
import {
  Anchor,
  Box,
  Button,
  Code,
  Group,
  Loader,
  Paper,
  Stack,
  Text,
  Textarea,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/api';
import { askStreaming, type AskStreamEvent } from '../../api/ask-stream';
import { useAgents, useConnections } from '../../api/queries';
import { EmptyHint } from '../../components/empty-hint';
import { IconBolt, IconDatabase } from '../../components/icons';
import { Page } from '../../components/page';
import { ME, PrincipalPickers } from '../../components/principal-pickers';
import { PageLoader } from '../../components/page-loader';
import { agentStatus } from '../agents/agent-status';
import { ResultPanel } from '../workbench/result-panel';
import { useStored } from '../workbench/use-stored';
import {
  askable,
  elapsedLabel,
  ollamaBanner,
  submitsOnKey,
  type AskOutcome,
} from '../../lib/ask-model';
import { AnswerCard } from './answer-card';
import { OLLAMA_STATUS_KEY, OllamaBanner, useOllamaStatus } from './ollama-banner';

const DEMO_QUESTIONS = [
  'How many orders are there per status?',
  'Which five customers spent the most?',
  'What is the revenue per month?',
];

export interface AskedRecord {
  question: string;
  connection: string;
  asAgent: string | null;
  asAgentName: string | null;
  outcome: AskOutcome;
}

export default function AskPage() {
  const connections = useConnections();
  const agents = useAgents();
  const ollama = useOllamaStatus();
  const queryClient = useQueryClient();
  const [storedConnection, setConnection] = useStored<string | null>(
    'airlock.ask.connection',
    null,
  );
  const [asAgent, setAsAgent] = useState<string>(ME);
  const [question, setQuestion] = useState('');
  const [asked, setAsked] = useState<AskedRecord | null>(null);

  const list = connections.data ?? [];
  const connection =
    list.find((c) => c.name === storedConnection) ?? list.find((c) => c.name === 'demo') ?? list[0];
  const activeAgents = (agents.data ?? []).filter((a) => agentStatus(a) === 'active');
  // When the banner above already lists Ollama's fix-it steps, a failed ask does not repeat them.
  const bannerHelps = Boolean(ollama.data && ollamaBanner(ollama.data).kind !== 'ready');
  const agentName =
    asAgent === ME ? null : (activeAgents.find((a) => a.id === asAgent)?.name ?? null);

  const [progress, setProgress] = useState<Progress>(NO_PROGRESS);
  const streaming = useRef<AbortController | null>(null);
  const ask = useMutation({
    mutationFn: async (q: string): Promise<AskOutcome> => {
      const input = {
        connection: connection!.name,
        question: q,
        ...(asAgent !== ME ? { asAgent } : {}),
      };
      // The desktop window asks over IPC, which cannot stream; a browser streams the answer.
      if (window.airlock) return api.ask(input);
      const ctrl = new AbortController();
      streaming.current = ctrl;
      setProgress(NO_PROGRESS);
      try {
        return await askStreaming(
          input,
          (e) => setProgress((p) => nextProgress(p, e)),
          ctrl.signal,
        );
      } catch (e) {
        if (ctrl.signal.aborted) {
          return {
            ok: false,
            code: 'CANCELLED',
            message: 'You cancelled the question; the model call was stopped.',
            auditId: null,
          };
        }
        throw e;
      } finally {
        streaming.current = null;
      }
    },
    onSuccess: (outcome, q) => {
      // A failure about Ollama: the banner above should say the same, freshly checked.
      if (!outcome.ok && outcome.code.startsWith('OLLAMA'))
        void queryClient.invalidateQueries({ queryKey: OLLAMA_STATUS_KEY });
      setAsked({
        question: q,
        connection: connection!.name,
        asAgent: asAgent === ME ? null : asAgent,
        asAgentName: agentName,
        outcome,
      });
    },
  });
  const submit = (q = question) => {
    if (connection && askable(q) && !ask.isPending) {
      setQuestion(q);
      ask.mutate(q.trim());
    }
  };

  if (connections.isPending) return <PageLoader />;
  if (list.length === 0) {
    return (
      <Page title="Ask">
        <EmptyHint
          icon={<IconDatabase size={28} />}
          title="Connect a database to ask questions about it"
          description="Questions are answered from a connection's tables, through the same guard and audit as agents."
          action={
            <Button component={Link} to="/connections">
              Add a connection
            </Button>
          }
        />
      </Page>
    );
  }

  return (
    <Page
      title="Ask"
      description="Questions in plain language, answered by a local model. The SQL it writes goes through the same guard and audit as an agent's."
      actions={
        <Group gap="xs" align="flex-end" wrap="nowrap">
          <PrincipalPickers
            connections={list}
            connection={connection?.name ?? null}
            onConnection={setConnection}
            agents={activeAgents}
            asAgent={asAgent}
            onAsAgent={setAsAgent}
            asLabel="Ask as"
            testIds={{ connection: 'ask-connection', asAgent: 'ask-as' }}
          />
        </Group>
      }
    >
      <OllamaBanner />
      <Paper withBorder radius="md" p="sm">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <Group align="flex-start" gap="sm" wrap="nowrap">
            <Textarea
              style={{ flex: 1 }}
              autosize
              minRows={2}
              maxRows={6}
              placeholder="e.g. “Which five customers spent the most last year?”"
              value={question}
              onChange={(e) => setQuestion(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (
                  submitsOnKey({
                    key: e.key,
                    shiftKey: e.shiftKey,
                    isComposing: e.nativeEvent.isComposing,
                  })
                ) {
                  e.preventDefault();
                  submit();
                }
              }}
              aria-label="Your question in plain language"
              description={
                <>
                  Enter to ask · Shift+Enter for a new line
                  {agentName ? ` · asking with ${agentName}'s grants` : ''}
                </>
              }
              inputWrapperOrder={['input', 'description']}
              data-testid="ask-question"
            />
            <Button
              type="submit"
              leftSection={<IconBolt size={14} />}
              loading={ask.isPending}
              disabled={!connection || !askable(question)}
              data-testid="ask-submit"
            >
              Ask
            </Button>
          </Group>
        </form>
        {connection?.name === 'demo' && !asked && !ask.isPending ? (
          <Group gap="xs" mt={6}>
            <Text size="xs" c="dimmed">
              Try:
            </Text>
            {DEMO_QUESTIONS.map((q) => (
              <Anchor key={q} component="button" type="button" size="xs" onClick={() => submit(q)}>
                {q}
              </Anchor>
            ))}
          </Group>
        ) : null}
        {connection ? (
          <Text size="xs" c="dimmed" mt={6}>
            Wrong tables or values? Describe them in{' '}
            <Anchor
              component={Link}
              to={`/semantic/${connection.name}`}
              size="xs"
              data-testid="ask-semantic-link"
            >
              {connection.name}’s semantic layer
            </Anchor>
            ; checked answers you save land there too.
          </Text>
        ) : null}
      </Paper>

      {ask.isPending ? (
        <Waiting
          model={ollama.data?.model}
          progress={progress}
          onCancel={window.airlock ? undefined : () => streaming.current?.abort()}
        />
      ) : ask.error ? (
        <ResultPanel
          run={{ error: ask.error, asAgentName: agentName, connection: connection?.name ?? '' }}
          running={false}
          onExample={() => undefined}
          isDemo={false}
        />
      ) : asked ? (
        asked.outcome.ok ? (
          <AnswerCard key={asked.outcome.auditId} asked={asked} answer={asked.outcome} />
        ) : (
          <Box data-testid="ask-failed">
            <ResultPanel
              run={{
                outcome: {
                  ok: false,
                  code: asked.outcome.code,
                  message: asked.outcome.message,
                  auditId: asked.outcome.auditId,
                },
                ask: {
                  question: asked.question,
                  guidance: bannerHelps ? [] : (asked.outcome.guidance ?? []),
                  history: asked.outcome.history ?? [],
                },
                asAgentName: asked.asAgentName,
                connection: asked.connection,
              }}
              running={false}
              onExample={() => undefined}
              isDemo={false}
            />
          </Box>
        )
      ) : (
        <Text size="sm" c="dimmed" ta="center" py="xl">
          The answer appears here: the SQL the model wrote, what it does, a summary of the rows, and
          the rows themselves as a grid or chart. Nothing is sent off this machine.
        </Text>
      )}
    </Page>
  );
}

/**
 * While the model works. The UI's ask is one request and one answer, so there is no live stage
 * or token to show: an honest spinner, the time so far, and what happens meanwhile.
 */
interface Progress {
  stage: string | null;
  /** What the model has written so far, as Ollama streams it. */
  text: string;
}
const NO_PROGRESS: Progress = { stage: null, text: '' };

const STAGE_LABEL: Record<string, string> = {
  linking: 'Picking the tables the question needs',
  generating: 'The model is writing SQL',
  validating: 'Checking it through the guard and the policy',
  executing: 'Running it',
  repairing: 'The database objected; the model is fixing its SQL',
  summarising: 'Summarising the rows',
};

function nextProgress(p: Progress, e: AskStreamEvent): Progress {
  if (e.type === 'stage') return { stage: e.stage, text: e.stage === 'repairing' ? '' : p.text };
  if (e.type === 'token') return { ...p, text: p.text + e.text };
  return p;
}

function Waiting({
  model,
  progress,
  onCancel,
}: {
  model: string | undefined;
  progress: Progress;
  onCancel: (() => void) | undefined;
}) {
  const [started] = useState(() => Date.now());
  const [now, setNow] = useState(started);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, []);
  return (
    <Paper withBorder radius="md" p="md" data-testid="ask-waiting" aria-live="polite">
      <Group gap="sm" wrap="nowrap" align="flex-start">
        <Loader size="sm" />
        <Stack gap={4} style={{ flex: 1, minWidth: 0 }}>
          <Text size="sm" fw={600}>
            Asking {model ?? 'the local model'}… {elapsedLabel(now - started)}
          </Text>
          <Text size="xs" c="dimmed" data-testid="ask-stage">
            {progress.stage
              ? (STAGE_LABEL[progress.stage] ?? progress.stage)
              : onCancel
                ? 'Starting…'
                : 'Airlock picks the relevant tables, the model writes SQL, the guard checks it and it runs. In the desktop window the answer arrives in one piece; small models on a laptop can take a minute.'}
          </Text>
          {progress.text ? (
            <Code
              block
              data-testid="ask-tokens"
              style={{ maxHeight: 160, overflow: 'auto', whiteSpace: 'pre-wrap' }}
            >
              {progress.text}
            </Code>
          ) : null}
        </Stack>
        {onCancel ? (
          <Button size="compact-sm" variant="default" onClick={onCancel} data-testid="ask-cancel">
            Cancel
          </Button>
        ) : null}
      </Group>
    </Paper>
  );
}
