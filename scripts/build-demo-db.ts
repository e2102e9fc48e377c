/**
 * Builds the bundled demo database (resources/demo.db): a fictional e-commerce company,
 * "Harborline Trading Co.", with customers, orders, products and an HR table holding
 * sensitive columns (salary, national_id) so that masking and row policies have something to bite.
 *
 * Usage: npx tsx scripts/build-demo-db.ts [outPath]   (default: resources/demo.db)
 *
 * The output is fully deterministic (seeded PRNG, fixed "today"), so the committed file can be
 * verified against a fresh build (see test/unit/demo-db.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3-multiple-ciphers';

/** Bump when the schema or generator changes, so consumers can tell demo builds apart. */
export const DEMO_DB_VERSION = 1;

/** Fixed seed: changing it changes every row, and the committed demo.db must then be rebuilt. */
const SEED = 0x41_49_52_4c; // "AIRL"

/** The data window; orders and customer sign-ups fall inside it. */
const START_DAY = dayNumber(2023, 1, 1);
const END_DAY = dayNumber(2025, 12, 31);

/** Days since 1970-01-01 (UTC); whole-day integers keep date arithmetic exact and time-zone free. */
function dayNumber(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) / 86_400_000;
}

export const DEMO_TABLE_COUNTS = {
  categories: 12,
  suppliers: 25,
  products: 200,
  customers: 1000,
  orders: 3000,
  departments: 8,
  employees: 120,
} as const;

const SCHEMA = `
CREATE TABLE categories (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL
);

CREATE TABLE suppliers (
  id            INTEGER PRIMARY KEY,
  company_name  TEXT NOT NULL UNIQUE,
  contact_name  TEXT NOT NULL,
  email         TEXT NOT NULL,
  phone         TEXT NOT NULL,
  city          TEXT NOT NULL,
  country       TEXT NOT NULL
);

CREATE TABLE products (
  id             INTEGER PRIMARY KEY,
  name           TEXT NOT NULL UNIQUE,
  category_id    INTEGER NOT NULL REFERENCES categories (id),
  supplier_id    INTEGER NOT NULL REFERENCES suppliers (id),
  unit_price     REAL NOT NULL CHECK (unit_price > 0),
  units_in_stock INTEGER NOT NULL CHECK (units_in_stock >= 0),
  discontinued   INTEGER NOT NULL DEFAULT 0 CHECK (discontinued IN (0, 1))
);
CREATE INDEX idx_products_category_id ON products (category_id);
CREATE INDEX idx_products_supplier_id ON products (supplier_id);

CREATE TABLE customers (
  id         INTEGER PRIMARY KEY,
  first_name TEXT NOT NULL,
  last_name  TEXT NOT NULL,
  email      TEXT NOT NULL UNIQUE,
  phone      TEXT NOT NULL,
  city       TEXT NOT NULL,
  country    TEXT NOT NULL,
  tier       TEXT NOT NULL CHECK (tier IN ('bronze', 'silver', 'gold', 'platinum')),
  created_at TEXT NOT NULL
);
CREATE INDEX idx_customers_country ON customers (country);

CREATE TABLE departments (
  id       INTEGER PRIMARY KEY,
  name     TEXT NOT NULL UNIQUE,
  location TEXT NOT NULL
);

CREATE TABLE employees (
  id            INTEGER PRIMARY KEY,
  first_name    TEXT NOT NULL,
  last_name     TEXT NOT NULL,
  email         TEXT NOT NULL UNIQUE,
  department_id INTEGER NOT NULL REFERENCES departments (id),
  title         TEXT NOT NULL,
  hire_date     TEXT NOT NULL,
  manager_id    INTEGER REFERENCES employees (id),
  salary        INTEGER NOT NULL CHECK (salary > 0),
  national_id   TEXT NOT NULL UNIQUE
);
CREATE INDEX idx_employees_department_id ON employees (department_id);
CREATE INDEX idx_employees_manager_id ON employees (manager_id);

CREATE TABLE orders (
  id           INTEGER PRIMARY KEY,
  customer_id  INTEGER NOT NULL REFERENCES customers (id),
  employee_id  INTEGER REFERENCES employees (id),
  order_date   TEXT NOT NULL,
  status       TEXT NOT NULL
               CHECK (status IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled', 'returned')),
  total        REAL NOT NULL CHECK (total >= 0),
  ship_city    TEXT NOT NULL,
  ship_country TEXT NOT NULL
);
CREATE INDEX idx_orders_customer_id ON orders (customer_id);
CREATE INDEX idx_orders_employee_id ON orders (employee_id);
CREATE INDEX idx_orders_order_date ON orders (order_date);

CREATE TABLE order_items (
  id         INTEGER PRIMARY KEY,
  order_id   INTEGER NOT NULL REFERENCES orders (id),
  product_id INTEGER NOT NULL REFERENCES products (id),
  quantity   INTEGER NOT NULL CHECK (quantity > 0),
  unit_price REAL NOT NULL CHECK (unit_price > 0),
  discount   REAL NOT NULL DEFAULT 0 CHECK (discount >= 0 AND discount < 1),
  UNIQUE (order_id, product_id)
);
-- The UNIQUE (order_id, product_id) index already serves lookups by order_id.
CREATE INDEX idx_order_items_product_id ON order_items (product_id);
`;

// ---------------------------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------------------------

/** mulberry32: tiny, fast and good enough for fake data; identical output on every platform. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

class Rng {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  float(): number {
    return this.next();
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick() from an empty list');
    return item;
  }

  /** Picks by relative weight; weights need not sum to 1. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    let r = this.next() * total;
    for (const [value, w] of entries) {
      r -= w;
      if (r < 0) return value;
    }
    const last = entries[entries.length - 1];
    if (last === undefined) throw new Error('weighted() from an empty list');
    return last[0];
  }

  /** A digit string that never starts with 0, like a real area or exchange code. */
  digits(n: number): string {
    let s = String(this.int(1, 9));
    for (let i = 1; i < n; i++) s += String(this.int(0, 9));
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// Word lists (prettier-ignore keeps these dense data tables one row per line)
// ---------------------------------------------------------------------------------------------

// prettier-ignore
const FIRST_NAMES = [
  'James', 'Mary', 'Liam', 'Olivia', 'Noah', 'Emma', 'Lucas', 'Sofia', 'Mateo', 'Isabella',
  'Hugo', 'Chloe', 'Elias', 'Mia', 'Leon', 'Hannah', 'Luca', 'Giulia', 'Pablo', 'Lucia',
  'Oscar', 'Freya', 'Arjun', 'Priya', 'Kenji', 'Yuki', 'Wei', 'Mei', 'Omar', 'Layla',
  'Daniel', 'Grace', 'Samuel', 'Amelia', 'Thomas', 'Charlotte', 'Jonas', 'Ingrid', 'Mikael', 'Astrid',
  'Diego', 'Valentina', 'Rafael', 'Beatriz', 'Kwame', 'Amara', 'Tomasz', 'Zofia', 'Ethan', 'Ava',
  'Felix', 'Clara', 'Henry', 'Alice', 'Adam', 'Nora', 'Victor', 'Elena', 'Ruben', 'Ines',
] as const;

// prettier-ignore
const LAST_NAMES = [
  'Smith', 'Johnson', 'Brown', 'Taylor', 'Wilson', 'Martin', 'Anderson', 'Thompson', 'Moore', 'Clark',
  'Muller', 'Schmidt', 'Fischer', 'Weber', 'Dubois', 'Laurent', 'Moreau', 'Rossi', 'Russo', 'Bianchi',
  'Garcia', 'Fernandez', 'Lopez', 'Martinez', 'Silva', 'Santos', 'Costa', 'Oliveira', 'Jansen', 'De Vries',
  'Nielsen', 'Hansen', 'Larsen', 'Lindberg', 'Nowak', 'Kowalski', 'Novak', 'Horvat', 'Tanaka', 'Suzuki',
  'Sato', 'Kim', 'Park', 'Chen', 'Wang', 'Li', 'Patel', 'Sharma', 'Singh', 'Okafor',
  'Mensah', 'Haddad', 'Khalil', 'Murphy', "O'Brien", 'Walsh', 'Reid', 'Campbell', 'Fraser', 'Evans',
] as const;

/** City, country, international dialling code. */
// prettier-ignore
const CITIES = [
  ['New York', 'USA', '1'], ['Chicago', 'USA', '1'], ['Seattle', 'USA', '1'], ['Austin', 'USA', '1'],
  ['Boston', 'USA', '1'], ['Denver', 'USA', '1'], ['Toronto', 'Canada', '1'], ['Vancouver', 'Canada', '1'],
  ['Montreal', 'Canada', '1'], ['London', 'United Kingdom', '44'], ['Manchester', 'United Kingdom', '44'],
  ['Edinburgh', 'United Kingdom', '44'], ['Dublin', 'Ireland', '353'], ['Berlin', 'Germany', '49'],
  ['Munich', 'Germany', '49'], ['Hamburg', 'Germany', '49'], ['Paris', 'France', '33'],
  ['Lyon', 'France', '33'], ['Madrid', 'Spain', '34'], ['Barcelona', 'Spain', '34'],
  ['Lisbon', 'Portugal', '351'], ['Milan', 'Italy', '39'], ['Rome', 'Italy', '39'],
  ['Amsterdam', 'Netherlands', '31'], ['Rotterdam', 'Netherlands', '31'], ['Brussels', 'Belgium', '32'],
  ['Copenhagen', 'Denmark', '45'], ['Stockholm', 'Sweden', '46'], ['Oslo', 'Norway', '47'],
  ['Helsinki', 'Finland', '358'], ['Warsaw', 'Poland', '48'], ['Vienna', 'Austria', '43'],
  ['Zurich', 'Switzerland', '41'], ['Sydney', 'Australia', '61'], ['Melbourne', 'Australia', '61'],
  ['Auckland', 'New Zealand', '64'], ['Tokyo', 'Japan', '81'], ['Osaka', 'Japan', '81'],
  ['Singapore', 'Singapore', '65'], ['Sao Paulo', 'Brazil', '55'], ['Mexico City', 'Mexico', '52'],
] as const;

/** Relative customer share per country: the company is strongest at home (USA) and in Europe. */
// prettier-ignore
const COUNTRY_WEIGHT: Readonly<Record<string, number>> = {
  USA: 30, Canada: 8, 'United Kingdom': 10, Germany: 9, France: 6, Spain: 4, Italy: 4,
  Netherlands: 4, Ireland: 2, Belgium: 2, Portugal: 2, Denmark: 2, Sweden: 2, Norway: 1.5,
  Finland: 1, Poland: 2, Austria: 1.5, Switzerland: 1.5, Australia: 4, 'New Zealand': 1,
  Japan: 2, Singapore: 1, Brazil: 2, Mexico: 2,
};

const EMAIL_DOMAINS = [
  'example.com',
  'example.net',
  'example.org',
  'mail.example',
  'inbox.example',
];

const COMPANY_DOMAIN = 'harborline.example';

/** Name, description and the product nouns sold in it. */
// prettier-ignore
const CATEGORIES: readonly (readonly [string, string, readonly string[]])[] = [
  ['Coffee & Tea', 'Whole beans, ground coffee, loose-leaf and bagged teas',
    ['Espresso Beans', 'Dark Roast', 'Cold Brew Blend', 'Green Tea', 'Earl Grey', 'Chai Mix', 'Matcha', 'Rooibos']],
  ['Beverages', 'Juices, sodas, sparkling water and syrups',
    ['Sparkling Water', 'Ginger Beer', 'Lemonade', 'Orange Juice', 'Tonic Water', 'Cola', 'Elderflower Cordial']],
  ['Pantry', 'Oils, sauces, spices and dry goods',
    ['Olive Oil', 'Balsamic Vinegar', 'Pasta', 'Basmati Rice', 'Chili Sauce', 'Sea Salt', 'Honey', 'Maple Syrup']],
  ['Snacks', 'Chips, nuts, chocolate and bars',
    ['Trail Mix', 'Dark Chocolate', 'Potato Chips', 'Granola Bars', 'Salted Almonds', 'Pretzels', 'Rice Crackers']],
  ['Kitchenware', 'Cookware, utensils and storage',
    ['Frying Pan', 'Chef Knife', 'Cutting Board', 'Saucepan', 'Mixing Bowls', 'Storage Jars', 'French Press']],
  ['Home Decor', 'Lighting, textiles and decorative accents',
    ['Table Lamp', 'Throw Blanket', 'Scented Candle', 'Wall Clock', 'Cushion Cover', 'Vase', 'Picture Frame']],
  ['Electronics', 'Chargers, cables and small devices',
    ['USB-C Charger', 'Power Bank', 'Smart Plug', 'HDMI Cable', 'Wireless Mouse', 'Keyboard', 'Webcam']],
  ['Audio', 'Headphones, speakers and accessories',
    ['Wireless Earbuds', 'Over-Ear Headphones', 'Bluetooth Speaker', 'Soundbar', 'Microphone', 'Headphone Stand']],
  ['Outdoor', 'Camping, hiking and garden gear',
    ['Camping Tent', 'Sleeping Bag', 'Hiking Backpack', 'Water Bottle', 'Headlamp', 'Garden Hose', 'Folding Chair']],
  ['Fitness', 'Training equipment and accessories',
    ['Yoga Mat', 'Dumbbell Set', 'Resistance Bands', 'Jump Rope', 'Foam Roller', 'Kettlebell', 'Gym Towel']],
  ['Stationery', 'Notebooks, pens and desk supplies',
    ['Notebook', 'Fountain Pen', 'Gel Pens', 'Desk Organizer', 'Sticky Notes', 'Planner', 'Sketchbook']],
  ['Toys & Games', 'Board games, puzzles and toys',
    ['Board Game', 'Jigsaw Puzzle', 'Card Game', 'Building Blocks', 'Plush Bear', 'Kite', 'Chess Set']],
];

/** Typical price band (in whole currency units) per category, so prices look plausible. */
// prettier-ignore
const PRICE_BANDS: readonly (readonly [number, number])[] = [
  [6, 32], [2, 9], [3, 24], [2, 12], [12, 140], [9, 120], [8, 90], [15, 320], [8, 260], [6, 150],
  [2, 40], [8, 70],
];

// prettier-ignore
const PRODUCT_ADJECTIVES = [
  'Classic', 'Premium', 'Organic', 'Everyday', 'Deluxe', 'Nordic', 'Urban', 'Coastal', 'Alpine',
  'Heritage', 'Essential', 'Artisan', 'Compact', 'Pro', 'Signature', 'Harbor',
] as const;

// prettier-ignore
const SUPPLIER_PREFIXES = [
  'Atlas', 'Bluewater', 'Cedar', 'Evergreen', 'Granite', 'Ironbridge', 'Juniper', 'Kestrel',
  'Lakeside', 'Meridian', 'Northgate', 'Oakridge', 'Pioneer', 'Quayside', 'Redwood', 'Silverline',
  'Tidewater', 'Summit', 'Vantage', 'Westbrook', 'Yarrow', 'Zephyr', 'Brightfield', 'Copperleaf',
  'Driftwood',
] as const;

// prettier-ignore
const SUPPLIER_SUFFIXES = ['Trading', 'Imports', 'Supply Co.', 'Wholesale', 'Goods', 'Distributors', 'Ltd.'];

interface TitleBand {
  readonly title: string;
  readonly weight: number;
  readonly salary: readonly [number, number];
}

interface DepartmentPlan {
  readonly name: string;
  readonly location: string;
  readonly size: number;
  readonly head: TitleBand;
  /** Team leads report to the head; everyone else reports to a lead (or the head when there are none). */
  readonly leads: number;
  readonly lead: TitleBand | null;
  readonly staff: readonly TitleBand[];
}

const t = (title: string, low: number, high: number, weight = 1): TitleBand => ({
  title,
  weight,
  salary: [low, high],
});

/** Department sizes sum to 120; the first Executive row is the CEO, the root of the org chart. */
// prettier-ignore
const DEPARTMENTS: readonly DepartmentPlan[] = [
  { name: 'Executive', location: 'Boston', size: 3, head: t('Chief Executive Officer', 260_000, 290_000),
    leads: 0, lead: null,
    staff: [t('Chief Operating Officer', 210_000, 240_000), t('Chief of Staff', 150_000, 175_000)] },
  { name: 'Sales', location: 'Boston', size: 38, head: t('VP of Sales', 170_000, 195_000),
    leads: 3, lead: t('Sales Manager', 110_000, 135_000),
    staff: [t('Sales Representative', 52_000, 74_000, 5), t('Senior Sales Representative', 72_000, 96_000, 2),
      t('Account Executive', 80_000, 110_000, 1)] },
  { name: 'Customer Support', location: 'Denver', size: 20, head: t('Director of Customer Support', 125_000, 145_000),
    leads: 2, lead: t('Support Team Lead', 68_000, 82_000),
    staff: [t('Support Specialist', 42_000, 55_000, 4), t('Senior Support Specialist', 54_000, 66_000, 1)] },
  { name: 'Operations', location: 'Columbus', size: 22, head: t('Director of Operations', 135_000, 155_000),
    leads: 2, lead: t('Warehouse Manager', 72_000, 88_000),
    staff: [t('Warehouse Associate', 36_000, 46_000, 5), t('Logistics Coordinator', 50_000, 64_000, 2),
      t('Inventory Analyst', 58_000, 72_000, 1)] },
  { name: 'Engineering', location: 'Boston', size: 16, head: t('VP of Engineering', 200_000, 230_000),
    leads: 2, lead: t('Engineering Manager', 165_000, 185_000),
    staff: [t('Software Engineer', 105_000, 135_000, 3), t('Senior Software Engineer', 135_000, 165_000, 2),
      t('Data Analyst', 85_000, 105_000, 1)] },
  { name: 'Marketing', location: 'New York', size: 9, head: t('Head of Marketing', 150_000, 170_000),
    leads: 0, lead: null,
    staff: [t('Marketing Specialist', 58_000, 76_000, 2), t('Content Strategist', 62_000, 80_000, 1),
      t('Growth Analyst', 70_000, 90_000, 1)] },
  { name: 'Finance', location: 'Boston', size: 7, head: t('Chief Financial Officer', 215_000, 245_000),
    leads: 0, lead: null,
    staff: [t('Accountant', 64_000, 82_000, 2), t('Financial Analyst', 75_000, 95_000, 1),
      t('Controller', 115_000, 135_000, 0.4)] },
  { name: 'Human Resources', location: 'Boston', size: 5, head: t('HR Director', 125_000, 145_000),
    leads: 0, lead: null,
    staff: [t('HR Generalist', 58_000, 72_000, 2), t('Recruiter', 60_000, 78_000, 1)] },
];

/** Order status mix by order age in days: recent orders are still in flight. */
// prettier-ignore
const STATUS_BY_AGE: readonly (readonly [number, readonly (readonly [string, number])[]])[] = [
  [3, [['pending', 6], ['paid', 4]]],
  [10, [['pending', 1], ['paid', 3], ['shipped', 6]]],
  [21, [['shipped', 4], ['delivered', 6], ['cancelled', 0.5]]],
  [Infinity, [['delivered', 89], ['cancelled', 6], ['returned', 5]]],
];

// prettier-ignore
const ITEMS_PER_ORDER = [[1, 25], [2, 25], [3, 22], [4, 16], [5, 12]] as const;

/** Mostly single units, with an occasional bulk or office order. */
// prettier-ignore
const QUANTITIES = [[1, 50], [2, 25], [3, 10], [4, 6], [6, 4], [10, 3], [24, 2]] as const;

/** Discount percentages; multiples of 10 keep every line an exact number of cents. */
// prettier-ignore
const DISCOUNT_PCTS = [[0, 78], [10, 15], [20, 7]] as const;

// prettier-ignore
const TIERS = [['bronze', 55], ['silver', 28], ['gold', 13], ['platinum', 4]] as const;

/** Price endings in cents below the whole unit: x.90 mostly, sometimes x.50 or x.00. */
// prettier-ignore
const PRICE_ENDINGS = [[10, 6], [50, 2], [0, 2]] as const;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function isoDate(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** SQLite's own timestamp shape ("YYYY-MM-DD HH:MM:SS"), which its date functions parse natively. */
function isoDateTime(day: number, secondOfDay: number): string {
  return new Date(day * 86_400_000 + secondOfDay * 1000)
    .toISOString()
    .slice(0, 19)
    .replace('T', ' ');
}

function emailLocal(first: string, last: string): string {
  return `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '');
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Returns `base` or `base2`, `base3`, ... so generated emails stay unique. */
function uniqueName(base: string, taken: Set<string>): string {
  let candidate = base;
  for (let n = 2; taken.has(candidate); n++) candidate = `${base}${n}`;
  taken.add(candidate);
  return candidate;
}

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

type Row = Record<string, string | number | null>;

interface DemoData {
  categories: Row[];
  suppliers: Row[];
  products: Row[];
  customers: Row[];
  departments: Row[];
  employees: Row[];
  orders: Row[];
  order_items: Row[];
}

interface EmployeeInfo {
  id: number;
  hireDay: number;
  isSales: boolean;
}

function generate(): DemoData {
  const rng = new Rng(SEED);
  const data: DemoData = {
    categories: [],
    suppliers: [],
    products: [],
    customers: [],
    departments: [],
    employees: [],
    orders: [],
    order_items: [],
  };

  CATEGORIES.forEach(([name, description], i) => {
    data.categories.push({ id: i + 1, name, description });
  });

  const citiesByWeight = CITIES.map((c) => [c, COUNTRY_WEIGHT[c[1]] ?? 1] as const);

  for (let i = 0; i < DEMO_TABLE_COUNTS.suppliers; i++) {
    const [city, country, dial] = rng.pick(CITIES);
    const companyName = `${SUPPLIER_PREFIXES[i] ?? `Supplier ${i}`} ${rng.pick(SUPPLIER_SUFFIXES)}`;
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const slug = companyName.toLowerCase().split(' ')[0] ?? 'supplier';
    data.suppliers.push({
      id: i + 1,
      company_name: companyName,
      contact_name: `${first} ${last}`,
      email: `${emailLocal(first, last)}@${slug}.example`,
      phone: `+${dial} ${rng.digits(3)} ${rng.digits(3)} ${rng.digits(4)}`,
      city,
      country,
    });
  }

  // Products: adjective + category noun, spread over categories; prices are whole multiples of
  // 10 cents and discounts multiples of 10 %, so every order line is an exact number of cents.
  const productNames = new Set<string>();
  const productPriceCents: number[] = [0];
  for (let id = 1; id <= DEMO_TABLE_COUNTS.products; id++) {
    const categoryIndex = (id - 1) % CATEGORIES.length;
    const category = CATEGORIES[categoryIndex];
    const band = PRICE_BANDS[categoryIndex];
    if (category === undefined || band === undefined) throw new Error('category table mismatch');
    let name = '';
    do {
      name = `${rng.pick(PRODUCT_ADJECTIVES)} ${rng.pick(category[2])}`;
    } while (productNames.has(name));
    productNames.add(name);
    const cents = rng.int(band[0], band[1]) * 100 - rng.weighted(PRICE_ENDINGS);
    const discontinued = rng.chance(0.07);
    productPriceCents.push(cents);
    data.products.push({
      id,
      name,
      category_id: categoryIndex + 1,
      supplier_id: rng.int(1, DEMO_TABLE_COUNTS.suppliers),
      unit_price: cents / 100,
      units_in_stock: discontinued ? rng.int(0, 1) * rng.int(0, 12) : rng.int(0, 600),
      discontinued: discontinued ? 1 : 0,
    });
  }

  // Customers: sign-ups spread over the window (none in the last quarter, so everyone can order).
  const customerEmails = new Set<string>();
  const customerInfo: { createdDay: number; city: string; country: string; weight: number }[] = [];
  const signUpLastDay = dayNumber(2025, 9, 30);
  for (let id = 1; id <= DEMO_TABLE_COUNTS.customers; id++) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const [city, country, dial] = rng.weighted(citiesByWeight);
    // Early-heavy sign-ups (an established customer base) via a power of a uniform draw.
    const createdDay = START_DAY + Math.floor(rng.float() ** 1.6 * (signUpLastDay - START_DAY + 1));
    const email = `${uniqueName(emailLocal(first, last), customerEmails)}@${rng.pick(EMAIL_DOMAINS)}`;
    const tier = rng.weighted(TIERS);
    // Purchase frequency follows the tier, with a long tail, so some customers never order.
    const tierBoost = { bronze: 1, silver: 2, gold: 3.5, platinum: 6 }[tier];
    customerInfo.push({ createdDay, city, country, weight: tierBoost * rng.float() ** 1.5 });
    data.customers.push({
      id,
      first_name: first,
      last_name: last,
      email,
      phone: `+${dial} ${rng.digits(3)} ${rng.digits(3)} ${rng.digits(4)}`,
      city,
      country,
      tier,
      created_at: isoDateTime(createdDay, rng.int(0, 86_399)),
    });
  }

  // Departments and employees: heads report to the CEO, staff to a team lead or their head.
  const employeeEmails = new Set<string>();
  const nationalIds = new Set<string>();
  const employees: EmployeeInfo[] = [];
  let employeeId = 0;
  let ceoId: number | null = null;
  DEPARTMENTS.forEach((dept, deptIndex) => {
    const departmentId = deptIndex + 1;
    data.departments.push({ id: departmentId, name: dept.name, location: dept.location });
    let headId: number | null = null;
    const leadIds: number[] = [];
    for (let k = 0; k < dept.size; k++) {
      employeeId++;
      let band: TitleBand;
      let managerId: number | null;
      // Hire dates predate the order window for senior people, so the org has history.
      let hireDay: number;
      if (k === 0) {
        band = dept.head;
        managerId = ceoId;
        hireDay = rng.int(dayNumber(2014, 1, 1), dayNumber(2020, 12, 31));
      } else if (k <= dept.leads && dept.lead !== null) {
        band = dept.lead;
        managerId = headId;
        hireDay = rng.int(dayNumber(2016, 1, 1), dayNumber(2022, 12, 31));
      } else {
        band = rng.weighted(dept.staff.map((s) => [s, s.weight] as const));
        managerId = leadIds.length > 0 ? rng.pick(leadIds) : (headId ?? ceoId);
        hireDay = rng.int(dayNumber(2017, 1, 1), dayNumber(2025, 10, 31));
      }
      const first = rng.pick(FIRST_NAMES);
      const last = rng.pick(LAST_NAMES);
      let nationalId = '';
      do {
        // SSN-shaped: area 001-899 except 666, group 01-99, serial 0001-9999.
        let area = rng.int(1, 899);
        if (area === 666) area = 667;
        const group = rng.int(1, 99);
        const serial = rng.int(1, 9999);
        nationalId = `${pad(area, 3)}-${pad(group, 2)}-${pad(serial, 4)}`;
      } while (nationalIds.has(nationalId));
      nationalIds.add(nationalId);
      data.employees.push({
        id: employeeId,
        first_name: first,
        last_name: last,
        email: `${uniqueName(emailLocal(first, last), employeeEmails)}@${COMPANY_DOMAIN}`,
        department_id: departmentId,
        title: band.title,
        hire_date: isoDate(hireDay),
        manager_id: managerId,
        salary: Math.round(rng.int(band.salary[0], band.salary[1]) / 500) * 500,
        national_id: nationalId,
      });
      employees.push({
        id: employeeId,
        hireDay,
        // Only front-line sales staff are credited as the sales rep on orders.
        isSales: dept.name === 'Sales' && k > dept.leads,
      });
      if (k === 0) headId = employeeId;
      if (k > 0 && k <= dept.leads) leadIds.push(employeeId);
      if (ceoId === null) ceoId = employeeId;
    }
  });
  if (employeeId !== DEMO_TABLE_COUNTS.employees) {
    throw new Error(`employee plan adds up to ${employeeId}`);
  }
  const salesReps = employees.filter((e) => e.isSales);

  // Orders: a customer weighted by purchase frequency, a date after their sign-up, a status that
  // depends on the order's age, and 1-5 distinct products.
  // Cumulative weights make the thousands of weighted draws a binary search each.
  const cumulative: number[] = [];
  let running = 0;
  for (const c of customerInfo) cumulative.push((running += c.weight));
  const pickCustomer = (): number => {
    const r = rng.float() * running;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] ?? 0) > r) hi = mid;
      else lo = mid + 1;
    }
    return lo + 1;
  };

  // No order can predate the first sign-up, which also guarantees the redraw loop below ends.
  const firstSignUp = Math.min(...customerInfo.map((c) => c.createdDay));
  const orderRows: { customerId: number; day: number }[] = [];
  for (let i = 0; i < DEMO_TABLE_COUNTS.orders; i++) {
    // A power below 1 skews dates later, giving the business steady year-on-year growth.
    const drawn = START_DAY + Math.floor(rng.float() ** 0.8 * (END_DAY - START_DAY + 1));
    const day = Math.max(drawn, firstSignUp);
    // Redraw until the customer had signed up by then; early days still have ~100 customers.
    let customerId = pickCustomer();
    while ((customerInfo[customerId - 1]?.createdDay ?? Infinity) > day) {
      customerId = pickCustomer();
    }
    orderRows.push({ customerId, day });
  }
  // Ids follow the calendar, as they would in a real order system.
  orderRows.sort((a, b) => a.day - b.day || a.customerId - b.customerId);

  const activeProducts = data.products.filter((p) => p.discontinued === 0).map((p) => Number(p.id));
  let itemId = 0;
  orderRows.forEach(({ customerId, day }, index) => {
    const orderId = index + 1;
    const customer = customerInfo[customerId - 1];
    if (customer === undefined) throw new Error('customer out of range');
    const age = END_DAY - day;
    const statusMix = STATUS_BY_AGE.find(([maxAge]) => age <= maxAge)?.[1] ?? [];
    const status = rng.weighted(statusMix);

    // About one order in six comes through the web shop with no sales rep attached.
    const reps = salesReps.filter((e) => e.hireDay <= day);
    const employeeId = reps.length > 0 && !rng.chance(0.16) ? rng.pick(reps).id : null;

    // Most orders ship to the customer's own city; a few are gifts sent elsewhere.
    const gift = rng.chance(0.06) ? rng.pick(CITIES) : null;
    const shipCity = gift ? gift[0] : customer.city;
    const shipCountry = gift ? gift[1] : customer.country;

    const itemCount = rng.weighted(ITEMS_PER_ORDER);
    // Discontinued products still appear in older orders, just not in the last six months.
    const pool = age > 180 ? data.products.map((p) => Number(p.id)) : activeProducts;
    const chosen = new Set<number>();
    while (chosen.size < itemCount) chosen.add(rng.pick(pool));
    let totalCents = 0;
    for (const productId of [...chosen].sort((a, b) => a - b)) {
      const priceCents = productPriceCents[productId];
      if (priceCents === undefined) throw new Error('product out of range');
      const quantity = rng.weighted(QUANTITIES);
      const discountPct = rng.weighted(DISCOUNT_PCTS);
      // Integer arithmetic: price is a multiple of 10 cents and discount of 10 %, so this is exact.
      totalCents += (quantity * priceCents * (100 - discountPct)) / 100;
      itemId++;
      data.order_items.push({
        id: itemId,
        order_id: orderId,
        product_id: productId,
        quantity,
        unit_price: priceCents / 100,
        discount: discountPct / 100,
      });
    }
    data.orders.push({
      id: orderId,
      customer_id: customerId,
      employee_id: employeeId,
      order_date: isoDate(day),
      status,
      total: totalCents / 100,
      ship_city: shipCity,
      ship_country: shipCountry,
    });
  });

  return data;
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/** Parent tables first, so foreign keys can be enforced while inserting. */
export const DEMO_TABLES = [
  'categories',
  'suppliers',
  'products',
  'customers',
  'departments',
  'employees',
  'orders',
  'order_items',
] as const satisfies readonly (keyof DemoData)[];

function insertAll(db: Database.Database, table: string, rows: readonly Row[]): void {
  const first = rows[0];
  if (first === undefined) return;
  const columns = Object.keys(first);
  const stmt = db.prepare(
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
  );
  for (const row of rows) stmt.run(row);
}

/** Builds the demo database at `outPath`, replacing any existing file. */
export function buildDemoDatabase(outPath: string): void {
  const data = generate();
  fs.mkdirSync(path.dirname(path.resolve(outPath)), { recursive: true });
  for (const suffix of ['', '-journal', '-wal', '-shm']) {
    fs.rmSync(outPath + suffix, { force: true });
  }

  // No key is ever set, so this is a plain SQLite file any tool can open.
  const db = new Database(outPath);
  try {
    db.pragma('journal_mode = DELETE');
    db.pragma('foreign_keys = ON');
    db.pragma(`user_version = ${DEMO_DB_VERSION}`);
    db.exec(SCHEMA);
    db.transaction(() => {
      for (const table of DEMO_TABLES) insertAll(db, table, data[table]);
    })();
    const violations = db.pragma('foreign_key_check') as unknown[];
    if (violations.length > 0) {
      throw new Error(`demo data violates foreign keys: ${violations.length}`);
    }
    db.exec('ANALYZE');
    // sqlite_stat4 keeps sample rows of every index — national ids and emails among them —
    // so only the per-index row estimates of sqlite_stat1 are shipped.
    db.exec('DROP TABLE IF EXISTS sqlite_stat4');
    db.exec('VACUUM');
  } finally {
    db.close();
  }
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(fs.realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  const scriptDir = path.dirname(fileURLToPath(import.meta.url));
  const outPath = process.argv[2] ?? path.join(scriptDir, '..', 'resources', 'demo.db');
  buildDemoDatabase(outPath);
  const size = fs.statSync(outPath).size;
  console.log(`wrote ${path.relative(process.cwd(), outPath) || outPath} (${size} bytes)`);
}
