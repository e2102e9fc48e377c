/**
 * A generated 1,000-table schema with generated questions and their gold tables, for the
 * schema-linking benchmark and test. The same 25 business entities repeat across 40 business
 * units (`emea_invoice`, `retail_invoice`, …), so a question must be linked by its words, not
 * by luck: many tables share every column name.
 */
import type { SemanticLayer } from '../../src/shared/contract/nl';
import type { ConnectorTable } from '../../src/main/connectors/types';

interface Entity {
  attrs: [string, string][];
  refs?: string[];
  synonyms?: string[];
  /** Categorical attribute and its values. */
  values?: [string, string[]];
}

// prettier-ignore
const ENTITIES: Record<string, Entity> = {
  customer: { attrs: [['first_name', 'text'], ['last_name', 'text'], ['email', 'text'], ['city', 'text'], ['country', 'text'], ['signup_date', 'date'], ['credit_limit', 'numeric']], synonyms: ['client', 'buyer'], values: ['segment', ['consumer', 'corporate', 'public_sector']] },
  order: { attrs: [['order_date', 'date'], ['total_amount', 'numeric'], ['currency', 'text'], ['channel', 'text']], refs: ['customer', 'employee'], synonyms: ['purchase'], values: ['status', ['pending', 'paid', 'shipped', 'cancelled']] },
  order_line: { attrs: [['quantity', 'integer'], ['unit_price', 'numeric'], ['discount', 'numeric']], refs: ['order', 'product'], synonyms: ['order item'] },
  product: { attrs: [['product_name', 'text'], ['sku', 'text'], ['list_price', 'numeric'], ['weight_kg', 'numeric'], ['color', 'text']], refs: ['category', 'supplier'], synonyms: ['article', 'merchandise'] },
  category: { attrs: [['category_name', 'text'], ['description', 'text']], synonyms: ['product group'] },
  supplier: { attrs: [['company_name', 'text'], ['contact_email', 'text'], ['country', 'text'], ['rating', 'integer']], synonyms: ['vendor'] },
  employee: { attrs: [['first_name', 'text'], ['last_name', 'text'], ['hire_date', 'date'], ['job_title', 'text'], ['salary', 'numeric']], refs: ['department'], synonyms: ['staff', 'worker'] },
  department: { attrs: [['department_name', 'text'], ['budget', 'numeric'], ['floor', 'integer']], synonyms: ['division'] },
  invoice: { attrs: [['invoice_date', 'date'], ['due_date', 'date'], ['amount', 'numeric'], ['tax_amount', 'numeric']], refs: ['customer', 'order'], synonyms: ['bill'], values: ['state', ['draft', 'sent', 'overdue', 'settled']] },
  payment: { attrs: [['payment_date', 'date'], ['amount', 'numeric'], ['reference', 'text']], refs: ['invoice'], synonyms: ['remittance'], values: ['method', ['card', 'transfer', 'cash']] },
  shipment: { attrs: [['ship_date', 'date'], ['carrier', 'text'], ['tracking_number', 'text'], ['delivery_date', 'date']], refs: ['order', 'warehouse'], synonyms: ['delivery', 'consignment'] },
  warehouse: { attrs: [['warehouse_name', 'text'], ['city', 'text'], ['capacity', 'integer']], synonyms: ['depot'] },
  ticket: { attrs: [['opened_at', 'timestamp'], ['subject', 'text'], ['resolved_at', 'timestamp']], refs: ['customer', 'employee'], synonyms: ['support case', 'incident'], values: ['priority', ['low', 'medium', 'high', 'urgent']] },
  campaign: { attrs: [['campaign_name', 'text'], ['start_date', 'date'], ['end_date', 'date'], ['spend', 'numeric']], synonyms: ['promotion'] },
  lead: { attrs: [['source', 'text'], ['lead_score', 'integer'], ['created_at', 'timestamp']], refs: ['campaign', 'employee'], synonyms: ['prospect'] },
  contract: { attrs: [['start_date', 'date'], ['end_date', 'date'], ['contract_value', 'numeric'], ['renewal_type', 'text']], refs: ['customer', 'supplier'], synonyms: ['agreement'] },
  asset: { attrs: [['serial_number', 'text'], ['purchase_date', 'date'], ['cost', 'numeric'], ['condition', 'text']], refs: ['employee', 'site'], synonyms: ['equipment'] },
  site: { attrs: [['address', 'text'], ['city', 'text'], ['postal_code', 'text']], synonyms: ['location', 'premises'] },
  project: { attrs: [['project_name', 'text'], ['start_date', 'date'], ['deadline', 'date'], ['budget', 'numeric']], refs: ['department'], synonyms: ['initiative'] },
  timesheet: { attrs: [['work_date', 'date'], ['hours', 'numeric'], ['billable', 'boolean']], refs: ['employee', 'project'], synonyms: ['time entry'] },
  vehicle: { attrs: [['plate_number', 'text'], ['model_year', 'integer'], ['mileage', 'integer'], ['fuel_type', 'text']], refs: ['site'], synonyms: ['car', 'truck'] },
  trip: { attrs: [['departure_time', 'timestamp'], ['arrival_time', 'timestamp'], ['distance_km', 'numeric']], refs: ['vehicle', 'employee'], synonyms: ['journey'] },
  course: { attrs: [['course_title', 'text'], ['duration_hours', 'integer'], ['level', 'text']], synonyms: ['training'] },
  enrollment: { attrs: [['enrolled_on', 'date'], ['completed', 'boolean'], ['grade', 'text']], refs: ['course', 'employee'], synonyms: ['registration'] },
  review: { attrs: [['stars', 'integer'], ['comment', 'text'], ['reviewed_at', 'timestamp']], refs: ['product', 'customer'], synonyms: ['rating', 'feedback'] },
};

// prettier-ignore
const UNITS = ['emea', 'apac', 'latam', 'nordic', 'iberia', 'benelux', 'dach', 'baltic', 'retail', 'wholesale',
  'online', 'franchise', 'outlet', 'export', 'partner', 'legacy', 'pilot', 'marine', 'aviation', 'rail',
  'pharma', 'energy', 'mining', 'textile', 'dairy', 'bakery', 'brewery', 'winery', 'bookstore', 'pharmacy',
  'garden', 'furniture', 'toys', 'sports', 'music', 'cinema', 'hotel', 'hostel', 'clinic', 'campus'];

export interface GeneratedQuestion {
  question: string;
  gold: string[];
  kind: 'single' | 'value' | 'join' | 'two-hop' | 'synonym' | 'attribute' | 'typo';
}

/** mulberry32: a small seeded generator, the same sequence for the same seed everywhere. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return { next, pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]! };
}

const human = (s: string) => s.replace(/_/g, ' ');
const plural = (s: string) =>
  s.endsWith('ses')
    ? s
    : s.endsWith('y')
      ? `${s.slice(0, -1)}ies`
      : s.endsWith('s') || s.endsWith('ch')
        ? `${s}es`
        : `${s}s`;

export function generateSchema(): { tables: ConnectorTable[]; layer: SemanticLayer } {
  const tables: ConnectorTable[] = [];
  const layer: SemanticLayer = {
    version: 1,
    tables: [],
    relationships: [],
    metrics: [],
    examples: [],
  };
  for (const unit of UNITS) {
    for (const [name, e] of Object.entries(ENTITIES)) {
      const t = `${unit}_${name}`;
      const cols = [
        { name: 'id', type: 'integer' },
        ...(e.refs ?? []).map((r) => ({ name: `${r}_id`, type: 'integer' })),
        ...e.attrs.map(([n, ty]) => ({ name: n, type: ty })),
      ];
      if (e.values) cols.push({ name: e.values[0], type: 'text' });
      tables.push({
        name: t,
        columns: cols,
        primaryKey: ['id'],
        foreignKeys: (e.refs ?? []).map((r) => ({
          columns: [`${r}_id`],
          table: `${unit}_${r}`,
          refColumns: ['id'],
        })),
      });
      layer.tables.push({
        name: t,
        description: `${human(name)} records of the ${unit} business unit`,
        ...(e.synonyms ? { synonyms: e.synonyms } : {}),
        ...(e.values ? { columns: [{ name: e.values[0], values: e.values[1] }] } : {}),
      });
    }
  }
  return { tables, layer };
}

/** Attributes that belong to this entity alone. */
function uniqueAttrs(entity: string): string[] {
  const others = new Set(
    Object.entries(ENTITIES)
      .filter(([k]) => k !== entity)
      .flatMap(([, e]) => e.attrs.map(([a]) => a)),
  );
  return ENTITIES[entity]!.attrs.map(([a]) => a).filter(
    (a) => !others.has(a) && !/name|date|title/.test(a),
  );
}

export function generateQuestions(count: number, seed = 7): GeneratedQuestion[] {
  const r = rng(seed);
  const names = Object.keys(ENTITIES);
  const withRefs = names.filter((n) => ENTITIES[n]!.refs?.length);
  const out: GeneratedQuestion[] = [];
  while (out.length < count) {
    const unit = r.pick(UNITS);
    const kind = r.pick([
      'single',
      'value',
      'join',
      'two-hop',
      'synonym',
      'attribute',
      'typo',
    ] as const);
    if (kind === 'single') {
      const n = r.pick(names);
      const [attr] = r.pick(ENTITIES[n]!.attrs);
      out.push({
        kind,
        gold: [`${unit}_${n}`],
        question: r.pick([
          `What is the average ${human(attr)} of ${unit} ${human(plural(n))}?`,
          `List the ${human(attr)} of every ${human(n)} in ${unit}.`,
          `Which ${unit} ${human(n)} has the highest ${human(attr)}?`,
        ]),
      });
    } else if (kind === 'value') {
      const n = r.pick(names.filter((x) => ENTITIES[x]!.values));
      const [, vals] = ENTITIES[n]!.values!;
      out.push({
        kind,
        gold: [`${unit}_${n}`],
        question: `How many ${unit} ${human(plural(n))} are ${human(r.pick(vals))}?`,
      });
    } else if (kind === 'join') {
      const n = r.pick(withRefs);
      const p = r.pick(ENTITIES[n]!.refs!);
      const [attr] = r.pick(ENTITIES[n]!.attrs);
      const [pattr] = r.pick(ENTITIES[p]!.attrs);
      out.push({
        kind,
        gold: [`${unit}_${n}`, `${unit}_${p}`],
        question: `Total ${human(attr)} of ${unit} ${human(plural(n))} by ${human(p)} ${human(pattr)}`,
      });
    } else if (kind === 'two-hop') {
      const n = r.pick(
        withRefs.filter((x) => ENTITIES[x]!.refs!.some((m) => ENTITIES[m]?.refs?.length)),
      );
      const mid = r.pick(ENTITIES[n]!.refs!.filter((m) => ENTITIES[m]?.refs?.length));
      const gp = r.pick(ENTITIES[mid]!.refs!);
      const [attr] = r.pick(ENTITIES[n]!.attrs);
      const [gattr] = r.pick(ENTITIES[gp]!.attrs);
      out.push({
        kind,
        gold: [`${unit}_${n}`, `${unit}_${mid}`, `${unit}_${gp}`],
        question: `For ${unit}, sum the ${human(attr)} of ${human(plural(n))} per ${human(gp)} ${human(gattr)}.`,
      });
    } else if (kind === 'attribute') {
      // The entity is not named: only an attribute no other entity has.
      const n = r.pick(names.filter((x) => uniqueAttrs(x).length));
      out.push({
        kind,
        gold: [`${unit}_${n}`],
        question: `In ${unit}, what is the largest ${human(r.pick(uniqueAttrs(n)))}?`,
      });
    } else if (kind === 'typo') {
      const n = r.pick(names.filter((x) => x.length >= 7 && !x.includes('_')));
      const i = 2 + Math.floor(r.next() * (n.length - 3));
      out.push({
        kind,
        gold: [`${unit}_${n}`],
        question: `How many ${n.slice(0, i)}${n.slice(i + 1)}s are there in ${unit}?`,
      });
    } else {
      const n = r.pick(names);
      const syn = r.pick(ENTITIES[n]!.synonyms ?? [human(n)]);
      out.push({
        kind,
        gold: [`${unit}_${n}`],
        question: `How many ${plural(syn)} does ${unit} have?`,
      });
    }
  }
  return out;
}
