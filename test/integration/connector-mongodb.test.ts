/**
 * The MongoDB connector: the real `mongodb` driver (7.9) over a real TCP socket.
 *
 * SERVER: a MongoDB wire-protocol TEST DOUBLE (test/doubles/mongo-wire-double.ts), not MongoDB.
 * No MongoDB server can be installed on this machine, and the wire-compatible servers on the
 * npm registry do not install from it (@push.rocks/smartmongo 9.x needs @lossless.org/nosqldb,
 * 2.2.0 needs @push.rocks/lik@^6.4.1; neither is published there). The connector's code path
 * is the one it takes against a real server; what the double cannot show (real query plans,
 * authentication that succeeds, TLS) is listed in README.md's MongoDB paragraph.
 */
import { createServer, type AddressInfo } from 'node:net';
import { Binary, Decimal128, Double, Int32, Long, ObjectId, Timestamp, UUID } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isDocumentConnector,
  type CheckedMongoQuery,
} from '../../src/main/connectors/mongodb/document-connector';
import { MongoConnector, parseMongoUrl } from '../../src/main/connectors/mongodb/mongo-connector';
import {
  compareNamespaces,
  explainedNamespaces,
} from '../../src/main/connectors/mongodb/mongo-engine-truth';
import { sqlConnector, type QueryLimits } from '../../src/main/connectors/types';
import { guardMongo } from '../../src/main/guard/mongo/mongo-guard';
import { AirlockError } from '../../src/shared/errors';
import type { MongoQuery } from '../../src/shared/contract/api';
import { MongoWireDouble } from '../doubles/mongo-wire-double';
import { startTestAirlock } from '../helpers/harness';
import { CANARY_SHAPE, DB, startShop } from '../helpers/mongo-fixture';

const LIMITS: QueryLimits = { maxRows: 1000, maxBytes: 1024 * 1024, timeoutMs: 5000 };
const checked = (q: MongoQuery): CheckedMongoQuery => guardMongo(q).query;

async function failure(p: Promise<unknown>): Promise<AirlockError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AirlockError);
    return e as AirlockError;
  }
  throw new Error('expected a failure');
}

describe('MongoDB connector (real driver, wire-protocol test double)', () => {
  let shop: { double: MongoWireDouble; url: string };
  let conn: MongoConnector;

  beforeAll(async () => {
    shop = await startShop();
    shop.double.seed(DB, 'types', [
      {
        _id: new ObjectId('65c000000000000000000001'),
        i: new Int32(7),
        d: new Double(2.5),
        big: Long.fromString('9007199254740993'),
        small: Long.fromNumber(42),
        dec: Decimal128.fromString('1234567890.123456789'),
        at: new Date('2024-05-06T07:08:09.010Z'),
        bin: new Binary(Buffer.from('airlock')),
        uuid: new UUID('3b241101-e2bb-4255-8caf-4136c566a962'),
        ts: new Timestamp({ t: 1700000000, i: 3 }),
        nested: { when: new Date(0), ids: [new ObjectId('65c000000000000000000002')] },
        nan: new Double(NaN),
      },
    ]);
    shop.double.seed(
      DB,
      'many',
      Array.from({ length: 250 }, (_, i) => ({ _id: i, n: i, pad: 'x'.repeat(100) })),
    );
    conn = new MongoConnector(shop.url);
  });
  afterAll(async () => {
    await conn?.close();
    await shop?.double.stop();
  });

  it('tests the connection', async () => {
    await expect(conn.test()).resolves.toBeUndefined();
  });

  it('introspects collections and infers field types from sampled documents', async () => {
    const tables = await conn.introspect();
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['customers', 'orders', 'Orders', 'products', 'secrets', 'types']),
    );
    const types = Object.fromEntries(
      tables.find((t) => t.name === 'types')!.columns.map((c) => [c.name, c.type]),
    );
    expect(types).toMatchObject({
      _id: 'objectId',
      i: 'int',
      d: 'double',
      big: 'long',
      dec: 'decimal',
      at: 'date',
      bin: 'binary',
      uuid: 'uuid',
      ts: 'timestamp',
      nested: 'object',
    });
    const orders = tables.find((t) => t.name === 'orders')!.columns.map((c) => c.name);
    expect(orders).toEqual(['_id', 'customerId', 'item', 'qty', 'price', 'total', 'units']);
  });

  it('returns typed values as lossless JSON', async () => {
    const r = await conn.readDocuments(checked({ collection: 'types', op: 'find' }), LIMITS);
    const row = Object.fromEntries(
      r.columns.map((c, i) => [c.name, { type: c.type, value: r.rows[0]![i] }]),
    );
    expect(row._id).toEqual({ type: 'objectId', value: '65c000000000000000000001' });
    expect(row.i).toEqual({ type: 'int', value: 7 });
    expect(row.d).toEqual({ type: 'double', value: 2.5 });
    expect(row.big).toEqual({ type: 'long', value: '9007199254740993' });
    expect(row.small).toEqual({ type: 'long', value: 42 });
    expect(row.dec).toEqual({ type: 'decimal', value: '1234567890.123456789' });
    expect(row.at).toEqual({ type: 'date', value: '2024-05-06T07:08:09.010Z' });
    expect(row.bin).toEqual({ type: 'binary', value: Buffer.from('airlock').toString('base64') });
    expect(row.uuid).toEqual({ type: 'uuid', value: '3b241101-e2bb-4255-8caf-4136c566a962' });
    expect(row.ts).toEqual({ type: 'timestamp', value: { t: 1700000000, i: 3 } });
    expect(row.nested).toEqual({
      type: 'object',
      value: { when: '1970-01-01T00:00:00.000Z', ids: ['65c000000000000000000002'] },
    });
    expect(row.nan).toEqual({ type: 'double', value: 'NaN' });
    expect(JSON.parse(JSON.stringify(r.rows))).toEqual(r.rows);
  });

  it('runs find, aggregate, count and distinct', async () => {
    const found = await conn.readDocuments(
      checked({
        collection: 'orders',
        op: 'find',
        filter: { item: 'lamp' },
        projection: { item: 1, qty: 1, _id: 0 },
        sort: { qty: -1 },
      }),
      LIMITS,
    );
    expect(found.columns.map((c) => c.name)).toEqual(['item', 'qty']);
    expect(found.rows).toEqual([
      ['lamp', 2],
      ['lamp', 1],
    ]);
    const grouped = await conn.readDocuments(
      checked({
        collection: 'orders',
        op: 'aggregate',
        pipeline: [{ $group: { _id: '$item', n: { $sum: '$qty' } } }, { $sort: { n: -1 } }],
      }),
      LIMITS,
    );
    expect(grouped.rows).toEqual([
      ['chair', 4],
      ['lamp', 3],
      ['desk', 1],
    ]);
    const counted = await conn.readDocuments(
      checked({ collection: 'customers', op: 'count', filter: { tier: 'gold' } }),
      LIMITS,
    );
    expect(counted).toMatchObject({ columns: [{ name: 'count', type: 'int' }], rows: [[2]] });
    const distinct = await conn.readDocuments(
      checked({ collection: 'orders', op: 'distinct', field: 'item' }),
      LIMITS,
    );
    expect(distinct.rows.flat().sort()).toEqual(['chair', 'desk', 'lamp']);
    expect(distinct.engineTruth).toBe('explain');
  });

  it('sends maxTimeMS with every query and its explain', async () => {
    const from = shop.double.commands.length;
    await conn.readDocuments(
      checked({ collection: 'orders', op: 'find', projection: { item: 1 } }),
      { ...LIMITS, timeoutMs: 1234 },
    );
    const sent = shop.double.commands.slice(from);
    expect(sent.find((c) => 'find' in c)?.maxTimeMS).toBe(1234);
    expect(sent.find((c) => 'explain' in c)?.maxTimeMS).toBe(1234);
  });

  it('caps rows and bytes, and says the answer was truncated', async () => {
    const byRows = await conn.readDocuments(checked({ collection: 'many', op: 'find' }), {
      ...LIMITS,
      maxRows: 150,
    });
    expect(byRows).toMatchObject({ rowCount: 150, truncated: true });
    const byBytes = await conn.readDocuments(
      checked({ collection: 'many', op: 'aggregate', pipeline: [{ $sort: { n: 1 } }] }),
      { ...LIMITS, maxBytes: 2000 },
    );
    expect(byBytes.truncated).toBe(true);
    expect(JSON.stringify(byBytes.rows).length).toBeLessThanOrEqual(2000);
    const limited = await conn.readDocuments(
      checked({ collection: 'many', op: 'find', limit: 10 }),
      { ...LIMITS, maxRows: 150 },
    );
    expect(limited).toMatchObject({ rowCount: 10, truncated: false });
    const all = await conn.readDocuments(checked({ collection: 'many', op: 'find' }), LIMITS);
    expect(all).toMatchObject({ rowCount: 250, truncated: false });
  });

  it('stops a slow query at maxTimeMS (the server stops it)', async () => {
    shop.double.setDelay(DB, 'products', 1500);
    try {
      const e = await failure(
        conn.readDocuments(checked({ collection: 'products', op: 'find' }), {
          ...LIMITS,
          timeoutMs: 200,
        }),
      );
      expect(e.code).toBe('QUERY_TIMEOUT');
      expect(e.message).toContain('maxTimeMS');
    } finally {
      shop.double.setDelay(DB, 'products', 0);
    }
  });

  it('gives up on its own when a server ignores maxTimeMS', async () => {
    const slow = new MongoWireDouble({ ignoreMaxTimeMS: true, explain: false });
    const url = await slow.start();
    slow.seed(DB, 'stuck', [{ _id: 1 }]);
    slow.setDelay(DB, 'stuck', 6000);
    const c = new MongoConnector(`${url}/${DB}`);
    try {
      const started = Date.now();
      const e = await failure(
        c.readDocuments(checked({ collection: 'stuck', op: 'find' }), {
          ...LIMITS,
          timeoutMs: 100,
        }),
      );
      expect(e.code).toBe('QUERY_TIMEOUT');
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await c.close();
      await slow.stop();
    }
  });

  it('is of the document family: no SQL members, and asking it for SQL is refused', async () => {
    expect('dialect' in conn || 'read' in conn || 'write' in conn).toBe(false);
    expect(isDocumentConnector(conn)).toBe(true);
    const e = await failure(Promise.resolve().then(() => sqlConnector(conn)));
    expect(e.code).toBe('STATEMENT_NOT_ALLOWED');
    expect(e.message).toMatch(/not SQL/);
  });

  it('explains connection failures for a person, without the password', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const refused = await failure(
      new MongoConnector(`mongodb://127.0.0.1:${port}/${DB}?serverSelectionTimeoutMS=1500`).test(),
    );
    expect(refused.code).toBe('CONNECTION_FAILED');
    expect(refused.message).toMatch(/nothing is listening|no MongoDB server answered/);

    const locked = new MongoWireDouble({ rejectAuth: true });
    const base = await locked.start();
    const c = new MongoConnector(
      base.replace('mongodb://', 'mongodb://reader:Sup3r%40Secret@') +
        `/${DB}?serverSelectionTimeoutMS=2000`,
    );
    try {
      const auth = await failure(c.test());
      expect(auth.code).toBe('CONNECTION_FAILED');
      expect(auth.message).toContain('user name or password');
      expect(JSON.stringify({ m: auth.message, d: auth.details })).not.toMatch(/Sup3r/);
    } finally {
      await c.close();
      await locked.stop();
    }

    expect(() => parseMongoUrl('mongodb://127.0.0.1:27017')).toThrow(/names no database/);
    expect(() => parseMongoUrl('http://127.0.0.1/x')).toThrow(/not of the form/);
  });

  it('reads an unknown collection as empty, as MongoDB does', async () => {
    const r = await conn.readDocuments(checked({ collection: 'nothing_here', op: 'find' }), LIMITS);
    expect(r).toMatchObject({ rowCount: 0, rows: [], truncated: false });
  });
});

describe('MongoDB engine truth on real-server explain shapes', () => {
  // Shaped like mongod 7.0 output: SBE $lookup pushdown names the foreign collection in the plan.
  const sbeLookup = {
    explainVersion: '2',
    queryPlanner: {
      namespace: 'shop.orders',
      winningPlan: {
        queryPlan: {
          stage: 'EQ_LOOKUP',
          foreignCollection: 'shop.customers',
          inputStage: { stage: 'COLLSCAN' },
        },
      },
    },
    command: { aggregate: 'orders', pipeline: [{ $match: { namespace: 'shop.secrets' } }] },
  };
  // Classic engine: a $cursor stage, then the stages as run.
  const classic = {
    stages: [
      {
        $cursor: {
          queryPlanner: {
            namespace: 'shop.orders',
            parsedQuery: { foreignCollection: { $eq: 'shop.secrets' } },
          },
        },
      },
      {
        $lookup: {
          from: 'customers',
          as: 'c',
          pipeline: [{ $unionWith: { coll: 'products', pipeline: [] } }],
        },
      },
      { $facet: { a: [{ $graphLookup: { from: 'a.b', as: 'g' } }] } },
      { $match: { namespace: 'shop.secrets' } },
    ],
  };

  it('collects plan namespaces and stage collections, not echoed filters', () => {
    expect([...explainedNamespaces(sbeLookup)].sort()).toEqual(['shop.customers', 'shop.orders']);
    expect([...explainedNamespaces(classic)].sort()).toEqual([
      'a.b',
      'customers',
      'products',
      'shop.orders',
    ]);
  });

  it('accepts what the guard reported and refuses anything else', () => {
    expect(() =>
      compareNamespaces(explainedNamespaces(classic), 'shop', [
        'orders',
        'customers',
        'products',
        'a.b',
      ]),
    ).not.toThrow();
    expect(() =>
      compareNamespaces(new Set(['shop.orders', 'shop.secrets']), 'shop', ['orders']),
    ).toThrow(/did not account for/);
    expect(() => compareNamespaces(new Set(['admin.system.users']), 'shop', ['orders'])).toThrow(
      /did not account for/,
    );
  });
});

describe('MongoDB connections through the admin and agent API', () => {
  it('adds a connection, lists permitted fields, caps rows, and never echoes a password', async () => {
    const shop = await startShop();
    const t = await startTestAirlock({ queryLimits: { maxRows: 2 } });
    const locked = new MongoWireDouble({ rejectAuth: true });
    const lockedUrl = await locked.start();
    try {
      const created = await t.admin('POST', '/v1/admin/connections', {
        name: 'mdb',
        kind: 'mongodb',
        url: shop.url,
      });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json()).toMatchObject({ name: 'mdb', kind: 'mongodb' });

      const bad = await t.admin('POST', '/v1/admin/connections', {
        name: 'locked',
        kind: 'mongodb',
        url:
          lockedUrl.replace('mongodb://', 'mongodb://reader:Hunter2Secret@') +
          `/${DB}?serverSelectionTimeoutMS=2000`,
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ error: { code: 'CONNECTION_FAILED' } });
      expect(bad.body).toContain('user name or password');
      expect(bad.body).not.toContain('Hunter2Secret');
      const listed = await t.admin('GET', '/v1/admin/connections');
      expect(listed.body).not.toContain('Hunter2Secret');

      const { apiKey } = await t.createAgent('analyst', [
        { connection: 'mdb', table: 'orders', actions: ['read'] },
        {
          connection: 'mdb',
          table: 'customers',
          actions: ['read'],
          columns: ['_id', 'name', 'tier'],
        },
      ]);
      const tables = await t.request({
        method: 'GET',
        url: '/v1/connections/mdb/tables',
        token: apiKey,
      });
      const byName = Object.fromEntries(
        (tables.json() as { tables: { name: string; columns: { name: string }[] }[] }).tables.map(
          (x) => [x.name, x.columns.map((c) => c.name)],
        ),
      );
      expect(Object.keys(byName).sort()).toEqual(['customers', 'orders']);
      expect(byName.customers).toEqual(['_id', 'name', 'tier']);
      expect(tables.body).not.toMatch(/secrets|ssn|Orders/);

      const res = await t.request({
        method: 'POST',
        url: '/v1/query',
        token: apiKey,
        payload: {
          connection: 'mdb',
          mongo: { collection: 'orders', op: 'find', sort: { total: 1 } },
        },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ rowCount: 2, truncated: true });
      expect(res.body).not.toMatch(CANARY_SHAPE);
      const audit = (await t.admin('GET', '/v1/admin/audit?status=allowed')).json() as {
        entries: {
          action: string;
          statement: string | null;
          rowCount: number | null;
          details: Record<string, unknown> | null;
        }[];
      };
      const entry = audit.entries.find(
        (e) => e.action === 'query.read' && e.statement?.includes('"orders"'),
      );
      expect(entry).toMatchObject({
        statement: '{"collection":"orders","op":"find","sort":{"total":1}}',
        rowCount: 2,
      });
      expect(entry?.details).toMatchObject({
        truncated: true,
        engineTruth: 'explain',
        collections: ['orders'],
      });
    } finally {
      await t.close();
      await shop.double.stop();
      await locked.stop();
    }
  });
});
