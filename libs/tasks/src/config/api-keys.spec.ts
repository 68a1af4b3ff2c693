import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseApiKeys } from './api-keys';
import { loadConfig } from './app-config';

describe(parseApiKeys.name, () => {
  const sut = parseApiKeys;

  it('keeps a # inside an inline key: the whole key, never its prefix', () => {
    expect(sut('carol:secret12#xyz')).toEqual([{ client: 'carol', key: 'secret12#xyz' }]);
  });

  it('keeps a # inside the API_KEYS variable through loadConfig', () => {
    const config = loadConfig({ API_KEYS: 'carol:secret12#xyz,dave:#starts-with-hash' });
    expect(config.apiKeys).toEqual([
      { client: 'carol', key: 'secret12#xyz' },
      { client: 'dave', key: '#starts-with-hash' },
    ]);
  });

  it('keeps spaces inside a key and trims them around it', () => {
    expect(sut(' erin : two words key ')).toEqual([{ client: 'erin', key: 'two words key' }]);
  });

  it('skips comment lines of a file, and keeps # elsewhere in a file line', () => {
    const text =
      '# clients, rotated: 2026-12\n  # bob:old-key-123\nalice:key-of-alice\ncarol:secret12#xyz\n';
    expect(sut(text, 'file')).toEqual([
      { client: 'alice', key: 'key-of-alice' },
      { client: 'carol', key: 'secret12#xyz' },
    ]);
  });

  it('reads a key file named by API_KEYS with its comments', () => {
    const dir = mkdtempSync(join(tmpdir(), 'api-keys-'));
    try {
      const file = join(dir, 'keys');
      writeFileSync(file, '# the clients\nalice:key-of-alice\ncarol:secret12#xyz\n');
      expect(loadConfig({ API_KEYS: file }).apiKeys).toEqual([
        { client: 'alice', key: 'key-of-alice' },
        { client: 'carol', key: 'secret12#xyz' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a # line in the variable itself as an entry that is not client:key', () => {
    expect(() => loadConfig({ API_KEYS: 'alice:key-of-alice\n# note' })).toThrow(
      /API_KEYS: entry 2 is not client:key/,
    );
  });
});
