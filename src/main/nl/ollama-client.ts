/**
 * Ollama through its official client, with what the product needs around it: the address and
 * model read from settings on every call, a deadline and caller cancellation on every request,
 * streamed tokens, and errors turned into typed codes with steps that fix them.
 */
import { Ollama, type Message } from 'ollama';
import type { OllamaStatus } from '../../shared/contract/nl';
import { AirlockError, isAirlockError } from '../../shared/errors';
import { guardedFetch } from '../net/outbound';
import {
  modelGuidance,
  ollamaModelMissing,
  ollamaTimeout,
  ollamaUnavailable,
  unavailableGuidance,
} from './ollama-guidance';

export interface OllamaConfig {
  url: string;
  model: string;
  /** The security officer confirmed that this address may be a host on the local network. */
  lanConfirmed?: boolean;
}

export interface OllamaTimeouts {
  /** Whole chat request, model load included. */
  requestMs: number;
  /** Version and model list. */
  healthMs: number;
}

export const DEFAULT_OLLAMA_TIMEOUTS: OllamaTimeouts = { requestMs: 180_000, healthMs: 5_000 };

export interface ChatRequestOptions {
  messages: Message[];
  /** A JSON schema for structured output. */
  format?: Record<string, unknown>;
  temperature?: number;
  seed?: number;
  /** Context window to ask for, in tokens. */
  numCtx?: number;
  /** When given, the answer streams and each piece of text arrives here as it is generated. */
  onToken?: (text: string) => void;
  signal?: AbortSignal;
  model?: string;
}

export interface ChatResult {
  content: string;
  model: string;
  promptTokens: number | null;
  outputTokens: number | null;
}

const TIMEOUT = Symbol('timeout');
const CANCEL = Symbol('cancel');

/** Same model? Ollama reads a name without a tag as `:latest`. */
export function sameModel(a: string, b: string): boolean {
  const norm = (s: string) => (s.includes(':') ? s : `${s}:latest`).toLowerCase();
  return norm(a) === norm(b);
}

function networkReason(e: unknown): string | null {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code === 'ECONNREFUSED' ? 'connection refused' : cause.code;
  if (e instanceof TypeError && /fetch failed|network/i.test(e.message))
    return cause?.message ?? e.message;
  return null;
}

export class OllamaClient {
  constructor(
    private readonly config: () => OllamaConfig,
    private readonly timeouts: OllamaTimeouts = DEFAULT_OLLAMA_TIMEOUTS,
  ) {}

  get model(): string {
    return this.config().model;
  }

  get url(): string {
    return this.config().url;
  }

  /**
   * Runs `fn` with a client whose every fetch carries our deadline and the caller's signal;
   * the official client aborts only streamed requests by itself.
   */
  private async call<T>(
    what: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    fn: (o: Ollama) => Promise<T>,
  ): Promise<T> {
    const url = this.url;
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(TIMEOUT), timeoutMs);
    const onCancel = () => ctrl.abort(CANCEL);
    if (signal?.aborted) onCancel();
    signal?.addEventListener('abort', onCancel, { once: true });
    const send = guardedFetch('Ollama', () => this.config().lanConfirmed === true);
    const client = new Ollama({
      host: url,
      fetch: (input, init) =>
        send(input, {
          ...init,
          signal: init?.signal ? AbortSignal.any([init.signal, ctrl.signal]) : ctrl.signal,
        }),
    });
    try {
      return await fn(client);
    } catch (e) {
      if (ctrl.signal.aborted) {
        if (ctrl.signal.reason === TIMEOUT) throw ollamaTimeout(url, timeoutMs, what);
        throw new AirlockError('CANCELLED', `the request to Ollama was cancelled (${what})`);
      }
      if (isAirlockError(e)) throw e;
      const status = (e as { status_code?: number }).status_code;
      const message = (e as Error).message ?? String(e);
      if (status === 404 && /model.*not found/i.test(message))
        throw ollamaModelMissing(url, this.model);
      const reason = networkReason(e);
      if (reason) throw ollamaUnavailable(url, reason);
      throw new AirlockError(
        'OLLAMA_FAILED',
        `Ollama at ${url} failed ${what}: ${message.slice(0, 500)}`,
        { url, ...(status ? { status } : {}) },
      );
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCancel);
    }
  }

  async version(signal?: AbortSignal): Promise<string> {
    return this.call(
      'the version check',
      this.timeouts.healthMs,
      signal,
      async (o) => (await o.version()).version,
    );
  }

  async models(signal?: AbortSignal): Promise<OllamaStatus['models']> {
    const list = await this.call('the model list', this.timeouts.healthMs, signal, (o) => o.list());
    return list.models.map((m) => ({
      name: m.name,
      size: typeof m.size === 'number' ? m.size : null,
      parameterSize: m.details?.parameter_size ?? null,
      quantization: m.details?.quantization_level ?? null,
    }));
  }

  /** Health, installed models and whether the configured one is among them, with guidance. */
  async status(signal?: AbortSignal): Promise<OllamaStatus> {
    const { url, model } = this.config();
    const base = { url, model, version: null, models: [], modelPresent: false };
    let version: string;
    try {
      version = await this.version(signal);
    } catch (e) {
      const err = isAirlockError(e) ? e : new AirlockError('OLLAMA_FAILED', String(e));
      return {
        ...base,
        reachable: false,
        problem: { code: err.code, message: err.message },
        guidance: unavailableGuidance(url),
      };
    }
    let models: OllamaStatus['models'] = [];
    try {
      models = await this.models(signal);
    } catch (e) {
      const err = isAirlockError(e) ? e : new AirlockError('OLLAMA_FAILED', String(e));
      return {
        ...base,
        reachable: true,
        version,
        problem: { code: err.code, message: err.message },
        guidance: [],
      };
    }
    const modelPresent = models.some((m) => sameModel(m.name, model));
    if (modelPresent)
      return {
        ...base,
        reachable: true,
        version,
        models,
        modelPresent,
        problem: null,
        guidance: [],
      };
    const missing = ollamaModelMissing(
      url,
      model,
      models.map((m) => m.name),
    );
    return {
      ...base,
      reachable: true,
      version,
      models,
      problem: { code: missing.code, message: missing.message },
      guidance: modelGuidance(
        model,
        models.map((m) => m.name),
      ),
    };
  }

  /** One chat completion; streamed when `onToken` is given. */
  async chat(req: ChatRequestOptions): Promise<ChatResult> {
    const model = req.model ?? this.model;
    const options = {
      temperature: req.temperature ?? 0,
      ...(req.seed !== undefined ? { seed: req.seed } : {}),
      ...(req.numCtx ? { num_ctx: req.numCtx } : {}),
    };
    const base = {
      model,
      messages: req.messages,
      options,
      ...(req.format ? { format: req.format } : {}),
    };
    return this.call('the answer', this.timeouts.requestMs, req.signal, async (o) => {
      if (!req.onToken) {
        const r = await o.chat({ ...base, stream: false });
        return {
          content: r.message?.content ?? '',
          model: r.model ?? model,
          promptTokens: r.prompt_eval_count ?? null,
          outputTokens: r.eval_count ?? null,
        };
      }
      const parts: string[] = [];
      let last: { model?: string; prompt_eval_count?: number; eval_count?: number } = {};
      for await (const part of await o.chat({ ...base, stream: true })) {
        const piece = part.message?.content ?? '';
        if (piece) {
          parts.push(piece);
          req.onToken!(piece);
        }
        last = part;
      }
      return {
        content: parts.join(''),
        model: last.model ?? model,
        promptTokens: last.prompt_eval_count ?? null,
        outputTokens: last.eval_count ?? null,
      };
    });
  }
}
