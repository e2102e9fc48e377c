/**
 * The UI operations' names and the IPC channel prefix, without zod: the sandboxed preload
 * imports this file (it cannot load packages), while ops.ts holds the schemas. ops.ts
 * checks at compile time that its table has exactly these keys.
 */
export const OP_NAMES = [
  'systemInfo',
  'dashboard',
  'listConnections',
  'testConnection',
  'checkConnection',
  'createConnection',
  'updateConnection',
  'removeConnection',
  'connectionSchema',
  'listAgents',
  'createAgent',
  'revokeAgent',
  'getGrants',
  'putGrants',
  'accessPreview',
  'runQuery',
  'searchAudit',
  'auditEntry',
  'startVerify',
  'verifyStatus',
  'auditSigner',
  'startReport',
  'reportStatus',
  'getSettings',
  'putSettings',
  'forwardingStatus',
  'testForwarding',
  'ask',
  'ollamaStatus',
  'getSemanticLayer',
  'putSemanticLayer',
  'importSemanticLayer',
  'exportSemanticLayer',
  'addVerifiedExample',
  'getAgentLimits',
  'putAgentLimits',
  'listApprovals',
  'approveApproval',
  'denyApproval',
  'revertApproval',
] as const;

export type OpName = (typeof OP_NAMES)[number];

/** Channel of operation `name`: `airlock:op:<name>`; one fixed channel per operation. */
export const IPC_PREFIX = 'airlock:op:';

/** Channel of the shell's own `getInfo` (kept from the first desktop build). */
export const IPC_GET_INFO = 'airlock:get-info';

/**
 * Desktop-only channels: what only the shell can do for the page (a native file dialog, the
 * system clipboard, which the window's permission handler denies to the page itself).
 */
export const IPC_PICK_SQLITE_FILE = 'airlock:desktop:pick-sqlite-file';
export const IPC_COPY_TEXT = 'airlock:desktop:copy-text';
