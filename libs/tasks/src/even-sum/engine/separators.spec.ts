import { scanBuffer } from '../../../../../test/support/scan-buffer';

// The separators README.md's "Input format" lists, byte for byte: space, \t \n \v \f \r and comma.
const LISTED = [0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x2c];
// Every other ASCII control character: C0 without the listed ones, and DEL.
const UNLISTED = [
  ...Array.from({ length: 0x20 }, (_, c) => c).filter((c) => !LISTED.includes(c)),
  0x7f,
];

describe('separators', () => {
  it.each(LISTED.map((c) => [c.toString(16).padStart(2, '0'), c]))(
    'accepts 0x%s between numbers, alone and in runs',
    (_hex, c) => {
      const sep = String.fromCharCode(c);
      const text = `-2${sep}4${sep}${sep}7${sep}10${sep}`;
      expect(scanBuffer(Buffer.from(text, 'latin1'))).toEqual({
        sum: '12',
        evenCount: 3,
        count: 4,
      });
    },
  );

  it('accepts CRLF line ends and counts lines by LF', () => {
    const text = '2\r\n4\r\n6\r\nx\r\n';
    expect(scanBuffer(Buffer.from(text)).error).toBe('invalid token "x" at byte 9 (line 4)');
  });

  it.each(UNLISTED.map((c) => [c.toString(16).padStart(2, '0'), c]))(
    'refuses 0x%s, naming the token it is in and its position',
    (_hex, c) => {
      const text = `2 4\n6 8${String.fromCharCode(c)}10 12`;
      const result = scanBuffer(Buffer.from(text, 'latin1'));
      expect(result.error).toBe(
        `invalid token ${JSON.stringify('8' + String.fromCharCode(c) + '10').replace(/[\u007f]/g, '\\u007f')} at byte 6 (line 2)`,
      );
      expect(result).toMatchObject({ sum: '12', evenCount: 3, count: 3 });
    },
  );
});
