/**
 * The bridge between the sandboxed renderer and the main process: one named method per
 * operation (Electron's context-isolation guide), each bound to its own fixed channel, never
 * a channel passthrough. Built as CommonJS, because sandboxed preloads cannot be ES modules,
 * and it imports nothing but Electron and the zod-free list of names: a sandboxed preload
 * cannot load packages.
 */
import { contextBridge, ipcRenderer } from 'electron';
import {
  IPC_COPY_TEXT,
  IPC_GET_INFO,
  IPC_PICK_SQLITE_FILE,
  IPC_PREFIX,
  OP_NAMES,
} from '../shared/contract/op-names';
import type { AirlockBridge } from '../shared/contract/ops';

function buildBridge(): AirlockBridge {
  const methods: Record<string, (input?: unknown) => Promise<unknown>> = {
    getInfo: () => ipcRenderer.invoke(IPC_GET_INFO),
    pickSqliteFile: () => ipcRenderer.invoke(IPC_PICK_SQLITE_FILE),
    // Only a string crosses, whatever the caller passes.
    copyText: (text?: unknown) => ipcRenderer.invoke(IPC_COPY_TEXT, String(text ?? '')),
  };
  for (const name of OP_NAMES) {
    const channel = IPC_PREFIX + name;
    // Exactly one argument crosses: whatever else a caller passes stays in the page.
    methods[name] = (input?: unknown) => ipcRenderer.invoke(channel, input);
  }
  return Object.freeze(methods) as unknown as AirlockBridge;
}

contextBridge.exposeInMainWorld('airlock', buildBridge());
