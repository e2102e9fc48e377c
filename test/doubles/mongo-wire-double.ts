/**
 * TEST DOUBLE — a MongoDB wire-protocol server for Airlock's tests. No MongoDB server can be
 * installed on this machine and no wire-compatible server on the npm registry installs here
 * (see the test files' headers), so the tests run the REAL `mongodb` driver, over a real TCP
 * socket, against this double: it speaks OP_MSG (and OP_QUERY/OP_REPLY for the driver's
 * first handshake) with BSON from the driver's own `BSON` export, keeps documents in memory
 * and answers hello, ping, buildInfo, listCollections, find, getMore, killCursors, aggregate,
 * count, distinct, explain and endSessions. It implements no write command: tests seed it
 * directly. Airlock's connector code path is the one it uses against a real server.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { BSON, Long, type Document } from 'mongodb';
import { DoubleError, clone, matches } from './mongo-double-eval';
import { project, runPipeline, sortDocs } from './mongo-double-pipeline';

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;

export interface WireDoubleOptions {
  /** Answer `explain` (true) or refuse it as an unknown command, as some servers do. */
  explain?: boolean;
  /** Make explain report this extra namespace (`db.coll`): a simulated parse differential. */
  explainExtraNamespace?: string;
  /** Refuse every authentication attempt (code 18), as a server does for a wrong password. */
  rejectAuth?: boolean;
  /** Ignore maxTimeMS, as a server under a stuck lock effectively does. */
  ignoreMaxTimeMS?: boolean;
}

interface Cursor {
  ns: string;
  docs: Document[];
  pos: number;
}

export class MongoWireDouble {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly dbs = new Map<string, Map<string, Document[]>>();
  private readonly delays = new Map<string, number>();
  /** `db.view` → its definition; reads resolve through it, and explain names the collection under it. */
  private readonly views = new Map<string, { viewOn: string; pipeline: Document[] }>();
  private readonly cursors = new Map<number, Cursor>();
  private nextCursor = 1;
  private nextRequest = 1;
  /** Every command received, in order, for assertions about what the driver sent. */
  readonly commands: Document[] = [];

  constructor(readonly options: WireDoubleOptions = {}) {}

  async start(): Promise<string> {
    this.server = createServer((s) => this.accept(s));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `mongodb://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  seed(db: string, collection: string, docs: Document[]) {
    if (!this.dbs.has(db)) this.dbs.set(db, new Map());
    this.dbs.get(db)!.set(
      collection,
      docs.map((d) => clone(d)),
    );
  }

  createView(db: string, name: string, viewOn: string, pipeline: Document[]) {
    this.views.set(`${db}.${name}`, { viewOn, pipeline });
  }

  /** Every stored document, serialized: compare two snapshots to prove nothing changed. */
  snapshot(): string {
    const all = [...this.dbs].map(([db, colls]) => [
      db,
      [...colls].map(([c, docs]) => [
        c,
        docs.map((d) => Buffer.from(BSON.serialize(d)).toString('base64')),
      ]),
    ]);
    return JSON.stringify(all);
  }

  /** Makes reads of a collection take this long (honouring maxTimeMS like a server). */
  setDelay(db: string, collection: string, ms: number) {
    this.delays.set(`${db}.${collection}`, ms);
  }

  private accept(socket: Socket) {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buf = Buffer.alloc(0);
    let chain = Promise.resolve();
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4 && buf.length >= buf.readInt32LE(0)) {
        const msg = buf.subarray(0, buf.readInt32LE(0));
        buf = buf.subarray(msg.length);
        chain = chain.then(() => this.onMessage(socket, msg)).catch(() => void socket.destroy());
      }
    });
  }

  private async onMessage(socket: Socket, msg: Buffer) {
    const requestId = msg.readInt32LE(4);
    const opCode = msg.readInt32LE(12);
    if (opCode === OP_QUERY) {
      const nsEnd = msg.indexOf(0, 20);
      const db = msg.toString('utf8', 20, nsEnd).split('.')[0]!;
      const docStart = nsEnd + 1 + 8;
      let query = BSON.deserialize(msg.subarray(docStart, docStart + msg.readInt32LE(docStart)));
      if (query.$query) query = query.$query as Document;
      const reply = BSON.serialize(await this.run(db, query));
      const head = Buffer.alloc(36);
      head.writeInt32LE(36 + reply.length, 0);
      head.writeInt32LE(this.nextRequest++, 4);
      head.writeInt32LE(requestId, 8);
      head.writeInt32LE(OP_REPLY, 12);
      head.writeInt32LE(1, 32); // numberReturned; flags, cursorId and startingFrom stay 0
      socket.write(Buffer.concat([head, reply]));
      return;
    }
    if (opCode !== OP_MSG) throw new Error(`unsupported opCode ${opCode}`);
    const flags = msg.readUInt32LE(16);
    const end = msg.length - (flags & 1 ? 4 : 0);
    let body: Document = {};
    let off = 20;
    while (off < end) {
      const kind = msg[off++];
      const size = msg.readInt32LE(off);
      if (kind === 0) body = BSON.deserialize(msg.subarray(off, off + size));
      else {
        // Document sequences carry bulk-write payloads, which this double does not implement.
        throw new Error('document sequences are not supported by the test double');
      }
      off += size;
    }
    const reply = BSON.serialize(await this.run(String(body.$db ?? 'admin'), body));
    if (flags & 2) return; // moreToCome: the client expects no answer
    const head = Buffer.alloc(21);
    head.writeInt32LE(21 + reply.length, 0);
    head.writeInt32LE(this.nextRequest++, 4);
    head.writeInt32LE(requestId, 8);
    head.writeInt32LE(OP_MSG, 12);
    head.writeUInt32LE(0, 16);
    head.writeUInt8(0, 20);
    socket.write(Buffer.concat([head, reply]));
  }

  private async run(db: string, cmd: Document): Promise<Document> {
    this.commands.push(cmd);
    try {
      return { ...(await this.dispatch(db, cmd)), ok: 1 };
    } catch (e) {
      if (e instanceof DoubleError)
        return { ok: 0, errmsg: e.message, code: e.code, codeName: e.codeName };
      return { ok: 0, errmsg: (e as Error).message, code: 1, codeName: 'InternalError' };
    }
  }

  private docs(db: string, coll: string): Document[] {
    const view = this.views.get(`${db}.${coll}`);
    if (view)
      return runPipeline(this.docs(db, view.viewOn), view.pipeline, {
        collection: (c) => this.docs(db, c),
      });
    return this.dbs.get(db)?.get(coll) ?? [];
  }

  /** The collection a view finally reads, as a server's explain reports it. */
  private underlying(db: string, coll: string): string {
    const view = this.views.get(`${db}.${coll}`);
    return view ? this.underlying(db, view.viewOn) : coll;
  }

  /** Waits as long as the collection's delay, or fails at maxTimeMS as a server does. */
  private async delay(db: string, coll: string, cmd: Document) {
    const ms = this.delays.get(`${db}.${coll}`) ?? 0;
    const max = this.options.ignoreMaxTimeMS ? 0 : Number(cmd.maxTimeMS ?? 0);
    if (ms === 0) return;
    if (max > 0 && ms > max) {
      await new Promise((r) => setTimeout(r, max));
      throw new DoubleError(50, 'MaxTimeMSExpired', 'operation exceeded time limit');
    }
    await new Promise((r) => setTimeout(r, ms));
  }

  private cursorReply(
    ns: string,
    docs: Document[],
    batchSize: number | undefined,
    single = false,
  ): Document {
    const size = batchSize && batchSize > 0 ? batchSize : 101;
    const first = docs.slice(0, size);
    let id = 0;
    if (!single && docs.length > size) {
      id = this.nextCursor++;
      this.cursors.set(id, { ns, docs, pos: size });
    }
    return { cursor: { id: Long.fromNumber(id), ns, firstBatch: first } };
  }

  private async dispatch(db: string, cmd: Document): Promise<Document> {
    const name = Object.keys(cmd)[0] ?? '';
    const coll = String(cmd[name]);
    const ctx = { collection: (c: string) => this.docs(db, c) };
    switch (name) {
      case 'hello':
      case 'isMaster':
      case 'ismaster':
        return {
          isWritablePrimary: true,
          ismaster: true,
          helloOk: true,
          maxBsonObjectSize: 16 * 1024 * 1024,
          maxMessageSizeBytes: 48_000_000,
          maxWriteBatchSize: 100_000,
          localTime: new Date(),
          logicalSessionTimeoutMinutes: 30,
          connectionId: 1,
          minWireVersion: 0,
          maxWireVersion: 21,
          readOnly: false,
        };
      case 'ping':
      case 'endSessions':
        return {};
      case 'buildInfo':
        return { version: '7.0.0-airlock-test-double', versionArray: [7, 0, 0, 0] };
      case 'saslStart':
      case 'saslContinue':
        if (this.options.rejectAuth)
          throw new DoubleError(18, 'AuthenticationFailed', 'Authentication failed.');
        throw new DoubleError(
          334,
          'MechanismUnavailable',
          'the test double implements no authentication',
        );
      case 'listCollections': {
        const names = [...(this.dbs.get(db)?.keys() ?? [])];
        const filter = (cmd.filter as Document | undefined) ?? {};
        const views = [...this.views]
          .filter(([k]) => k.startsWith(`${db}.`))
          .map(([k, v]) => ({
            name: k.slice(db.length + 1),
            type: 'view',
            options: v,
            info: { readOnly: true },
          }));
        const rows = [
          ...names.map((n) => ({
            name: n,
            type: 'collection',
            options: {},
            info: { readOnly: false },
          })),
          ...views,
        ].filter((r) => matches(r, filter));
        return this.cursorReply(`${db}.$cmd.listCollections`, rows, undefined, true);
      }
      case 'find': {
        await this.delay(db, coll, cmd);
        let docs = this.docs(db, coll).filter((d) =>
          matches(d, (cmd.filter as Document | undefined) ?? {}),
        );
        if (cmd.sort) docs = sortDocs(docs, cmd.sort as Document);
        if (cmd.skip) docs = docs.slice(Number(cmd.skip));
        if (cmd.limit) docs = docs.slice(0, Math.abs(Number(cmd.limit)));
        if (cmd.projection && Object.keys(cmd.projection as Document).length)
          docs = docs.map((d) => project(d, cmd.projection as Document));
        return this.cursorReply(
          `${db}.${coll}`,
          docs,
          cmd.batchSize as number | undefined,
          Boolean(cmd.singleBatch),
        );
      }
      case 'getMore': {
        const id = Number(cmd.getMore);
        const c = this.cursors.get(id);
        if (!c) throw new DoubleError(43, 'CursorNotFound', `cursor id ${id} not found`);
        const size = Number(cmd.batchSize ?? 0) || c.docs.length;
        const next = c.docs.slice(c.pos, c.pos + size);
        c.pos += size;
        const done = c.pos >= c.docs.length;
        if (done) this.cursors.delete(id);
        return { cursor: { id: Long.fromNumber(done ? 0 : id), ns: c.ns, nextBatch: next } };
      }
      case 'killCursors': {
        const ids = (cmd.cursors as unknown[]).map(Number);
        for (const id of ids) this.cursors.delete(id);
        return {
          cursorsKilled: ids.map((i) => Long.fromNumber(i)),
          cursorsNotFound: [],
          cursorsAlive: [],
          cursorsUnknown: [],
        };
      }
      case 'aggregate': {
        await this.delay(db, coll, cmd);
        const docs = runPipeline(this.docs(db, coll), cmd.pipeline as Document[], ctx);
        return this.cursorReply(
          `${db}.${coll}`,
          docs,
          (cmd.cursor as Document | undefined)?.batchSize as number | undefined,
        );
      }
      case 'count': {
        await this.delay(db, coll, cmd);
        return {
          n: this.docs(db, coll).filter((d) =>
            matches(d, (cmd.query as Document | undefined) ?? {}),
          ).length,
        };
      }
      case 'distinct': {
        await this.delay(db, coll, cmd);
        const values: unknown[] = [];
        for (const d of this.docs(db, coll).filter((x) =>
          matches(x, (cmd.query as Document | undefined) ?? {}),
        )) {
          const v = d[String(cmd.key)];
          for (const e of Array.isArray(v) ? v : [v]) {
            if (e !== undefined && !values.some((w) => JSON.stringify(w) === JSON.stringify(e)))
              values.push(e);
          }
        }
        return { values };
      }
      case 'explain':
        return this.explain(db, cmd.explain as Document);
      default:
        throw new DoubleError(59, 'CommandNotFound', `no such command: '${name}'`);
    }
  }

  /** Shaped like a server's queryPlanner-verbosity explain output. */
  private explain(db: string, inner: Document): Document {
    if (this.options.explain === false)
      throw new DoubleError(59, 'CommandNotFound', "no such command: 'explain'");
    const name = Object.keys(inner)[0] ?? '';
    const namespace = `${db}.${this.underlying(db, String(inner[name]))}`;
    const winningPlan: Document = this.options.explainExtraNamespace
      ? {
          stage: 'EQ_LOOKUP',
          foreignCollection: this.options.explainExtraNamespace,
          inputStage: { stage: 'COLLSCAN' },
        }
      : { stage: 'COLLSCAN' };
    const queryPlanner = { namespace, parsedQuery: inner.filter ?? inner.query ?? {}, winningPlan };
    if (name === 'aggregate') {
      return {
        explainVersion: '1',
        stages: [{ $cursor: { queryPlanner } }, ...((inner.pipeline as Document[]) ?? [])],
        command: inner,
      };
    }
    return { explainVersion: '1', queryPlanner, command: inner };
  }
}
