/**
 * The bridge between the sandboxed renderer and the main process: one named method per
 * operation (Electron's context-isolation guide), never a channel passthrough. Built as
 * CommonJS, because sandboxed preloads cannot be ES modules.
 */
// An import of './index' would resolve to this file itself; see index.d.ts.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./index.d.ts" />
import { contextBridge, ipcRenderer } from 'electron';

const airlock: AirlockBridge = {
  getInfo: () => ipcRenderer.invoke('airlock:get-info') as Promise<AirlockInfo>,
};

contextBridge.exposeInMainWorld('airlock', airlock);
