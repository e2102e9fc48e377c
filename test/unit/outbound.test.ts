/**
 * The air gap's rule (src/main/net/outbound.ts): this machine always, the local network only
 * with the officer's confirmation, a public address never — judged on the address a name
 * resolves to, in every spelling a URL parser accepts.
 */
import { describe, expect, it } from 'vitest';
import { checkOutboundSetting, classifyAddress, guardedFetch } from '../../src/main/net/outbound';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['10.1.2.3', 'lan'],
    ['172.16.0.1', 'lan'],
    ['172.31.255.255', 'lan'],
    ['192.168.1.20', 'lan'],
    ['169.254.1.1', 'lan'],
    ['fd12:3456::1', 'lan'],
    ['fe80::1', 'lan'],
    ['::ffff:192.168.0.1', 'lan'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['11.0.0.1', 'public'],
    ['2001:4860:4860::8888', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['0.0.0.0', 'public'],
  ])('%s is %s', (ip, cls) => expect(classifyAddress(ip)).toBe(cls));
});

describe('checkOutboundSetting', () => {
  it.each([
    'http://127.0.0.1:11434',
    'http://localhost:11434',
    'http://[::1]:11434',
    'http://0x7f.1:11434',
    'http://2130706433:11434',
    'https://127.1',
  ])('%s (this machine) is allowed without confirmation', async (url) =>
    expect(await checkOutboundSetting('Ollama', url, false)).toBe('loopback'),
  );

  it.each(['http://10.0.0.5:11434', 'http://192.168.1.20:11434', 'http://[fd00::5]:11434'])(
    '%s (local network) needs the confirmation',
    async (url) => {
      await expect(checkOutboundSetting('Ollama', url, false)).rejects.toThrow(
        /local network.*not been confirmed/,
      );
      expect(await checkOutboundSetting('Ollama', url, true)).toBe('lan');
    },
  );

  it.each([
    'http://8.8.8.8:11434',
    'https://1.1.1.1',
    'http://[2001:db8::1]:11434',
    'http://[::ffff:8.8.8.8]/',
    'http://0.0.0.0:11434',
  ])('%s (public) is refused even when confirmed', async (url) => {
    await expect(checkOutboundSetting('Ollama', url, true)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('a name that does not resolve is refused, and says so', async () => {
    await expect(
      checkOutboundSetting('Ollama', 'https://api.example.invalid/v1', true),
    ).rejects.toThrow(/does not resolve/);
  });

  it.each(['ftp://127.0.0.1/', 'file:///etc/passwd', 'not a url'])('%s is refused', async (url) => {
    await expect(checkOutboundSetting('Ollama', url, true)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});

describe('guardedFetch', () => {
  it('refuses a public target before any connection is made', async () => {
    const send = guardedFetch('Ollama', () => true);
    await expect(send('http://8.8.8.8/api/tags')).rejects.toThrow(
      /not on this machine or the local network/,
    );
  });

  it('refuses a local-network target that is not confirmed, before any connection is made', async () => {
    const send = guardedFetch('Ollama', () => false);
    await expect(send('http://10.255.255.1:9/')).rejects.toThrow(/not been confirmed/);
  });

  it('lets a request to this machine through', async () => {
    const send = guardedFetch('Ollama', () => false);
    // Nothing listens on port 9 here: the request is made and refused by the OS, not by the rule.
    await expect(send('http://127.0.0.1:9/')).rejects.toThrow(/fetch failed/);
  });
});
