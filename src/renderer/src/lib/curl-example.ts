/** The ready-to-paste request an agent author starts from. */
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
