/**
 * The semantic layer through the admin API and the UI operations: stored per connection,
 * checked against the schema with every problem named, imported and exported as YAML,
 * verified examples added, and used in prompts (descriptions, relationships the database does
 * not declare, the most similar examples).
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { analystAsker } from '../../src/main/nl/access';
import { nlOps } from '../../src/main/nl/nl-ops';
import { sqlAnswer } from '../doubles/ollama-double';
import { startNlTestbed, userMessage, type NlTestbed } from '../helpers/nl';

let bed: NlTestbed;

beforeAll(async () => {
  bed = await startNlTestbed();
});
afterAll(() => bed.close());
beforeEach(() => bed.ollama.reset());

const GOOD = {
  tables: [
    {
      name: 'customers',
      description: 'people and companies who buy from us',
      synonyms: ['clients'],
      columns: [
        {
          name: 'tier',
          description: 'loyalty level',
          values: ['bronze', 'silver', 'gold', 'platinum'],
        },
      ],
    },
  ],
  metrics: [{ name: 'revenue', sql: 'SUM(total)', from: 'orders', filter: "status = 'delivered'" }],
  examples: [
    {
      question: 'How many gold customers are there?',
      sql: "SELECT count(*) FROM customers WHERE tier = 'gold'",
    },
  ],
};

describe('semantic layer admin API', () => {
  it('starts empty, stores a valid layer with a revision, and audits the change', async () => {
    const empty = await bed.t.admin('GET', '/v1/admin/connections/demo/semantic');
    expect(empty.json()).toEqual({
      layer: { version: 1, tables: [], relationships: [], metrics: [], examples: [] },
      revision: 0,
    });
    const put = await bed.t.admin('PUT', '/v1/admin/connections/demo/semantic', GOOD);
    expect(put.statusCode).toBe(200);
    expect(put.json().revision).toBe(1);
    expect(
      (await bed.t.admin('GET', '/v1/admin/connections/demo/semantic')).json().layer.tables[0]
        .synonyms,
    ).toEqual(['clients']);
    expect(bed.t.core.audit.list({ limit: 1, offset: 0 }).entries[0]).toMatchObject({
      actor: 'admin',
      action: 'semantic.replace',
      connection: 'demo',
    });
  });

  it('names every reference that does not exist and every statement the guard refuses', async () => {
    const r = await bed.t.admin('PUT', '/v1/admin/connections/demo/semantic', {
      tables: [{ name: 'custmers' }, { name: 'orders', columns: [{ name: 'stat' }] }],
      relationships: [{ from: 'orders.customer', to: 'customers.id' }],
      metrics: [{ name: 'bad', sql: 'SUM(nothing)', from: 'orders' }],
      examples: [{ question: 'Delete it all', sql: 'DELETE FROM orders' }],
    });
    expect(r.statusCode).toBe(400);
    const paths = r.json().error.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual([
      'tables.0.name',
      'tables.1.columns.0.name',
      'relationships.0.from',
      'metrics.0',
      'examples.0.sql',
    ]);
    expect(r.json().error.message).toMatch(/no table 'custmers'/);
    const shape = await bed.t.admin('PUT', '/v1/admin/connections/demo/semantic', {
      tables: 'all of them',
    });
    expect(shape.statusCode).toBe(400);
    expect(shape.json().error.code).toBe('VALIDATION_FAILED');
    expect((await bed.t.admin('GET', '/v1/admin/connections/nowhere/semantic')).statusCode).toBe(
      404,
    );
  });

  it('exports YAML that imports back to the same layer; bad YAML names the line', async () => {
    await bed.t.admin('PUT', '/v1/admin/connections/demo/semantic', GOOD);
    const { yaml } = (
      await bed.t.admin('GET', '/v1/admin/connections/demo/semantic/export')
    ).json();
    expect(yaml).toMatch(/^# Airlock semantic layer/);
    expect(yaml).toMatch(/- name: customers\n\s+description: people and companies who buy from us/);
    const before = (await bed.t.admin('GET', '/v1/admin/connections/demo/semantic')).json();
    const back = await bed.t.admin('POST', '/v1/admin/connections/demo/semantic/import', { yaml });
    expect(back.statusCode).toBe(200);
    expect(back.json().layer).toEqual(before.layer);
    expect(back.json().revision).toBe(before.revision + 1);

    const syntax = await bed.t.admin('POST', '/v1/admin/connections/demo/semantic/import', {
      yaml: 'tables:\n  - name: orders\n   description: [oops',
    });
    expect(syntax.statusCode).toBe(400);
    expect(syntax.json().error.message).toMatch(/YAML file is not valid: line \d+/);
    const shape = await bed.t.admin('POST', '/v1/admin/connections/demo/semantic/import', {
      yaml: 'tables:\n  - name: orders\n    colour: blue\n',
    });
    expect(shape.statusCode).toBe(400);
    expect(shape.json().error.issues[0].path).toBe('tables.0');
  });

  it('adds verified examples; the same question replaces the old one', async () => {
    await bed.t.admin('PUT', '/v1/admin/connections/demo/semantic', GOOD);
    const add = (sql: string) =>
      bed.t.admin('POST', '/v1/admin/connections/demo/semantic/examples', {
        question: 'Orders per status?',
        sql,
      });
    expect((await add('SELECT status, count(*) FROM orders GROUP BY status')).statusCode).toBe(200);
    const again = await add('SELECT status, count(*) AS n FROM orders GROUP BY status');
    const examples = again.json().layer.examples;
    expect(examples).toHaveLength(2);
    expect(examples[1]).toMatchObject({
      question: 'Orders per status?',
      sql: 'SELECT status, count(*) AS n FROM orders GROUP BY status',
      addedBy: 'admin',
    });
    expect((await add('DROP TABLE orders')).statusCode).toBe(400);
  });
});

describe('the layer in prompts', () => {
  it('descriptions, synonyms, metrics and the most similar verified example reach the model', async () => {
    await bed.t.admin('PUT', '/v1/admin/connections/demo/semantic', {
      ...GOOD,
      examples: [
        {
          question: 'How many gold customers are there?',
          sql: "SELECT count(*) FROM customers WHERE tier = 'gold'",
        },
        {
          question: 'Which supplier is in Japan?',
          sql: "SELECT company_name FROM suppliers WHERE country = 'Japan'",
        },
        {
          question: 'Average salary per department',
          sql: 'SELECT department_id, avg(salary) FROM employees GROUP BY department_id',
        },
        {
          question: 'Number of platinum customers',
          sql: "SELECT count(*) FROM customers WHERE tier = 'platinum'",
        },
      ],
    });
    bed.ollama.reply(sqlAnswer("SELECT count(*) FROM customers WHERE tier = 'silver'"));
    await bed.t.core.nl.asks.ask(analystAsker('demo'), {
      connection: 'demo',
      question: 'How many silver clients are there?',
    });
    const msg = userMessage(bed.ollama.chats.at(-1)!);
    expect(msg).toMatch(
      /-- people and companies who buy from us; also called: clients\nCREATE TABLE customers/,
    );
    expect(msg).toMatch(
      /tier TEXT,? -- loyalty level; values: 'bronze', 'silver', 'gold', 'platinum'/,
    );
    expect(msg).toMatch(/revenue: SELECT SUM\(total\) FROM orders WHERE status = 'delivered'/);
    const examples = msg.slice(msg.indexOf('Verified examples:'));
    expect(examples).toMatch(/Q: How many gold customers are there\?/);
    expect(examples).not.toMatch(/supplier is in Japan/);
  });

  it('a relationship the database does not declare shows as a reference', async () => {
    const path = join(bed.t.dataDir, 'nofk.db');
    const db = new Database(path);
    db.exec(`CREATE TABLE people (pid INTEGER PRIMARY KEY, name TEXT);
             CREATE TABLE visits (vid INTEGER PRIMARY KEY, person_ref INTEGER, city TEXT);
             INSERT INTO people VALUES (1, 'Ada'); INSERT INTO visits VALUES (1, 1, 'Oslo');`);
    db.close();
    expect(
      (await bed.t.admin('POST', '/v1/admin/connections', { name: 'nofk', kind: 'sqlite', path }))
        .statusCode,
    ).toBe(201);
    const put = await bed.t.admin('PUT', '/v1/admin/connections/nofk/semantic', {
      relationships: [{ from: 'visits.person_ref', to: 'people.pid', description: 'who visited' }],
    });
    expect(put.statusCode).toBe(200);
    bed.ollama.reply(
      sqlAnswer('SELECT p.name, v.city FROM visits v JOIN people p ON p.pid = v.person_ref'),
    );
    const answer = await bed.t.core.nl.asks.ask(analystAsker('nofk'), {
      connection: 'nofk',
      question: 'Which cities did each person visit?',
    });
    expect(answer.rows).toEqual([['Ada', 'Oslo']]);
    expect(userMessage(bed.ollama.chats.at(-1)!)).toMatch(
      /person_ref INTEGER REFERENCES people\(pid\)/,
    );
  });
});

describe('UI operations', () => {
  it('ask answers ok:true, or ok:false with the code, audit id and guidance', async () => {
    const ops = nlOps(bed.t.core);
    bed.ollama.reply(sqlAnswer('SELECT count(*) FROM departments'));
    const ok = await ops.ask({ connection: 'demo', question: 'How many departments?' });
    expect(ok).toMatchObject({ ok: true, rows: [[8]], attempts: 1 });
    const settings = bed.t.core.settings.get();
    bed.t.core.settings.put({ ...settings, ollama: { ...settings.ollama, model: 'absent:1b' } });
    try {
      const failed = await ops.ask({ connection: 'demo', question: 'How many departments?' });
      expect(failed).toMatchObject({
        ok: false,
        code: 'OLLAMA_MODEL_MISSING',
        auditId: expect.any(Number),
        guidance: expect.any(Array),
      });
    } finally {
      bed.t.core.settings.put(settings);
    }
    expect((await ops.ollamaStatus({})).modelPresent).toBe(true);
  });

  it('ask "as agent X" uses X\'s read grants and names the analyst in the audit', async () => {
    const { id } = await bed.t.createAgent('limited', [
      { connection: 'demo', table: 'orders', actions: ['read', 'write'] },
    ]);
    const ops = nlOps(bed.t.core);
    const before = bed.lastAuditId();
    bed.ollama.reply(sqlAnswer('SELECT count(*) FROM customers'));
    const denied = await ops.ask({
      connection: 'demo',
      question: 'How many customers?',
      asAgent: 'limited',
    });
    expect(denied).toMatchObject({ ok: false, code: 'PERMISSION_DENIED' });
    const entries = bed.auditSince(before);
    expect(entries.every((e) => e.actor === 'user:analyst as agent:limited')).toBe(true);
    expect(entries.find((e) => e.action === 'ask')!.details).toMatchObject({ asAgentId: id });
    expect(await ops.ask({ connection: 'demo', question: 'x', asAgent: 'nobody' })).toMatchObject({
      ok: false,
      code: 'NOT_FOUND',
      message: "no agent 'nobody'",
    });
  });

  it('edits the layer: put, import, export, add example', async () => {
    const ops = nlOps(bed.t.core);
    const put = await ops.putSemanticLayer({
      connection: 'demo',
      layer: {
        version: 1,
        tables: [{ name: 'orders', description: 'sales' }],
        relationships: [],
        metrics: [],
        examples: [],
      },
    });
    const { yaml } = await ops.exportSemanticLayer({ connection: 'demo' });
    expect((await ops.importSemanticLayer({ connection: 'demo', yaml })).layer).toEqual(put.layer);
    const added = await ops.addVerifiedExample({
      connection: 'demo',
      question: 'Orders in 2024?',
      sql: "SELECT count(*) FROM orders WHERE order_date LIKE '2024%'",
    });
    expect(added.layer.examples).toEqual([
      expect.objectContaining({ question: 'Orders in 2024?', addedBy: 'user:analyst' }),
    ]);
    expect((await ops.getSemanticLayer({ connection: 'demo' })).revision).toBe(added.revision);
  });
});
