import { randomPng } from '../../../../test/support/images';
import { readPngHeader } from './png-header';

describe(readPngHeader.name, () => {
  it('reads width, height, depth and color type of a real PNG', async () => {
    const sut = readPngHeader(await randomPng(70, 40, 4));
    expect(sut).toEqual({
      width: 70,
      height: 40,
      bitDepth: 8,
      colorType: 6,
      interlaced: false,
    });
  });

  it('rejects bytes that are not a PNG', () => {
    expect(readPngHeader(Buffer.from('GIF89a'.padEnd(40, '\0')))).toBe(
      'body is not a PNG image (bad signature)',
    );
    expect(readPngHeader(Buffer.from('short'))).toBe('body is not a PNG image (too short)');
  });

  it('rejects a PNG whose first chunk is not IHDR', async () => {
    const png = Buffer.from(await randomPng(8, 8));
    png.write('IDAT', 12, 'latin1');
    expect(readPngHeader(png)).toBe('body is not a PNG image (missing IHDR chunk)');
  });

  it('rejects zero dimensions and invalid depth', async () => {
    const png = Buffer.from(await randomPng(8, 8));
    const zero = Buffer.from(png);
    zero.writeUInt32BE(0, 16);
    expect(readPngHeader(zero)).toBe('PNG image has zero width or height');
    const badDepth = Buffer.from(png);
    badDepth[24] = 3;
    expect(readPngHeader(badDepth)).toBe('PNG image has an invalid color type/bit depth (2/3)');
  });

  it('reports the declared size of a decompression bomb without decoding it', async () => {
    const png = Buffer.from(await randomPng(8, 8));
    png.writeUInt32BE(30000, 16);
    png.writeUInt32BE(30000, 20);
    expect(readPngHeader(png)).toMatchObject({ width: 30000, height: 30000 });
  });
});
