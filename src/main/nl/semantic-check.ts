/**
 * Checks a semantic layer against the connection's schema before it is stored: every table,
 * column and relationship it names must exist, and every metric and example must be one
 * read-only statement the guard accepts. Each problem is reported with its path.
 */
import type { SemanticLayer } from '../../shared/contract/nl';
import { isAirlockError } from '../../shared/errors';
import type { Dialect } from '../guard/dialect';
import { guardSql } from '../guard/guard';
import type { SchemaIndex } from '../guard/schema-index';
import { metricSql } from './access';
import { splitColumnRef } from './semantic-filter';
import type { Issue } from './semantic-yaml';

export async function checkLayer(
  layer: SemanticLayer,
  index: SchemaIndex,
  dialect: Dialect,
): Promise<Issue[]> {
  const issues: Issue[] = [];
  const table = (name: string) => index.tables.get(name.toLowerCase());
  layer.tables.forEach((t, i) => {
    const meta = table(t.name);
    if (!meta)
      return issues.push({
        path: `tables.${i}.name`,
        message: `the connection has no table '${t.name}'`,
      });
    t.columns?.forEach((c, j) => {
      if (!meta.byFolded.has(c.name.toLowerCase()))
        issues.push({
          path: `tables.${i}.columns.${j}.name`,
          message: `table '${meta.name}' has no column '${c.name}'`,
        });
    });
  });
  layer.relationships.forEach((r, i) => {
    for (const end of ['from', 'to'] as const) {
      const { table: tn, column } = splitColumnRef(r[end]);
      const meta = table(tn);
      if (!meta)
        issues.push({
          path: `relationships.${i}.${end}`,
          message: `the connection has no table '${tn}'`,
        });
      else if (!meta.byFolded.has(column.toLowerCase()))
        issues.push({
          path: `relationships.${i}.${end}`,
          message: `table '${meta.name}' has no column '${column}'`,
        });
    }
  });
  const readOnly = async (sql: string, path: string) => {
    try {
      const g = await guardSql(sql, dialect, index);
      if (g.analysis.action !== 'read')
        issues.push({ path, message: 'must be a read-only statement (SELECT)' });
    } catch (e) {
      if (!isAirlockError(e)) throw e;
      issues.push({ path, message: e.message });
    }
  };
  // One at a time, so that issues are listed in the layer's order.
  for (const [i, m] of layer.metrics.entries()) await readOnly(metricSql(m), `metrics.${i}`);
  for (const [i, e] of layer.examples.entries()) await readOnly(e.sql, `examples.${i}.sql`);
  const names = new Set<string>();
  layer.metrics.forEach((m, i) => {
    if (names.has(m.name.toLowerCase()))
      issues.push({ path: `metrics.${i}.name`, message: `metric '${m.name}' is defined twice` });
    names.add(m.name.toLowerCase());
  });
  return issues;
}
