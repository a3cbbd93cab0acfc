import { describe, expect, it } from 'vitest';
import { SecretMasker, secretsOf } from '../../src/agent/secret-masker';

describe('secret masker', () => {
  it('masks secrets split across writes without delaying other output', () => {
    const m = new SecretMasker(['s3cr3t-value']);
    let out = m.write('hello s3cr');
    expect(out).toBe('hello '); // "s3cr" could start the secret: held back
    out += m.write('3t-value and more\n');
    out += m.end();
    expect(out).toBe('hello *** and more\n');
    expect(m.write('plain line\n')).toBe('plain line\n');
  });

  it('picks secret-looking variables and ignores short values', () => {
    expect(secretsOf({ API_KEY: 'abcdef', GITHUB_TOKEN: 'tok12345', PATH: '/usr/bin', DB_PASSWORD: 'x' }, ['oct_abc'])).toEqual([
      'tok12345',
      'oct_abc',
      'abcdef',
    ]);
  });
});
