/**
 * The HTTP headers `bin/airlock mcp` sends each forwarded message with (mcp/stdio-bridge.ts):
 * a 2026-07-28 request's come from its own `_meta` claim, as `/mcp` cross-checks them; a
 * 2025-era message carries the version its `initialize` settled on, and nothing else.
 */
import { PROTOCOL_VERSION_META_KEY, type JSONRPCMessage } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { headersFor } from '../../src/main/mcp/stdio-bridge';

const modern = (method: string, params: Record<string, unknown> = {}): JSONRPCMessage => ({
  jsonrpc: '2.0',
  id: 7,
  method,
  params: { ...params, _meta: { [PROTOCOL_VERSION_META_KEY]: '2026-07-28' } },
});

describe('headersFor', () => {
  it('derives version, method and name from a 2026-07-28 request, whatever was negotiated', () => {
    expect(
      headersFor(modern('tools/call', { name: 'query', arguments: {} }), '2025-06-18'),
    ).toEqual({
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'query',
    });
    expect(headersFor(modern('tools/list'), undefined)).toEqual({
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/list',
    });
    expect(headersFor(modern('resources/read', { uri: 'file:///a' }), undefined)).toMatchObject({
      'mcp-name': 'file:///a',
    });
  });

  it('carries a name a header cannot hold as is in the base64 sentinel', () => {
    const name = (n: string) =>
      headersFor(modern('tools/call', { name: n }), undefined)['mcp-name'];
    expect(name('requête')).toBe(`=?base64?${Buffer.from('requête').toString('base64')}?=`);
    expect(name(' padded')).toBe(`=?base64?${Buffer.from(' padded').toString('base64')}?=`);
    expect(name('')).toBe('=?base64??=');
    expect(name('=?base64?x?=')).toMatch(/^=\?base64\?[A-Za-z0-9+/=]+\?=$/);
    expect(name('a\nb')).not.toContain('\n');
  });

  it('sends a 2025-era message the negotiated version only, and nothing before initialize settles one', () => {
    const call: JSONRPCMessage = {
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'query', arguments: {} },
    };
    const note: JSONRPCMessage = { jsonrpc: '2.0', method: 'notifications/initialized' };
    expect(headersFor(call, '2025-11-25')).toEqual({ 'mcp-protocol-version': '2025-11-25' });
    expect(headersFor(note, '2025-06-18')).toEqual({ 'mcp-protocol-version': '2025-06-18' });
    expect(headersFor(call, undefined)).toEqual({});
  });
});
