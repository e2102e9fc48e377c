/**
 * The MongoDB fixture shared by the MongoDB tests: a wire-protocol TEST DOUBLE
 * (test/doubles/mongo-wire-double.ts — not MongoDB; see its header for why) seeded with a
 * small shop database in which canary values sit in fields no test agent may read.
 */
import { Decimal128, Long, ObjectId } from 'mongodb';
import { MongoWireDouble, type WireDoubleOptions } from '../doubles/mongo-wire-double';

export const DB = 'shop';
export const CANARY = {
  ssn: 'CANARY-SSN-4411',
  email: 'canary-email-5522@example.test',
  token: 'CANARY-TOKEN-9001',
  caseTwin: 'CANARY-CASE-0007',
};
/** Anything that looks like one of the canaries, in any response body. */
export const CANARY_SHAPE = /CANARY-|canary-email/i;

export const CUSTOMER_IDS = [
  new ObjectId('65a000000000000000000001'),
  new ObjectId('65a000000000000000000002'),
  new ObjectId('65a000000000000000000003'),
];

export function seedShop(d: MongoWireDouble) {
  const [a, b, c] = CUSTOMER_IDS as [ObjectId, ObjectId, ObjectId];
  d.seed(DB, 'customers', [
    {
      _id: a,
      name: 'Ada',
      tier: 'gold',
      email: CANARY.email,
      ssn: CANARY.ssn,
      address: { city: 'Lyon', zip: '69001' },
      createdAt: new Date('2024-01-05T10:00:00Z'),
    },
    {
      _id: b,
      name: 'Brook',
      tier: 'silver',
      email: 'b@example.test',
      ssn: 'CANARY-SSN-0002',
      address: { city: 'Oslo', zip: '0150' },
      createdAt: new Date('2024-03-01T09:30:00Z'),
    },
    {
      _id: c,
      name: 'Chen',
      tier: 'gold',
      email: 'c@example.test',
      ssn: 'CANARY-SSN-0003',
      address: { city: 'Lyon', zip: '69002' },
      createdAt: new Date('2024-06-20T16:45:00Z'),
    },
  ]);
  d.seed(DB, 'orders', [
    {
      _id: new ObjectId('65b000000000000000000001'),
      customerId: a,
      item: 'lamp',
      qty: 2,
      price: Decimal128.fromString('19.90'),
      total: 39.8,
      units: Long.fromNumber(2),
    },
    {
      _id: new ObjectId('65b000000000000000000002'),
      customerId: b,
      item: 'desk',
      qty: 1,
      price: Decimal128.fromString('249.00'),
      total: 249,
      units: Long.fromNumber(1),
    },
    {
      _id: new ObjectId('65b000000000000000000003'),
      customerId: a,
      item: 'lamp',
      qty: 1,
      price: Decimal128.fromString('19.90'),
      total: 19.9,
      units: Long.fromNumber(1),
    },
    {
      _id: new ObjectId('65b000000000000000000004'),
      customerId: c,
      item: 'chair',
      qty: 4,
      price: Decimal128.fromString('59.00'),
      total: 236,
      units: Long.fromNumber(4),
    },
  ]);
  d.seed(DB, 'products', [
    { _id: 1, name: 'lamp', price: 19.9 },
    { _id: 2, name: 'desk', price: 249 },
    { _id: 3, name: 'chair', price: 59 },
  ]);
  d.seed(DB, 'secrets', [{ _id: 1, token: CANARY.token }]);
  // Same name as 'orders' but for case: MongoDB names are case-sensitive, grants must be too.
  d.seed(DB, 'Orders', [{ _id: 1, note: CANARY.caseTwin }]);
}

export async function startShop(
  options: WireDoubleOptions = {},
): Promise<{ double: MongoWireDouble; url: string }> {
  const double = new MongoWireDouble(options);
  const base = await double.start();
  seedShop(double);
  return { double, url: `${base}/${DB}` };
}
