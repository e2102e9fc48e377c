/**
 * The MongoDB guard, end to end through POST /v1/query with the real `mongodb` driver.
 *
 * SERVER: these tests run against a MongoDB wire-protocol TEST DOUBLE
 * (test/doubles/mongo-wire-double.ts), not against MongoDB. No MongoDB server can be installed
 * here, and the wire-compatible servers on the npm registry do not install from it
 * (@push.rocks/smartmongo 9.x needs @lossless.org/nosqldb, 2.2.0 needs @push.rocks/lik@^6.4.1;
 * neither is published there). The double speaks OP_MSG over a real TCP socket, so Airlock's
 * connector code path is the one it runs against a real server.
 *
 * Canaries sit in fields and collections no test agent may read. No denied request may answer
 * with one — not in rows, not in an error message — and the stored documents must be
 * byte-for-byte unchanged after the deny table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Grant } from '../../src/shared/domain';
import { ERROR_STATUS, type ErrorCode } from '../../src/shared/errors';
import type { MongoWireDouble } from '../doubles/mongo-wire-double';
import { startTestAirlock, type TestAirlock } from '../helpers/harness';
import { CANARY_SHAPE, startShop } from '../helpers/mongo-fixture';

type Doc = Record<string, unknown>;
const read = (table: string, columns?: string[]): Grant => ({
  connection: 'mdb',
  table,
  actions: ['read'],
  ...(columns ? { columns } : {}),
});

/** Whole orders and products; only the harmless fields of customers; nothing of secrets. */
const ANALYST: Grant[] = [
  read('orders'),
  read('products'),
  read('customers', ['_id', 'name', 'tier', 'address', 'createdAt']),
];
/** Every collection, minus customers.ssn. */
const BROAD: Grant[] = [
  read('*'),
  { connection: 'mdb', table: 'customers', actions: ['read'], columns: ['ssn'], effect: 'deny' },
];

const S = 'STATEMENT_NOT_ALLOWED' as const;
const P = 'PERMISSION_DENIED' as const;
const V = 'VALIDATION_FAILED' as const;

interface DenyCase {
  name: string;
  code: ErrorCode;
  body: Doc;
  who?: 'analyst' | 'broad';
  says?: string | RegExp;
}
const q = (collection: string, op: string, rest: Doc = {}): Doc => ({
  connection: 'mdb',
  mongo: { collection, op, ...rest },
});
const find = (collection: string, rest: Doc = {}) => q(collection, 'find', rest);
const agg = (collection: string, pipeline: Doc[]) => q(collection, 'aggregate', { pipeline });
const deny = (
  name: string,
  code: ErrorCode,
  body: Doc,
  more: Partial<DenyCase> = {},
): DenyCase => ({ name, code, body, ...more });
const nest = (depth: number): Doc => (depth === 0 ? { tier: 'gold' } : { $and: [nest(depth - 1)] });

const DENY: DenyCase[] = [
  // ── server-side JavaScript ──
  deny('$where string', S, find('orders', { filter: { $where: 'this.qty > 1' } }), {
    says: '$where',
  }),
  deny(
    '$where hidden in $or',
    S,
    find('orders', { filter: { $or: [{ qty: 1 }, { $where: 'sleep(5000) || true' }] } }),
    { says: '$where' },
  ),
  deny(
    '$function in $expr',
    S,
    find('orders', {
      filter: { $expr: { $function: { body: 'function(){return true}', args: [], lang: 'js' } } },
    }),
    { says: '$function' },
  ),
  deny(
    '$accumulator in $group',
    S,
    agg('orders', [
      {
        $group: {
          _id: null,
          x: {
            $accumulator: {
              init: 'function(){}',
              accumulate: 'f',
              accumulateArgs: [],
              merge: 'f',
              lang: 'js',
            },
          },
        },
      },
    ]),
    { says: '$accumulator' },
  ),
  deny(
    'JavaScript code value ($code)',
    S,
    find('orders', { filter: { item: { $code: 'function(){return 1}' } } }),
    { says: 'JavaScript' },
  ),
  deny(
    'code value inside $literal',
    S,
    agg('orders', [{ $project: { x: { $literal: { $code: 'f()' } } } }]),
    { says: 'JavaScript' },
  ),
  deny(
    '$function deep in $cond in $addFields',
    S,
    agg('orders', [
      {
        $addFields: {
          x: {
            $cond: [true, { $add: [1, { $function: { body: 'f', args: [], lang: 'js' } }] }, 0],
          },
        },
      },
    ]),
  ),
  deny(
    '$expr containing $where-like $function via $let',
    S,
    find('orders', {
      filter: {
        $expr: {
          $let: { vars: { f: { $function: { body: 'f', args: [], lang: 'js' } } }, in: '$$f' },
        },
      },
    }),
  ),
  // ── writes and server internals ──
  deny('$out', S, agg('orders', [{ $match: {} }, { $out: 'stolen' }]), { says: '$out' }),
  deny('$merge', S, agg('orders', [{ $merge: { into: 'orders' } }]), { says: '$merge' }),
  deny('$out inside $facet', S, agg('orders', [{ $facet: { a: [{ $out: 'x' }] } }])),
  deny(
    '$merge inside a $lookup pipeline',
    S,
    agg('orders', [{ $lookup: { from: 'products', pipeline: [{ $merge: 'orders' }], as: 'p' } }]),
  ),
  deny('$currentOp', S, agg('orders', [{ $currentOp: {} }])),
  deny('$listSessions', S, agg('orders', [{ $listSessions: {} }])),
  deny('$collStats', S, agg('orders', [{ $collStats: { count: {} } }])),
  deny('$indexStats', S, agg('orders', [{ $indexStats: {} }])),
  deny('$planCacheStats', S, agg('orders', [{ $planCacheStats: {} }])),
  // ── other collections ──
  deny('find on an ungranted collection', P, find('secrets', { projection: { token: 1 } })),
  deny('collection differing only in case', P, find('Orders', { projection: { note: 1 } }), {
    says: 'case-sensitive',
  }),
  deny(
    '$lookup into secrets',
    P,
    agg('orders', [
      { $lookup: { from: 'secrets', localField: 'qty', foreignField: '_id', as: 's' } },
    ]),
  ),
  deny(
    '$lookup pipeline into secrets',
    P,
    agg('orders', [
      { $lookup: { from: 'secrets', pipeline: [{ $project: { token: 1 } }], as: 's' } },
    ]),
  ),
  deny(
    '$graphLookup into secrets',
    P,
    agg('orders', [
      {
        $graphLookup: {
          from: 'secrets',
          startWith: '$qty',
          connectFromField: '_id',
          connectToField: '_id',
          as: 's',
        },
      },
    ]),
  ),
  deny(
    '$unionWith secrets (string)',
    P,
    agg('orders', [{ $project: { item: 1 } }, { $unionWith: 'secrets' }]),
  ),
  deny(
    '$unionWith secrets with a pipeline',
    P,
    agg('orders', [
      { $unionWith: { coll: 'secrets', pipeline: [{ $project: { token: 1, _id: 0 } }] } },
    ]),
  ),
  deny(
    '$facet with a $lookup into secrets',
    P,
    agg('orders', [
      {
        $facet: {
          a: [{ $lookup: { from: 'secrets', pipeline: [], as: 's' } }, { $project: { s: 1 } }],
        },
      },
    ]),
  ),
  deny(
    '$unionWith nested in a $lookup pipeline',
    P,
    agg('orders', [
      {
        $lookup: {
          from: 'products',
          pipeline: [
            { $unionWith: { coll: 'secrets', pipeline: [{ $project: { token: 1 } }] } },
            { $project: { name: 1 } },
          ],
          as: 'p',
        },
      },
      { $project: { p: 1 } },
    ]),
  ),
  deny(
    '$lookup into another database',
    S,
    agg('orders', [
      { $lookup: { from: { db: 'admin', coll: 'system.users' }, pipeline: [], as: 'u' } },
    ]),
    { says: 'another database' },
  ),
  deny(
    '$lookup into system.js',
    S,
    agg('orders', [{ $lookup: { from: 'system.js', pipeline: [], as: 'js' } }]),
    { says: 'system collections' },
  ),
  deny('find on system.profile', S, find('system.profile', { projection: { op: 1 } })),
  // ── fields (analyst on customers: _id, name, tier, address, createdAt) ──
  deny('find without projection reads whole documents', P, find('customers'), {
    says: 'whole documents',
  }),
  deny(
    'exclusion projection still returns the rest',
    P,
    find('customers', { projection: { ssn: 0, email: 0 } }),
    { says: 'whole documents' },
  ),
  deny('projection of a forbidden field', P, find('customers', { projection: { ssn: 1 } }), {
    says: 'customers.ssn',
  }),
  deny(
    '$slice expression over a forbidden field',
    P,
    find('customers', { projection: { name: { $slice: ['$email', 1] } } }),
    { says: 'customers.email' },
  ),
  deny(
    'computed projection of a forbidden field',
    P,
    find('customers', { projection: { x: '$ssn' } }),
    { says: 'customers.ssn' },
  ),
  deny(
    'filter on a forbidden field (oracle)',
    P,
    find('customers', { filter: { ssn: { $regex: '^CANARY' } }, projection: { name: 1 } }),
  ),
  deny(
    'dotted path into a forbidden field',
    P,
    find('customers', { filter: { 'email.domain': 'x' }, projection: { name: 1 } }),
    { says: 'customers.email' },
  ),
  deny('$exists on a forbidden field', P, count('customers', { ssn: { $exists: true } })),
  deny(
    'sort on a forbidden field',
    P,
    find('customers', { sort: { email: 1 }, projection: { name: 1 } }),
  ),
  deny(
    '$group by a forbidden field',
    P,
    agg('customers', [{ $group: { _id: '$ssn', n: { $sum: 1 } } }]),
  ),
  deny(
    '$expr comparing a forbidden field',
    P,
    find('customers', { filter: { $expr: { $eq: ['$ssn', 'x'] } }, projection: { name: 1 } }),
  ),
  deny(
    '$expr length of a forbidden field',
    P,
    count('customers', { $expr: { $gt: [{ $strLenCP: '$ssn' }, 3] } }),
  ),
  deny('$$ROOT in $project', P, agg('customers', [{ $project: { doc: '$$ROOT' } }]), {
    says: 'whole documents',
  }),
  deny('$$CURRENT.ssn', P, agg('customers', [{ $project: { x: '$$CURRENT.ssn' } }])),
  deny(
    '$replaceRoot with $$ROOT',
    P,
    agg('customers', [{ $replaceRoot: { newRoot: { $mergeObjects: ['$$ROOT', { a: 1 }] } } }]),
  ),
  deny('$getField by name', P, agg('customers', [{ $project: { x: { $getField: 'ssn' } } }])),
  deny(
    '$getField on $$ROOT',
    P,
    agg('customers', [{ $project: { x: { $getField: { field: 'ssn', input: '$$ROOT' } } } }]),
  ),
  deny(
    '$let binding $$ROOT',
    P,
    agg('customers', [{ $project: { x: { $let: { vars: { r: '$$ROOT' }, in: '$$r.name' } } } }]),
  ),
  deny(
    '$map over a forbidden field',
    P,
    agg('customers', [{ $project: { x: { $map: { input: '$email', in: '$$this' } } } }]),
  ),
  deny(
    'forbidden field renamed by $addFields',
    P,
    agg('customers', [{ $addFields: { name: '$ssn' } }, { $project: { name: 1 } }]),
  ),
  deny('pipeline passing documents through', P, agg('customers', [{ $match: { tier: 'gold' } }]), {
    says: 'whole documents',
  }),
  deny('distinct on a forbidden field', P, q('customers', 'distinct', { field: 'ssn' })),
  deny(
    '$lookup returns whole customer documents',
    P,
    agg('orders', [
      { $lookup: { from: 'customers', localField: 'customerId', foreignField: '_id', as: 'c' } },
      { $project: { c: 1 } },
    ]),
  ),
  deny(
    '$graphLookup returns whole customer documents',
    P,
    agg('orders', [
      {
        $graphLookup: {
          from: 'customers',
          startWith: '$customerId',
          connectFromField: '_id',
          connectToField: '_id',
          as: 'c',
        },
      },
      { $project: { c: 1 } },
    ]),
  ),
  deny(
    '$unionWith customers, then read ssn from the union',
    P,
    agg('orders', [
      { $project: { item: 1 } },
      { $unionWith: { coll: 'customers', pipeline: [{ $match: { tier: 'gold' } }] } },
      { $project: { ssn: 1 } },
    ]),
  ),
  deny(
    '$top sorted by a forbidden field',
    P,
    agg('customers', [
      { $group: { _id: '$tier', t: { $top: { sortBy: { ssn: 1 }, output: '$name' } } } },
    ]),
  ),
  deny(
    'field name differing only in case',
    P,
    find('customers', { projection: { NAME: 1, _id: 0 } }),
    { says: 'case-sensitive' },
  ),
  deny('explicit deny on a field, whole documents', P, find('customers'), {
    who: 'broad',
    says: 'denied',
  }),
  deny('explicit deny on a field, projected', P, find('customers', { projection: { ssn: 1 } }), {
    who: 'broad',
  }),
  // ── a stage output may only shadow an input field it really replaces (issue 8, class 6) ──
  // $graphLookup's depthField is set on the documents inside `as`, not on the input document.
  ...(
    [
      ['$project', { $project: { ssn: 1 } }],
      ['$project renaming', { $project: { x: '$ssn' } }],
      ['$addFields copy', { $addFields: { name: '$ssn' } }, { $project: { name: 1 } }],
      ['$match', { $match: { ssn: { $regex: '^CANARY' } } }, { $project: { name: 1 } }],
      ['$group', { $group: { _id: '$email' } }],
      ['$sort', { $sort: { ssn: 1 } }, { $project: { name: 1 } }],
      ['$unwind', { $unwind: '$ssn' }, { $project: { ssn: 1 } }],
    ] as [string, ...Doc[]][]
  ).map(([then, ...rest]) =>
    deny(
      `$graphLookup depthField naming a hidden field, then ${then}`,
      P,
      agg('customers', [
        {
          $graphLookup: {
            from: 'orders',
            startWith: '$_id',
            connectFromField: 'customerId',
            connectToField: 'customerId',
            as: 'o',
            depthField: then === '$group' ? 'email' : 'ssn',
          },
        },
        ...rest,
      ]),
    ),
  ),
  deny(
    '$graphLookup depthField then $lookup pipeline reading it through let',
    P,
    agg('customers', [
      {
        $graphLookup: {
          from: 'orders',
          startWith: '$_id',
          connectFromField: 'customerId',
          connectToField: 'customerId',
          as: 'o',
          depthField: 'ssn',
        },
      },
      {
        $lookup: {
          from: 'orders',
          let: { s: '$ssn' },
          pipeline: [{ $project: { v: '$$s' } }],
          as: 'x',
        },
      },
      { $project: { x: 1 } },
    ]),
  ),
  // An object value in $addFields/$set merges into an embedded document of that name.
  deny(
    '$addFields with an object value over a hidden field',
    P,
    agg('customers', [{ $addFields: { ssn: { note: 'x' } } }, { $project: { ssn: 1 } }]),
  ),
  deny(
    '$set with a nested object value over a hidden field',
    P,
    agg('customers', [{ $set: { email: { a: { $literal: 1 } } } }, { $project: { email: 1 } }]),
  ),
  deny(
    '$addFields object value, then $group on it',
    P,
    agg('customers', [{ $addFields: { ssn: { k: 1 } } }, { $group: { _id: '$ssn' } }]),
  ),
  deny(
    '$addFields dotted key into a hidden field',
    P,
    agg('customers', [{ $addFields: { 'ssn.k': 1 } }, { $project: { ssn: 1 } }]),
  ),
  // ── unknown or unsupported: fail closed ──
  deny('unknown stage', S, agg('orders', [{ $fancyNewStage: {} }]), { says: 'allowlist' }),
  deny('unknown query operator', S, find('orders', { filter: { qty: { $almost: 2 } } }), {
    says: 'allowlist',
  }),
  deny('unknown top-level query operator', S, find('orders', { filter: { $sneaky: 1 } })),
  deny('unknown expression operator', S, agg('orders', [{ $project: { x: { $evalJs: '1' } } }])),
  deny('$text', S, find('orders', { filter: { $text: { $search: 'lamp' } } })),
  deny('$jsonSchema', S, find('orders', { filter: { $jsonSchema: { required: ['ssn'] } } })),
  deny('$meta projection', S, find('orders', { projection: { s: { $meta: 'textScore' } } })),
  deny('$redact', S, agg('orders', [{ $redact: '$$KEEP' }])),
  deny('undefined variable', S, agg('orders', [{ $project: { x: '$$nothing' } }]), {
    says: 'not defined',
  }),
  deny('$$USER_ROLES', S, agg('orders', [{ $project: { x: '$$USER_ROLES' } }])),
  deny(
    '$regex sharing an object with $ne',
    S,
    find('orders', { filter: { item: { $regex: '^l', $ne: 'lamp' } } }),
  ),
  deny(
    'operator smuggled in a literal',
    S,
    find('orders', { filter: { item: { $in: [{ $gt: '' }] } } }),
  ),
  // Fastify's JSON parser refuses __proto__ before the guard sees it; the guard refuses it too.
  deny('__proto__ key', V, {
    connection: 'mdb',
    mongo: JSON.parse('{"collection":"orders","op":"find","filter":{"__proto__":{"x":1}}}') as Doc,
  }),
  deny(
    'expression with two operators',
    S,
    agg('orders', [{ $project: { x: { $add: [1, 2], $subtract: [3, 1] } } }]),
  ),
  deny('field path with a $ part', S, find('orders', { projection: { 'item.$where': 1 } })),
  // ── malformed, oversized and misdirected requests ──
  deny('nested 40 levels deep', V, count('orders', nest(40)), { says: 'nested deeper' }),
  deny(
    '25,000 values',
    V,
    count('orders', { qty: { $in: Array.from({ length: 25_000 }, (_, i) => i) } }),
    { says: 'more than' },
  ),
  deny(
    'sql and mongo together',
    V,
    { connection: 'mdb', sql: 'SELECT 1', mongo: { collection: 'orders', op: 'count' } },
    { says: 'exactly one' },
  ),
  deny('unknown op', V, q('orders', 'mapReduce', { map: 'function(){}' }), { says: 'mongo.op' }),
  deny(
    'SQL sent to a MongoDB connection',
    S,
    { connection: 'mdb', sql: 'SELECT * FROM orders' },
    { says: 'not SQL' },
  ),
  deny(
    'a mongo query sent to a SQL connection',
    S,
    { connection: 'demo', mongo: { collection: 'orders', op: 'count' } },
    { says: 'SQL connection' },
  ),
  deny('pipeline on a find', S, find('orders', { pipeline: [] }), { says: 'does not apply' }),
  deny('aggregate without a pipeline', S, q('orders', 'aggregate'), { says: 'needs a pipeline' }),
];

function count(collection: string, filter: Doc): Doc {
  return q(collection, 'count', { filter });
}

interface AllowCase {
  name: string;
  body: Doc;
  /** values the answer's rows must contain (flattened, as JSON) */
  has?: unknown[];
}
const allow = (name: string, body: Doc, has?: unknown[]): AllowCase => ({
  name,
  body,
  ...(has ? { has } : {}),
});

const ALLOW: AllowCase[] = [
  allow('all orders', find('orders'), ['lamp', '19.90']),
  allow(
    'customers with granted fields',
    find('customers', { projection: { name: 1, tier: 1 }, sort: { name: 1 } }),
    ['Ada', 'gold'],
  ),
  allow(
    'filter, sort and limit on granted fields',
    find('customers', {
      filter: { tier: 'gold' },
      projection: { name: 1, _id: 0 },
      sort: { name: -1 },
      limit: 1,
    }),
    ['Chen'],
  ),
  allow(
    '$slice projection operator',
    find('orders', { projection: { item: { $slice: 1 }, _id: 0 } }),
  ),
  // A stage that sets the whole field replaces the input's value: projecting it reads nothing hidden.
  allow(
    'a hidden field replaced by $addFields with a value, then projected',
    agg('customers', [{ $addFields: { ssn: '$name' } }, { $project: { ssn: 1, _id: 0 } }]),
    ['Ada'],
  ),
  allow(
    'a hidden field replaced by $lookup as, then projected',
    agg('customers', [
      { $lookup: { from: 'orders', localField: '_id', foreignField: 'customerId', as: 'ssn' } },
      { $project: { ssn: 1, _id: 0 } },
    ]),
    ['lamp'],
  ),
  allow(
    'dotted projection of a granted field',
    find('customers', { projection: { name: 1, 'address.city': 1 } }),
    ['Lyon'],
  ),
  allow(
    'typed filter values (Extended JSON)',
    find('orders', {
      filter: { customerId: { $oid: '65a000000000000000000001' } },
      projection: { item: 1 },
    }),
    ['lamp'],
  ),
  allow(
    'date range on a granted field',
    count('customers', { createdAt: { $gte: { $date: '2024-02-01T00:00:00Z' } } }),
    [2],
  ),
  allow('count with a filter', count('customers', { tier: 'gold' }), [2]),
  allow('distinct on a granted field', q('customers', 'distinct', { field: 'tier' }), [
    'gold',
    'silver',
  ]),
  allow(
    'group, sum and sort',
    agg('orders', [
      { $group: { _id: '$item', units: { $sum: '$qty' } } },
      { $sort: { units: -1 } },
    ]),
    ['chair', 4],
  ),
  allow(
    'group customers by tier',
    agg('customers', [{ $group: { _id: '$tier', n: { $sum: 1 } } }, { $sort: { _id: 1 } }]),
    ['gold', 2],
  ),
  allow(
    'computed fields from granted ones',
    agg('customers', [
      { $match: { tier: 'gold' } },
      { $project: { name: 1, city: '$address.city' } },
    ]),
    ['Lyon'],
  ),
  allow(
    '$expr over granted fields',
    find('orders', { filter: { $expr: { $gt: ['$total', 200] } }, projection: { item: 1 } }),
    ['desk'],
  ),
  allow(
    '$lookup with a projecting pipeline',
    agg('orders', [
      {
        $lookup: {
          from: 'customers',
          localField: 'customerId',
          foreignField: '_id',
          pipeline: [{ $project: { name: 1, _id: 0 } }],
          as: 'customer',
        },
      },
      { $project: { item: 1, customer: 1 } },
    ]),
    ['Ada'],
  ),
  allow(
    '$facet of two summaries',
    agg('orders', [
      {
        $facet: { lamps: [{ $match: { item: 'lamp' } }, { $count: 'n' }], all: [{ $count: 'n' }] },
      },
    ]),
  ),
  allow(
    '$unionWith a granted collection',
    agg('orders', [
      { $project: { item: 1, _id: 0 } },
      { $unionWith: { coll: 'products', pipeline: [{ $project: { item: '$name', _id: 0 } }] } },
    ]),
    ['desk'],
  ),
  allow('$count', agg('customers', [{ $match: { tier: 'silver' } }, { $count: 'silver' }]), [1]),
  allow(
    'broad agent, projection avoiding the denied field',
    find('customers', { projection: { name: 1, tier: 1 } }),
    ['Brook'],
  ),
];

describe('MongoDB guard (against the wire-protocol test double)', () => {
  let t: TestAirlock;
  let shop: { double: MongoWireDouble; url: string };
  let keys: Record<'analyst' | 'broad', string>;
  let before: string;

  beforeAll(async () => {
    shop = await startShop();
    t = await startTestAirlock();
    const created = await t.admin('POST', '/v1/admin/connections', {
      name: 'mdb',
      kind: 'mongodb',
      url: shop.url,
    });
    expect(created.statusCode, created.body).toBe(201);
    const analyst = await t.createAgent('analyst', [
      ...ANALYST,
      { connection: 'demo', table: 'orders', actions: ['read'] },
    ]);
    const broad = await t.createAgent('broad', BROAD);
    keys = { analyst: analyst.apiKey, broad: broad.apiKey };
    before = shop.double.snapshot();
  });
  afterAll(async () => {
    await t?.close();
    await shop?.double.stop();
  });

  const post = (who: 'analyst' | 'broad', body: Doc) =>
    t.request({ method: 'POST', url: '/v1/query', token: keys[who], payload: body });

  it('has a deny table of at least 40 cases', () => {
    expect(DENY.length).toBeGreaterThanOrEqual(40);
  });

  for (const c of DENY) {
    it(`denies: ${c.name}`, async () => {
      const res = await post(c.who ?? (c.name.startsWith('broad') ? 'broad' : 'analyst'), c.body);
      const body = res.json() as { error: { code: string; message: string }; auditId?: number };
      expect(res.statusCode, res.body).toBe(ERROR_STATUS[c.code]);
      expect(body.error.code).toBe(c.code);
      expect(typeof body.auditId).toBe('number');
      if (c.says) expect(body.error.message).toMatch(c.says);
      expect(res.body).not.toMatch(CANARY_SHAPE);
    });
  }

  it('answers a body over the size limit with 413', async () => {
    const res = await post(
      'analyst',
      count('orders', { item: { $in: ['x'.repeat(1024 * 1024)] } }),
    );
    expect(res.statusCode).toBe(413);
    expect((res.json() as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  for (const c of ALLOW) {
    it(`allows: ${c.name}`, async () => {
      const res = await post(c.name.startsWith('broad') ? 'broad' : 'analyst', c.body);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as {
        rows: unknown[][];
        columns: { name: string }[];
        auditId: number;
      };
      expect(typeof body.auditId).toBe('number');
      const flat = JSON.stringify(body.rows);
      for (const v of c.has ?? []) expect(flat).toContain(JSON.stringify(v));
      expect(res.body).not.toMatch(CANARY_SHAPE);
    });
  }

  it('audited every denial as denied, with the query as its statement', async () => {
    const res = await t.admin('GET', '/v1/admin/audit?status=denied&limit=1000');
    const entries = (
      res.json() as {
        entries: {
          statement: string | null;
          rule: string | null;
          reason: string | null;
          action: string;
        }[];
      }
    ).entries;
    const mongoDenials = entries.filter((e) => e.statement?.startsWith('{"collection"'));
    // Every deny case that reached the MongoDB path (not the SQL one, nor body validation).
    expect(mongoDenials.length).toBeGreaterThanOrEqual(
      DENY.filter((c) => c.code !== V && 'mongo' in c.body && c.body.connection === 'mdb').length,
    );
    for (const e of mongoDenials) {
      expect(e.rule).toBeTruthy();
      expect(e.reason).toBeTruthy();
    }
    expect(JSON.stringify(entries)).not.toContain('CANARY-TOKEN');
  });

  it('left every stored document unchanged', () => {
    expect(shop.double.snapshot()).toBe(before);
  });
});

describe('MongoDB engine truth (explain)', () => {
  it('refuses a query whose plan touches a namespace the guard did not report', async () => {
    const shop = await startShop({ explainExtraNamespace: 'shop.secrets' });
    const t = await startTestAirlock();
    try {
      expect(
        (
          await t.admin('POST', '/v1/admin/connections', {
            name: 'mdb',
            kind: 'mongodb',
            url: shop.url,
          })
        ).statusCode,
      ).toBe(201);
      const { apiKey } = await t.createAgent('analyst', ANALYST);
      await t.request({ method: 'GET', url: '/v1/connections/mdb/tables', token: apiKey }); // introspection samples first
      const sent = shop.double.commands.length;
      const res = await t.request({
        method: 'POST',
        url: '/v1/query',
        token: apiKey,
        payload: find('orders', { projection: { item: 1 } }),
      });
      expect(res.statusCode, res.body).toBe(400);
      const body = res.json() as { error: { code: string; layer: string; message: string } };
      expect(body.error.code).toBe('STATEMENT_NOT_ALLOWED');
      expect(body.error.layer).toBe('engine-truth');
      // The namespace the server named is for the audit, not for the agent.
      expect(res.body).not.toContain('secrets');
      const audit = (await t.admin('GET', '/v1/admin/audit?status=denied')).json() as {
        entries: { details: Doc | null }[];
      };
      expect(JSON.stringify(audit.entries)).toContain('shop.secrets');
      // The query itself never ran: only its explain reached the server.
      const after = shop.double.commands.slice(sent).map((c) => Object.keys(c)[0]);
      expect(after).toContain('explain');
      expect(after).not.toContain('find');
    } finally {
      await t.close();
      await shop.double.stop();
    }
  });

  it("counts the collection under a view as the view's own", async () => {
    const shop = await startShop();
    // The view exposes only harmless fields; the agent is granted the view, not the collection.
    shop.double.createView('shop', 'customer_names', 'customers', [
      { $project: { name: 1, tier: 1 } },
    ]);
    const t = await startTestAirlock();
    try {
      await t.admin('POST', '/v1/admin/connections', {
        name: 'mdb',
        kind: 'mongodb',
        url: shop.url,
      });
      const { apiKey } = await t.createAgent('viewer', [read('customer_names')]);
      const ok = await t.request({
        method: 'POST',
        url: '/v1/query',
        token: apiKey,
        payload: find('customer_names', { sort: { name: 1 } }),
      });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.body).toContain('Ada');
      expect(ok.body).not.toMatch(CANARY_SHAPE);
      const direct = await t.request({
        method: 'POST',
        url: '/v1/query',
        token: apiKey,
        payload: find('customers', { projection: { name: 1 } }),
      });
      expect(direct.statusCode).toBe(403);
    } finally {
      await t.close();
      await shop.double.stop();
    }
  });

  it('runs without engine truth on a server that lacks explain, and says so in the audit', async () => {
    const shop = await startShop({ explain: false });
    const t = await startTestAirlock();
    try {
      await t.admin('POST', '/v1/admin/connections', {
        name: 'mdb',
        kind: 'mongodb',
        url: shop.url,
      });
      const { apiKey } = await t.createAgent('analyst', ANALYST);
      const res = await t.request({
        method: 'POST',
        url: '/v1/query',
        token: apiKey,
        payload: find('orders', { projection: { item: 1 } }),
      });
      expect(res.statusCode, res.body).toBe(200);
      const audit = (await t.admin('GET', '/v1/admin/audit?status=allowed')).json() as {
        entries: { details: Doc | null; statement: string | null }[];
      };
      const entry = audit.entries.find((e) => e.statement?.includes('"orders"'));
      expect(entry?.details?.engineTruth).toBe('unavailable');
    } finally {
      await t.close();
      await shop.double.stop();
    }
  });
});
