/**
 * Connection changes that race (issue: "Races on the connection admin routes", "Stop that never
 * ends"): two renames or two creates at once answer 200/201 and 404/409, never 500; a request
 * that needs the connector while it is being replaced gets a working one; every connector the
 * registry made is closed by the time it is closed, so a stop does not hang on a stray runner.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connections } from '../../src/main/connections/connections';
import type { ConnectorConfig } from '../../src/main/connectors/registry';
import type { Connector } from '../../src/main/connectors/types';
import { demoDatabasePath } from '../../src/main/core';
import type { ConnectionKind } from '../../src/shared/domain';
import { startTestAirlock, type TestAirlock } from '../helpers/harness';

let t: TestAirlock;
let n = 0;
const demoCopy = () => {
  const path = join(t.dataDir, `race-${++n}.db`);
  copyFileSync(demoDatabasePath(), path);
  return path;
};

beforeAll(async () => {
  t = await startTestAirlock();
});
afterAll(async () => t?.close());

describe('the admin routes under concurrent changes', () => {
  it('two creates with one name: one 201, one 409, no 500', async () => {
    const [a, b] = await Promise.all(
      [demoCopy(), demoCopy()].map((path) =>
        t.admin('POST', '/v1/admin/connections', { name: 'twin', kind: 'sqlite', path }),
      ),
    );
    expect([a!.statusCode, b!.statusCode].sort()).toEqual([201, 409]);
    const conflict = [a!, b!].find((r) => r.statusCode === 409)!;
    expect(conflict.json().error.code).toBe('CONFLICT');
    expect(conflict.body).not.toMatch(/UNIQUE|constraint/i);
  });

  it('two renames of one connection at once: one 200, the other 404, no 500', async () => {
    const path = demoCopy();
    expect(
      (await t.admin('POST', '/v1/admin/connections', { name: 'before', kind: 'sqlite', path }))
        .statusCode,
    ).toBe(201);
    const [a, b] = await Promise.all(
      ['after-a', 'after-b'].map((name) =>
        t.admin('PUT', '/v1/admin/connections/before', { name, kind: 'sqlite', path }),
      ),
    );
    expect([a!.statusCode, b!.statusCode].sort()).toEqual([200, 404]);
    const names = (await t.admin('GET', '/v1/admin/connections'))
      .json()
      .connections.map((c: { name: string }) => c.name);
    expect(names.filter((x: string) => x.startsWith('after-'))).toHaveLength(1);
    expect(names).not.toContain('before');
  });

  it('a rename and a remove at once leave one consistent outcome', async () => {
    const path = demoCopy();
    expect(
      (await t.admin('POST', '/v1/admin/connections', { name: 'moving', kind: 'sqlite', path }))
        .statusCode,
    ).toBe(201);
    const [put, del] = await Promise.all([
      t.admin('PUT', '/v1/admin/connections/moving', { name: 'moved', kind: 'sqlite', path }),
      t.admin('DELETE', '/v1/admin/connections/moving'),
    ]);
    // Whichever ran first won; the other found no connection named 'moving'.
    expect([put.statusCode, del.statusCode].sort()).toEqual([200, 404]);
    expect(t.core.connections.get('moving')).toBeNull();
    expect(t.core.connections.get('moved') !== null).toBe(put.statusCode === 200);
  });
});

/** A registry that remembers every connector it made, to check each is closed. */
class Tracking extends Connections {
  made: { connector: Connector; closed: boolean }[] = [];
  protected override connectorFor(kind: ConnectionKind, config: ConnectorConfig): Connector {
    const connector = super.connectorFor(kind, config);
    const entry = { connector, closed: false };
    const close = connector.close.bind(connector);
    connector.close = async () => {
      entry.closed = true;
      await close();
    };
    this.made.push(entry);
    return connector;
  }
}

describe('the registry', () => {
  it('a connector asked for while the connection is being replaced is the new one, and every connector made is closed at the end', async () => {
    const reg = new Tracking(
      t.core.db,
      (t.core.connections as unknown as { secrets: never }).secrets,
      t.core.clock,
    );
    const path = demoCopy();
    await reg.create({ name: 'swap', kind: 'sqlite', path }, t.dataDir);
    const first = reg.connector('swap');
    // Ask for the connector on every turn while the update runs, as agents' requests would.
    let done = false;
    const seen = new Set<Connector>();
    const asking = (async () => {
      while (!done) {
        seen.add(reg.connector('swap'));
        await new Promise((r) => setImmediate(r));
      }
    })();
    await reg.update('swap', { name: 'swap', kind: 'sqlite', path: demoCopy() }, t.dataDir);
    done = true;
    await asking;
    const current = reg.connector('swap');
    expect(current).not.toBe(first);
    expect((await current.introspect()).map((x) => x.name)).toContain('products');
    await reg.close();
    expect(reg.made.length).toBeGreaterThanOrEqual(2);
    expect(reg.made.filter((m) => !m.closed)).toEqual([]);
    expect(() => reg.connector('swap')).toThrow(/stopping/);
    await expect(reg.create({ name: 'late', kind: 'sqlite', path }, t.dataDir)).rejects.toThrow(
      /stopping/,
    );
  });
});
