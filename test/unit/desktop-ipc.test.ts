import { describe, expect, it } from 'vitest';
import { registerDesktopIpc } from '../../src/main/electron/desktop-ipc';
import type { IpcSenderEvent } from '../../src/main/electron/ipc-ops';
import { IPC_COPY_TEXT, IPC_PICK_SQLITE_FILE } from '../../src/shared/contract/op-names';

const APP = 'http://127.0.0.1:7717';

function setup(picked: string | null = '/home/a/sales.db') {
  const handlers = new Map<string, (e: IpcSenderEvent, ...a: unknown[]) => unknown>();
  const clipboard: string[] = [];
  const dialogs: unknown[] = [];
  registerDesktopIpc(
    { handle: (channel, listener) => void handlers.set(channel, listener) },
    {
      pickFile: async (filters) => {
        dialogs.push(filters);
        return picked;
      },
      writeClipboard: (t) => void clipboard.push(t),
    },
    APP,
  );
  const from = (url: string): IpcSenderEvent => ({ senderFrame: { url: `${url}/#/connections` } });
  return { handlers, clipboard, dialogs, from };
}

describe('the desktop shell services', () => {
  it('registers exactly its two fixed channels', () => {
    expect([...setup().handlers.keys()].sort()).toEqual(
      [IPC_COPY_TEXT, IPC_PICK_SQLITE_FILE].sort(),
    );
  });

  it('opens the file dialog with SQLite filters for the app page, and passes a cancel through as null', async () => {
    const { handlers, dialogs, from } = setup();
    expect(await handlers.get(IPC_PICK_SQLITE_FILE)!(from(APP))).toBe('/home/a/sales.db');
    expect(JSON.stringify(dialogs[0])).toMatch(/sqlite/);
    expect(await setup(null).handlers.get(IPC_PICK_SQLITE_FILE)!(from(APP))).toBeNull();
  });

  it('refuses both services to any other sender', async () => {
    const { handlers, clipboard, dialogs, from } = setup();
    await expect(
      Promise.resolve().then(() =>
        handlers.get(IPC_PICK_SQLITE_FILE)!(from('http://evil.example')),
      ),
    ).rejects.toThrow(/not the Airlock page/);
    await expect(
      Promise.resolve().then(() => handlers.get(IPC_COPY_TEXT)!({ senderFrame: null }, 'alk_x')),
    ).rejects.toThrow(/not the Airlock page/);
    expect(dialogs).toEqual([]);
    expect(clipboard).toEqual([]);
  });

  it('copies strings only, up to a sane size', async () => {
    const { handlers, clipboard, from } = setup();
    const copy = handlers.get(IPC_COPY_TEXT)!;
    expect(await copy(from(APP), 'alk_abc')).toBe(true);
    expect(await copy(from(APP), { text: 'x' })).toBe(false);
    expect(await copy(from(APP), 'x'.repeat(70_000))).toBe(false);
    expect(clipboard).toEqual(['alk_abc']);
  });
});
