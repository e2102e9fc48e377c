/** pg-cursor ships no types; this is the part Airlock uses. */
declare module 'pg-cursor' {
  import type { FieldDef, Submittable, Connection } from 'pg';

  interface CursorConfig {
    rowMode?: 'array';
    types?: { getTypeParser: (oid: number, format?: string) => (text: string) => unknown };
  }

  export default class Cursor implements Submittable {
    constructor(text: string, values?: unknown[] | null, config?: CursorConfig);
    submit(connection: Connection): void;
    read(
      rows: number,
      cb: (
        err: Error | undefined,
        rows: unknown[][],
        result: { fields: FieldDef[]; rowCount: number | null },
      ) => void,
    ): void;
    /** 'done' once the server has ended the statement (ReadyForQuery). */
    state: string;
    close(): Promise<void>;
    /** Internals that pg-cursor 2.x calls and sets; BudgetCursor (pg-connector.ts) overrides the first. */
    handleDataRow(msg: { fields: unknown[] }): void;
    protected _result: { parseRow(fields: unknown[]): unknown[] };
    protected _rows: unknown[][] | null;
  }
}
