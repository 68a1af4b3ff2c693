import { parseSize } from './parse-size';

describe(parseSize.name, () => {
  it('reads decimal and binary units and plain bytes', () => {
    expect(parseSize('100MB')).toBe(100_000_000);
    expect(parseSize('5GB')).toBe(5_000_000_000);
    expect(parseSize('1.5GiB')).toBe(1.5 * 2 ** 30);
    expect(parseSize('512 kib')).toBe(512 * 1024);
    expect(parseSize('42')).toBe(42);
  });

  it('rejects what it cannot read, with an example', () => {
    expect(() => parseSize('lots')).toThrow('invalid size "lots" (try 100MB, 1GB, 1.5GiB)');
    expect(() => parseSize('5 parsecs')).toThrow('invalid size');
  });
});
