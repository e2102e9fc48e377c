/**
 * The layers inside the core (src/main), as two ESLint rules (docs/architecture.md "Layers"):
 *
 *  - `airlock/main-layers`: a folder imports only its own layer and the layers below it;
 *  - `airlock/no-cycles`: no import cycle, between two files or between two folders.
 *
 * A "unit" is a folder directly under src/main (`guard`, `api`, …) or a file there
 * (`core.ts` is the unit `core`). Every unit sits in exactly one layer; a unit in no layer is
 * itself reported, so a new folder is placed on purpose. test/unit/layer-rules.test.ts proves
 * each rule fires.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Top to bottom: a unit may import units of its own layer and of any layer below it. */
export const MAIN_LAYERS = [
  { name: 'shell', units: ['index', 'app', 'cli'] },
  { name: 'transports', units: ['api', 'electron', 'mcp'] },
  { name: 'operations', units: ['ui', 'admin', 'agent-ops'] },
  // The services wired together once (createCore); operations receive them as `Core`.
  { name: 'core', units: ['core'] },
  {
    name: 'services',
    units: ['query', 'nl', 'connections', 'settings', 'alerts', 'ops'],
  },
  {
    name: 'guard, policy, audit and connectors',
    units: [
      'guard',
      'policy',
      'audit',
      'connectors',
      'approvals',
      'identity',
      'ratelimit',
      'admin-token',
    ],
  },
  { name: 'store', units: ['store', 'ports', 'net', 'version', 'worker-entry'] },
];

const rankOf = new Map(MAIN_LAYERS.flatMap((layer, rank) => layer.units.map((u) => [u, rank])));
const ORDER = MAIN_LAYERS.map((l) => l.name).join(' › ');
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.js'];

const toPosix = (p) => p.split(path.sep).join('/');

/** The src/main folder of the repository `filename` sits in, or null outside src/main. */
function mainRootOf(filename) {
  const posix = toPosix(path.resolve(filename));
  const at = posix.lastIndexOf('/src/main/');
  return at < 0 ? null : posix.slice(0, at + '/src/main'.length);
}

const unitCache = new Map();

/** `guard` for src/main/guard/x.ts, `core` for src/main/core.ts. */
function unitOf(root, file) {
  let unit = unitCache.get(file);
  if (unit === undefined) {
    const [first, ...rest] = toPosix(path.relative(root, file)).split('/');
    unit = rest.length ? first : first.replace(/\.[cm]?[jt]sx?$/, '');
    unitCache.set(file, unit);
  }
  return unit;
}

const describeUnit = (unit) =>
  rankOf.has(unit) ? `${unit} (${MAIN_LAYERS[rankOf.get(unit)].name})` : unit;

function isFile(candidate) {
  try {
    return fs.statSync(candidate).isFile();
  } catch {
    return false;
  }
}

/** The file a relative specifier names, or null (packages, or a file that is not there). */
function resolve(fromFile, specifier, exists = isFile) {
  if (!specifier.startsWith('.')) return null;
  const base = path.resolve(path.dirname(fromFile), specifier);
  const stem = base.replace(/\.[cm]?js$/, '');
  const candidates = [
    base,
    ...EXTENSIONS.map((e) => stem + e),
    ...EXTENSIONS.map((e) => path.join(base, `index${e}`)),
  ];
  return candidates.find(exists) ?? null;
}

/** Per file on disk: its size and mtime when read, and the files under src/main it imports. */
const fileCache = new Map();

function importsOnDisk(root, file, known) {
  const stat = fs.statSync(file);
  const hit = fileCache.get(file);
  if (hit && hit.mtimeMs === stat.mtimeMs && hit.size === stat.size) {
    return hit.targets.filter((t) => known.has(t));
  }
  const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
  const targets = info.importedFiles
    .map((i) => resolve(file, i.fileName, (c) => known.has(c)))
    .filter((t) => t !== null && t.startsWith(`${root}/`));
  fileCache.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, targets });
  return targets;
}

function sourceFiles(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) sourceFiles(p, out);
    else if (/\.(ts|tsx|mts)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/**
 * The import graph of src/main as it is on disk, read again at most every ten seconds: one
 * lint run reads it a few times, not once per file (a re-read costs as much as linting a few
 * files), and an editor sees another file's change within ten seconds. The linted file's own
 * imports are always read from its text.
 */
let snapshot = { root: null, at: 0, graph: new Map(), units: null };

function diskGraph(root) {
  if (snapshot.root !== root || Date.now() - snapshot.at > 10_000) {
    const graph = new Map();
    const known = new Set(sourceFiles(root));
    for (const f of known) graph.set(f, importsOnDisk(root, f, known));
    snapshot = { root, at: Date.now(), graph, units: null };
  }
  return snapshot.graph;
}

/**
 * Which unit imports which, with one file-level import that shows
 * each edge. The disk graph's is computed once per snapshot; a file linted with edges other
 * than its disk ones (unsaved text, a test) gets its own.
 */
function unitsOf(root, graph, file) {
  const onDisk = snapshot.graph.get(file);
  const linted = graph.get(file);
  const same = onDisk && onDisk.length === linted.length && onDisk.every((t, i) => t === linted[i]);
  if (same && snapshot.units) return snapshot.units;
  const short = (f) => toPosix(path.relative(root, f));
  const unitGraph = new Map();
  const witness = new Map();
  for (const [from, targets] of graph) {
    const a = unitOf(root, from);
    for (const to of targets) {
      const b = unitOf(root, to);
      if (a === b) continue;
      if (!unitGraph.has(a)) unitGraph.set(a, new Set());
      unitGraph.get(a).add(b);
      if (!witness.has(`${a}>${b}`)) witness.set(`${a}>${b}`, `${short(from)} → ${short(to)}`);
    }
  }
  const units = { unitGraph, witness };
  if (same) snapshot.units = units;
  return units;
}

/** The graph with `file`'s own edges as linted now (its text may not be on disk yet). */
function graphWith(root, file, edgesOfFile) {
  const graph = new Map(diskGraph(root));
  graph.set(file, edgesOfFile);
  return graph;
}

/** The shortest path from `from` to `to` in `graph` (a list of nodes), or null. */
function pathBetween(graph, from, to) {
  const parent = new Map([[from, null]]);
  const queue = [from];
  while (queue.length) {
    const node = queue.shift();
    if (node === to) {
      const out = [];
      for (let n = to; n !== null; n = parent.get(n)) out.unshift(n);
      return out;
    }
    for (const next of graph.get(node) ?? []) {
      if (!parent.has(next)) {
        parent.set(next, node);
        queue.push(next);
      }
    }
  }
  return null;
}

/** Every import, export-from and `import()` of a file, with its node. */
function eachImport(visit) {
  const source = (node) => {
    if (node.source && typeof node.source.value === 'string') visit(node.source, node.source.value);
  };
  return {
    ImportDeclaration: source,
    ExportNamedDeclaration: source,
    ExportAllDeclaration: source,
    ImportExpression: source,
  };
}

const mainLayers = {
  meta: {
    type: 'problem',
    docs: { description: 'A folder of src/main imports only its own layer and the layers below' },
    schema: [],
    messages: {
      upward:
        '{{from}} may not import {{to}}: a layer imports only its own layer and the layers below ({{order}}).',
      unplaced:
        'src/main/{{unit}} is in no layer: place it in MAIN_LAYERS (lint/main-layers.js) before importing it or from it.',
    },
  },
  create(context) {
    const file = path.resolve(context.filename);
    const root = mainRootOf(file);
    if (!root) return {};
    const unit = unitOf(root, file);
    return {
      Program(node) {
        if (!rankOf.has(unit)) context.report({ node, messageId: 'unplaced', data: { unit } });
      },
      ...eachImport((node, specifier) => {
        const target = resolve(file, specifier);
        if (!target || !target.startsWith(`${root}/`)) return;
        const to = unitOf(root, target);
        if (to === unit) return;
        if (!rankOf.has(to)) {
          context.report({ node, messageId: 'unplaced', data: { unit: to } });
          return;
        }
        if (rankOf.has(unit) && rankOf.get(to) < rankOf.get(unit)) {
          context.report({
            node,
            messageId: 'upward',
            data: {
              from: `src/main/${describeUnit(unit)}`,
              to: `src/main/${describeUnit(to)}`,
              order: ORDER,
            },
          });
        }
      }),
    };
  },
};

const noCycles = {
  meta: {
    type: 'problem',
    docs: { description: 'No import cycle inside src/main, between files or between folders' },
    schema: [],
    messages: {
      files: 'This import closes a cycle: {{cycle}}.',
      units:
        'src/main/{{from}} and src/main/{{to}} would import each other: {{here}}, and back {{back}}.',
    },
  },
  create(context) {
    const file = path.resolve(context.filename);
    const root = mainRootOf(file);
    if (!root) return {};
    const imports = [];
    const short = (f) => toPosix(path.relative(root, f));
    return {
      ...eachImport((node, specifier) => {
        const target = resolve(file, specifier);
        if (target && target.startsWith(`${root}/`)) imports.push({ node, target });
      }),
      'Program:exit'() {
        if (!imports.length) return;
        const graph = graphWith(
          root,
          file,
          imports.map((i) => i.target),
        );
        const { unitGraph, witness } = unitsOf(root, graph, file);
        const unit = unitOf(root, file);
        for (const { node, target } of imports) {
          const back = pathBetween(graph, target, file);
          if (back) {
            context.report({
              node,
              messageId: 'files',
              data: { cycle: [file, ...back].map(short).join(' → ') },
            });
            continue;
          }
          const to = unitOf(root, target);
          if (to === unit) continue;
          const units = pathBetween(unitGraph, to, unit);
          if (units) {
            const steps = units.slice(1).map((u, i) => witness.get(`${units[i]}>${u}`));
            context.report({
              node,
              messageId: 'units',
              data: {
                from: unit,
                to,
                here: `${short(file)} → ${short(target)}`,
                back: steps.join(', '),
              },
            });
          }
        }
      },
    };
  },
};

export default { rules: { 'main-layers': mainLayers, 'no-cycles': noCycles } };
