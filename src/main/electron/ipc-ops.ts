/**
 * The UI's Electron IPC transport: one `ipcMain.handle` per operation, each through one
 * wrapper that checks who is asking (the sender frame must be the app's own page) and what
 * (`OPS[name].input` parses the arguments) before a handler runs (VS Code's validatedIpcMain).
 *
 * It takes an `IpcMainLike` instead of importing Electron (as Bruno does), so tests register
 * it on a fake and call it like the renderer would.
 */
import {
  IPC_PREFIX,
  OP_NAMES,
  type IpcResult,
  type OpName,
  type WireError,
} from '../../shared/contract/ops';
import { isAirlockError, publicDetails, type AirlockError } from '../../shared/errors';
import { silentLogger, type Logger } from '../ports';
import { dispatch } from '../ui/dispatch';
import type { OpsHandlers } from '../ui/ops-types';
import { isTrustedSender } from './window-policy';

/** What the wrapper reads of Electron's IpcMainInvokeEvent. */
export interface IpcSenderEvent {
  senderFrame?: { url: string } | null;
}

export interface IpcMainLike {
  handle(
    channel: string,
    listener: (event: IpcSenderEvent, ...args: unknown[]) => Promise<unknown> | unknown,
  ): void;
}

/** A typed error as data: its code, message, public details (when it has any) and audit entry. */
export function toWireError(e: AirlockError): WireError {
  const details = publicDetails(e);
  return {
    code: e.code,
    message: e.message,
    ...(Object.keys(details).length ? { details } : {}),
    ...(e.auditId !== undefined ? { auditId: e.auditId } : {}),
  };
}

/** Runs one operation for one IPC message; never throws (errors travel as data). */
export async function handleOp(
  handlers: OpsHandlers,
  name: OpName,
  appOrigin: string,
  event: IpcSenderEvent,
  args: unknown[],
  logger: Logger = silentLogger,
): Promise<IpcResult<unknown>> {
  let frameUrl: string | undefined;
  try {
    // Electron throws when the frame was destroyed mid-flight; that sender is untrusted too.
    frameUrl = event.senderFrame?.url;
  } catch {
    frameUrl = undefined;
  }
  if (!isTrustedSender(frameUrl, appOrigin)) {
    logger.warn('IPC call refused: the sender is not the Airlock page', {
      op: name,
      frame: frameUrl ?? null,
    });
    return {
      ok: false,
      error: {
        code: 'FORBIDDEN_ORIGIN',
        message: `${name} refused: the sender is not the Airlock page`,
      },
    };
  }
  if (args.length > 1) {
    return {
      ok: false,
      error: {
        code: 'VALIDATION_FAILED',
        message: `${name} takes one argument (its input object), not ${args.length}`,
      },
    };
  }
  try {
    return { ok: true, value: await dispatch(handlers, name, args[0]) };
  } catch (e) {
    if (isAirlockError(e)) return { ok: false, error: toWireError(e) };
    logger.error('UI operation failed', { op: name, error: (e as Error).message });
    return {
      ok: false,
      error: {
        code: 'INTERNAL',
        message: 'Airlock hit an internal error; the operation was not completed',
      },
    };
  }
}

/** Registers every operation on its own channel (`airlock:op:<name>`). */
export function registerOpsIpc(
  ipc: IpcMainLike,
  handlers: OpsHandlers,
  appOrigin: string,
  logger: Logger = silentLogger,
): string[] {
  const channels: string[] = [];
  for (const name of OP_NAMES) {
    const channel = IPC_PREFIX + name;
    ipc.handle(channel, (event, ...args) =>
      handleOp(handlers, name, appOrigin, event, args, logger),
    );
    channels.push(channel);
  }
  return channels;
}
