/** A request that works before any grant: the connections the agent may use (none yet: `[]`). */
export function curlFirstCall(origin: string, apiKey: string): string {
  return [`curl ${origin}/v1/connections \\`, `  -H 'Authorization: Bearer ${apiKey}'`].join('\n');
}

/** The ready-to-paste query an agent author starts from, once the agent holds a grant. */
export function curlExample(
  origin: string,
  apiKey: string,
  connection = 'demo',
  sql = 'SELECT 1',
): string {
  const body = JSON.stringify({ connection, sql }).replace(/'/g, `'\\''`);
  return [
    `curl ${origin}/v1/query \\`,
    `  -H 'Authorization: Bearer ${apiKey}' \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d '${body}'`,
  ].join('\n');
}
