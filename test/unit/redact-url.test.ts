import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/main/connections/connections';

describe('redactUrl', () => {
  it.each([
    ['postgres://app:s3cret@db.local:5432/sales', 'postgres://app:***@db.local:5432/sales'],
    ['mysql://root@127.0.0.1:3306/test', 'mysql://root@127.0.0.1:3306/test'],
    [
      'mongodb://reader:p%40ss@h1:27017,h2:27017/shop?replicaSet=rs0',
      'mongodb://reader:***@h1:27017,h2:27017/shop?replicaSet=rs0',
    ],
    [
      'postgres://u@h/db?sslmode=verify-full&sslpassword=hunter2',
      'postgres://u@h/db?sslmode=verify-full&sslpassword=***',
    ],
    ['mysql://h/db?user=a&password=hunter2', 'mysql://h/db?user=a&password=***'],
  ])('%s', (input, shown) => {
    expect(redactUrl(input)).toBe(shown);
    expect(redactUrl(input)).not.toMatch(/s3cret|hunter2|p%40ss/);
  });

  it('says so when it cannot read the URL, and never returns it', () => {
    expect(redactUrl('not a url with password=x')).toBe('(unparseable URL)');
  });
});
