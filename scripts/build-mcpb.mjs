#!/usr/bin/env node
// `npm run build:mcpb`: writes dist/airlock.mcpb, the Claude Desktop bundle that runs
// `bin/airlock mcp` (a stdio bridge to the running Airlock's /mcp). An .mcpb is a zip holding
// manifest.json (the MCPB manifest spec) and the entry it names (scripts/mcpb/server.mjs).
// The agent key is a sensitive setting Claude Desktop asks for at install and keeps in the OS
// keychain; the Airlock folder defaults to this checkout.
//
// Options: --out FILE (default dist/airlock.mcpb).
import { Buffer } from 'node:buffer';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = 'server/index.mjs';

function outPath(argv) {
  const at = argv.indexOf('--out');
  if (at < 0) return join(ROOT, 'dist', 'airlock.mcpb');
  const out = argv[at + 1];
  if (!out || out.startsWith('--')) {
    console.error('build-mcpb: --out needs a file name');
    process.exit(2);
  }
  return resolve(out);
}

function manifest() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  return {
    manifest_version: '0.3',
    name: 'airlock',
    display_name: 'Airlock',
    version: pkg.version,
    description:
      'Least-privilege, audited database access through the Airlock running on this machine',
    long_description:
      'Runs `bin/airlock mcp`, which forwards every MCP call to the Airlock on 127.0.0.1 with the agent key: the agent sees only what its grants allow, and every call is in the audit. Start Airlock first (`npm start` or `bin/airlock serve`).',
    author: { name: 'Airlock contributors' },
    ...(pkg.license ? { license: pkg.license } : {}),
    server: {
      type: 'node',
      entry_point: ENTRY,
      mcp_config: {
        command: 'node',
        args: [`\${__dirname}/${ENTRY}`],
        env: {
          AIRLOCK_API_KEY: '${user_config.api_key}',
          AIRLOCK_DIR: '${user_config.airlock_dir}',
          AIRLOCK_PORT: '${user_config.port}',
        },
      },
    },
    // The tools follow the agent's grants, so they are listed by the server, not here.
    tools_generated: true,
    user_config: {
      api_key: {
        type: 'string',
        title: 'Agent key',
        description:
          'The key of the Airlock agent this client acts as (shown once, when the agent is made)',
        sensitive: true,
        required: true,
      },
      airlock_dir: {
        type: 'directory',
        title: 'Airlock folder',
        description: 'The Airlock folder that holds bin/airlock',
        required: true,
        default: ROOT.replace(/\/$/, ''),
      },
      port: {
        type: 'number',
        title: 'Port',
        description:
          'The port Airlock listens on; leave empty to use the one it recorded (else 7717)',
        required: false,
        min: 1,
        max: 65535,
      },
    },
    compatibility: {
      platforms: ['darwin', 'linux', 'win32'],
      runtimes: { node: '>=20.0.0' },
    },
  };
}

// 1980-01-01 00:00 in MS-DOS form: a fixed time makes the same sources give the same bytes.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/** A zip (deflate, UTF-8 names, Unix modes) of `files`: [{ name, data: Buffer, mode }]. */
function zip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data, mode } of files) {
    const nameBytes = Buffer.from(name, 'utf8');
    const packed = deflateRawSync(data, { level: 9 });
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, 2.0: the external attributes hold a mode
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(((0o100000 | mode) << 16) >>> 0, 38); // a regular file with `mode`
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const out = outPath(process.argv.slice(2));
const bundle = zip([
  {
    name: 'manifest.json',
    data: Buffer.from(`${JSON.stringify(manifest(), null, 2)}\n`),
    mode: 0o644,
  },
  { name: ENTRY, data: readFileSync(join(ROOT, 'scripts', 'mcpb', 'server.mjs')), mode: 0o755 },
]);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, bundle);
console.log(
  `wrote ${out} (${bundle.length} bytes): install it in Claude Desktop (Settings › Extensions), then give it an agent key`,
);
