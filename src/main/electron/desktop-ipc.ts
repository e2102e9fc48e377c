/**
 * The shell's own services for the page, on fixed channels with the same sender check as the
 * UI operations: a native file dialog for SQLite databases and the system clipboard. Electron
 * reaches this file as ports, so tests need no Electron.
 */
import { IPC_COPY_TEXT, IPC_PICK_SQLITE_FILE } from '../../shared/contract/op-names';
import type { IpcMainLike } from './ipc-ops';
import { isTrustedSender } from './window-policy';

export interface DesktopPorts {
  /** Shows the open-file dialog; the chosen path, or null when cancelled. */
  pickFile(filters: { name: string; extensions: string[] }[]): Promise<string | null>;
  writeClipboard(text: string): void;
}

/** Longest text the page may put on the clipboard (an API key or a curl example fits easily). */
const MAX_CLIPBOARD = 64 * 1024;

export function registerDesktopIpc(ipc: IpcMainLike, ports: DesktopPorts, appOrigin: string): void {
  const trusted = (frame: { url: string } | null | undefined) => {
    try {
      return isTrustedSender(frame?.url, appOrigin);
    } catch {
      return false;
    }
  };
  ipc.handle(IPC_PICK_SQLITE_FILE, async (event) => {
    if (!trusted(event.senderFrame))
      throw new Error(`${IPC_PICK_SQLITE_FILE} refused: the sender is not the Airlock page`);
    return ports.pickFile([
      { name: 'SQLite databases', extensions: ['db', 'sqlite', 'sqlite3', 'db3'] },
      { name: 'All files', extensions: ['*'] },
    ]);
  });
  ipc.handle(IPC_COPY_TEXT, (event, text) => {
    if (!trusted(event.senderFrame))
      throw new Error(`${IPC_COPY_TEXT} refused: the sender is not the Airlock page`);
    if (typeof text !== 'string' || text.length > MAX_CLIPBOARD) return false;
    ports.writeClipboard(text);
    return true;
  });
}
