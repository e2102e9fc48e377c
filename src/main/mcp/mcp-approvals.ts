/**
 * Approvals over MCP (API.md, "MCP for agents"): a write that needs a person's approval answers
 * `{ approval }` to any client, and the agent sends `execute` again with `approvalId` once a
 * person approved it. A 2026-07-28 client that declares URL elicitation gets an
 * `input_required` result instead, pointing at Airlock's own Approvals page, with a
 * `requestState` that lets its retry carry the approval: HMAC-sealed with a secret this process
 * holds (the SDK's codec), bound to the agent (in the seal and in the payload) and to the
 * approval, short-lived, and single-use. What the client answers (accept) only makes it retry:
 * the write runs when the approval says a person approved it, never on the client's word.
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  createRequestStateCodec,
  inputRequired,
  inputResponse,
  PROTOCOL_VERSION_META_KEY,
  type InputRequiredResult,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { randomBytes, randomUUID } from 'node:crypto';
import { AirlockError } from '../../shared/errors';

/** What a sealed state carries (readable by the client, not forgeable). */
interface ApprovalState {
  approvalId: string;
  agentId: string;
  /** Makes each state single-use. */
  nonce: string;
}

/** How long a state may come back: a person may take a while; the approval's own expiry holds too. */
export const REQUEST_STATE_TTL_SECONDS = 3600;

/** The key the client answers under, in `inputRequests` and `inputResponses`. */
const INPUT_KEY = 'approval';

/** What one tools/call tells the execute tool about its client and its round. */
export interface ApprovalRound {
  /** A 2026-07-28 request whose client declared URL elicitation. */
  urlElicitation: boolean;
  /** The `requestState` a retried call echoed, as sent. */
  requestState: string | undefined;
  /** What the client answered to the approval page: accept, decline, cancel, or nothing. */
  answer: 'accept' | 'decline' | 'cancel' | 'missing';
  /** Airlock's own address as this request reached it (its Host, already checked). */
  origin: string;
  ctx: ServerContext;
}

/** Reads the round from the SDK's request context. */
export function approvalRound(ctx: ServerContext, origin: string): ApprovalRound {
  const envelope = (ctx.mcpReq.envelope ?? {}) as Record<string, unknown>;
  const capabilities = envelope[CLIENT_CAPABILITIES_META_KEY] as
    { elicitation?: { url?: unknown } } | undefined;
  const modern = typeof envelope[PROTOCOL_VERSION_META_KEY] === 'string';
  const state = ctx.mcpReq.requestState<unknown>();
  const answer = inputResponse(ctx.mcpReq.inputResponses, INPUT_KEY);
  return {
    urlElicitation: modern && capabilities?.elicitation?.url !== undefined,
    requestState: typeof state === 'string' ? state : undefined,
    answer: answer.kind === 'elicit' ? answer.action : 'missing',
    origin,
    ctx,
  };
}

/** The one refusal of a state that does not verify, whatever the reason (never which). */
export const invalidState = () =>
  new AirlockError(
    'PERMISSION_DENIED',
    'Invalid or expired requestState: send execute again without it (or with approvalId)',
    { rule: 'mcp:request-state' },
  );

/** Seals and redeems approval states; one per server process (the secret lives in memory). */
export function approvalStates(nowMs: () => number = Date.now) {
  const codec = createRequestStateCodec<ApprovalState>({
    key: randomBytes(32),
    ttlSeconds: REQUEST_STATE_TTL_SECONDS,
    // The agent the key authenticated (mcp-server.ts puts its id in clientId).
    bind: (ctx) => `execute\0${ctx.http?.authInfo?.clientId ?? ''}`,
  });
  /** Redeemed nonces, until their state could not verify anyway. */
  const used = new Map<string, number>();

  const forget = () => {
    const now = nowMs();
    for (const [nonce, until] of used) if (until <= now) used.delete(nonce);
  };

  return {
    /** The `input_required` answer that sends the person to the approval page. */
    async ask(
      round: ApprovalRound,
      approval: { id: string; preview: { rowsAffected: number } },
      agentId: string,
    ): Promise<InputRequiredResult> {
      const requestState = await codec.mint(
        { approvalId: approval.id, agentId, nonce: randomUUID() },
        round.ctx,
      );
      const rows = approval.preview.rowsAffected;
      return inputRequired({
        inputRequests: {
          [INPUT_KEY]: inputRequired.elicitUrl({
            message: `This write (${rows} row${rows === 1 ? '' : 's'}) waits for a person's approval in Airlock (approval ${approval.id}). Open the page, decide there, then continue: it runs only if approved.`,
            url: `${round.origin}/approvals?id=${encodeURIComponent(approval.id)}`,
          }),
        },
        requestState,
      });
    },

    /** The approval a state names, once: refuses a forged, expired, foreign or spent state. */
    async redeem(round: ApprovalRound, agentId: string): Promise<string> {
      if (round.requestState === undefined) throw invalidState();
      let state: ApprovalState;
      try {
        state = await codec.verify(round.requestState, round.ctx);
      } catch {
        throw invalidState();
      }
      if (state.agentId !== agentId || typeof state.nonce !== 'string') throw invalidState();
      forget();
      if (used.has(state.nonce)) throw invalidState();
      used.set(state.nonce, nowMs() + REQUEST_STATE_TTL_SECONDS * 1000);
      return state.approvalId;
    },
  };
}

export type ApprovalStates = ReturnType<typeof approvalStates>;
