/**
 * The air gap as a rule in code: Airlock itself only ever connects to this machine, or — when
 * the security officer names one in Settings and confirms the warning — to a host on the local
 * network. A public address is never allowed, whatever the settings say. Checked when a setting
 * is saved (so the officer hears why at once) and again on every connection, after the name is
 * resolved (so a name that later points elsewhere is still refused).
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { AirlockError } from '../../shared/errors';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

const lan = new BlockList();
for (const [net, prefix] of [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['169.254.0.0', 16],
] as const) {
  lan.addSubnet(net, prefix, 'ipv4');
}
lan.addSubnet('fc00::', 7, 'ipv6');
lan.addSubnet('fe80::', 10, 'ipv6');

export type AddressClass = 'loopback' | 'lan' | 'public';

/** Where an IP address is: this machine, the local network, or anywhere else. */
export function classifyAddress(ip: string): AddressClass {
  const family = isIP(ip);
  if (family === 0) throw new TypeError(`not an IP address: ${ip}`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  // An IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return classifyAddress(mapped[1]!);
  if (loopback.check(ip, type)) return 'loopback';
  if (lan.check(ip, type)) return 'lan';
  return 'public';
}

/** The host of a URL as a bare name or address (IPv6 without brackets). */
export function hostOf(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AirlockError('VALIDATION_FAILED', `'${url.slice(0, 200)}' is not an address`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new AirlockError(
      'VALIDATION_FAILED',
      `only http and https addresses are allowed (got ${u.protocol})`,
    );
  }
  return u.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/** What a host is, judging by its text alone: null when it is a name that must be resolved. */
export function classifyHostText(host: string): AddressClass | null {
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  return isIP(host) ? classifyAddress(host) : null;
}

const offMachine = (what: string, host: string, why: string) =>
  new AirlockError(
    'VALIDATION_FAILED',
    `${what} at ${host} is refused: ${why}. Airlock only connects to this machine; a host on the local network needs the security officer's confirmation in Settings`,
    { host },
  );

/**
 * The rule for a setting being saved: loopback always; a local-network host only with
 * `lanConfirmed`; a public address never. Names are resolved (the machine's own resolver).
 */
export async function checkOutboundSetting(
  what: string,
  url: string,
  lanConfirmed: boolean,
): Promise<AddressClass> {
  return checkOutboundHost(what, hostOf(url), lanConfirmed);
}

/** The same rule for a bare host name or address (a syslog collector: no URL). */
export async function checkOutboundHost(
  what: string,
  host: string,
  lanConfirmed: boolean,
): Promise<AddressClass> {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return judge(what, bare, await resolveClasses(bare), lanConfirmed);
}

async function resolveClasses(host: string): Promise<AddressClass[]> {
  const known = classifyHostText(host);
  if (known) return [known];
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host, { all: true, verbatim: true });
  } catch {
    throw new AirlockError(
      'VALIDATION_FAILED',
      `the name '${host}' does not resolve on this machine`,
      { host },
    );
  }
  return addresses.map((a) => classifyAddress(a.address));
}

function judge(
  what: string,
  host: string,
  classes: AddressClass[],
  lanConfirmed: boolean,
): AddressClass {
  if (classes.length === 0) throw offMachine(what, host, 'it has no address');
  if (classes.includes('public'))
    throw offMachine(what, host, 'it is not on this machine or the local network');
  if (classes.includes('lan')) {
    if (!lanConfirmed)
      throw offMachine(what, host, 'it is on the local network, and that has not been confirmed');
    return 'lan';
  }
  return 'loopback';
}

/**
 * A fetch that enforces the rule on every request: the target is resolved and judged before
 * the request is made. Used for every outbound HTTP call Airlock makes (Ollama).
 */
export function guardedFetch(what: string, lanConfirmed: () => boolean): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const host = hostOf(url);
    judge(what, host, await resolveClasses(host), lanConfirmed());
    return fetch(input, init);
  };
}
