import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { loadConfig } from '../config';
import { blockPermutation } from './block-permutation';
import { encodePackedPng } from './packed-png.encoder';
import { readPngChunks } from './png-chunks';
import { PngCodec } from './png-codec.service';
import { readPngHeader } from './png-header';
import { blockGrid, RawImage, shuffleBlocks } from './shuffle-blocks';

// Odd sizes: partial bytes at the end of 1/2/4-bit rows, remainders right and below the blocks,
// and Adam7 passes of uneven widths.
const W = 37;
const H = 29;
const BLOCK = 6;

function noise(length: number, seed: number): Buffer {
  const data = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = x & 0xff;
  }
  return data;
}

const raw = (channels: 1 | 2 | 3 | 4, seed: number) =>
  sharp(noise(W * H * channels, seed), { raw: { width: W, height: H, channels } });

const raw16 = (channels: 1 | 2 | 3 | 4, seed: number) => {
  const bytes = noise(W * H * channels * 2, seed);
  return sharp(new Uint16Array(bytes.buffer, 0, W * H * channels), {
    raw: { width: W, height: H, channels },
  });
};

/** Gray levels that fit `bits` bits, so sharp writes them at that depth without rounding. */
const grayLevels = (bits: number, seed: number) => {
  const levels = (1 << bits) - 1;
  const data = Buffer.from(noise(W * H, seed).map((v) => ((v % (levels + 1)) * 255) / levels));
  return sharp(data, { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w');
};

/** `png` with a chunk added right after IHDR (CRC from zlib). */
function withChunk(png: Buffer, type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([png.subarray(0, 33), head, data, crc, png.subarray(33)]);
}

interface Kind {
  name: string;
  make: () => Promise<Buffer>;
  /** Colour type, bit depth, interlaced of the input, then of the output. */
  input: [number, number, boolean];
  output: [number, number, boolean];
}

const kinds: Kind[] = [
  {
    name: 'RGB 8-bit',
    make: () => raw(3, 1).png().toBuffer(),
    input: [2, 8, false],
    output: [2, 8, false],
  },
  {
    name: 'RGBA 8-bit',
    make: () => raw(4, 2).png().toBuffer(),
    input: [6, 8, false],
    output: [6, 8, false],
  },
  {
    name: 'RGB 16-bit',
    make: () => raw16(3, 3).toColourspace('rgb16').png().toBuffer(),
    input: [2, 16, false],
    output: [2, 16, false],
  },
  {
    name: 'RGBA 16-bit interlaced',
    make: () => raw16(4, 4).toColourspace('rgb16').png({ progressive: true }).toBuffer(),
    input: [6, 16, true],
    output: [6, 16, true],
  },
  {
    // The profile is neither applied (the stored values are the pixels) nor copied.
    name: 'RGB 8-bit with an embedded ICC profile',
    make: () => raw(3, 9).withIccProfile('p3').png().toBuffer(),
    input: [2, 8, false],
    output: [2, 8, false],
  },
  {
    name: 'gray 8-bit',
    make: () => raw(1, 5).toColourspace('b-w').png().toBuffer(),
    input: [0, 8, false],
    output: [0, 8, false],
  },
  {
    name: 'gray+alpha 8-bit',
    make: () => raw(2, 6).toColourspace('b-w').png().toBuffer(),
    input: [4, 8, false],
    output: [4, 8, false],
  },
  {
    name: 'gray 16-bit',
    make: () => raw16(1, 7).toColourspace('grey16').png().toBuffer(),
    input: [0, 16, false],
    output: [0, 16, false],
  },
  {
    name: 'gray+alpha 16-bit interlaced',
    make: () => raw16(2, 8).toColourspace('grey16').png({ progressive: true }).toBuffer(),
    input: [4, 16, true],
    output: [4, 16, true],
  },
  ...[1, 2, 4].map((bits): Kind => ({
    name: `gray ${bits}-bit`,
    make: () =>
      grayLevels(bits, 10 + bits)
        .png({ palette: false, colours: 1 << bits })
        .toBuffer(),
    input: [0, bits, false],
    output: [0, bits, false],
  })),
  {
    name: 'gray 2-bit interlaced',
    make: () => grayLevels(2, 20).png({ palette: false, colours: 4, progressive: true }).toBuffer(),
    input: [0, 2, true],
    output: [0, 2, true],
  },
  ...[1, 2, 4, 8].flatMap((bits) =>
    ([3, 4] as const).map((channels): Kind => ({
      name: `indexed ${bits}-bit ${channels === 4 ? 'with' : 'without'} tRNS`,
      make: () =>
        raw(channels, 30 + bits + channels)
          .png({ palette: true, colours: 1 << bits, dither: 0 })
          .toBuffer(),
      input: [3, bits, false],
      output: [3, bits, false],
    })),
  ),
  {
    name: 'indexed 4-bit with tRNS interlaced',
    make: () =>
      raw(4, 40).png({ palette: true, colours: 16, dither: 0, progressive: true }).toBuffer(),
    input: [3, 4, true],
    output: [3, 4, true],
  },
  {
    // libimagequant never writes this: a colour listed twice, a tRNS shorter than the palette,
    // and fully transparent entries whose RGB differ.
    name: 'indexed 2-bit with a repeated colour and a short tRNS',
    make: () =>
      encodePackedPng(
        {
          width: W,
          height: H,
          colorType: 3,
          bitDepth: 2,
          interlaced: false,
          samples: noise(W * H, 50).map((v) => v & 3),
          chunks: [
            { type: 'PLTE', data: Buffer.from([10, 20, 30, 10, 20, 30, 200, 0, 0, 1, 2, 3]) },
            { type: 'tRNS', data: Buffer.from([0, 0, 128]) },
          ],
        },
        6,
      ),
    input: [3, 2, false],
    output: [3, 2, false],
  },
  {
    // A colour key that many pixels match: red 0..3, green and blue 0.
    name: 'RGB 8-bit with a tRNS colour key (converted to RGBA 8-bit)',
    make: async () => {
      const rgb = noise(W * H * 3, 70).map((v, i) => (i % 3 === 0 ? v & 3 : 0));
      const png = await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
        .png()
        .toBuffer();
      return withChunk(png, 'tRNS', Buffer.from([0, 2, 0, 0, 0, 0]));
    },
    input: [2, 8, false],
    output: [6, 8, false],
  },
  {
    name: 'gray 16-bit with a tRNS colour key (converted to gray+alpha 16-bit)',
    make: async () => {
      const gray = new Uint16Array(W * H).map((_, i) => (i * 7) % 5);
      const png = await sharp(gray, { raw: { width: W, height: H, channels: 1 } })
        .toColourspace('grey16')
        .png()
        .toBuffer();
      return withChunk(png, 'tRNS', Buffer.from([0, 3]));
    },
    input: [0, 16, false],
    output: [4, 16, false],
  },
  {
    // The one conversion: a colour key becomes an alpha channel, at 8 bits.
    name: 'gray 2-bit with a tRNS colour key (converted to gray+alpha 8-bit)',
    make: () =>
      encodePackedPng(
        {
          width: W,
          height: H,
          colorType: 0,
          bitDepth: 2,
          interlaced: true,
          samples: noise(W * H, 60).map((v) => v & 3),
          chunks: [{ type: 'tRNS', data: Buffer.from([0, 1]) }],
        },
        6,
      ),
    input: [0, 2, true],
    output: [4, 8, true],
  },
];

/** Decodes any PNG the same neutral way (RGB(A), 8 or 16 bits) to compare input and output pixels. */
async function reference(png: Buffer): Promise<RawImage> {
  const sixteenBit = (await sharp(png).metadata()).depth === 'ushort';
  const { data, info } = await sharp(png, { ignoreIcc: true })
    .toColourspace(sixteenBit ? 'rgb16' : 'srgb')
    .raw({ depth: sixteenBit ? 'ushort' : 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const bytesPerSample = sixteenBit ? 2 : 1;
  return { data, width: info.width, height: info.height, channels: info.channels, bytesPerSample };
}

describe(PngCodec.name, () => {
  const sut = new PngCodec(loadConfig({}));

  it.each(kinds)(
    'keeps the format of $name and its exact pixels, permuted by block',
    async (kind) => {
      const input = await kind.make();
      const inHeader = readPngHeader(input);
      expect(inHeader).toMatchObject({
        colorType: kind.input[0],
        bitDepth: kind.input[1],
        interlaced: kind.input[2],
      });

      const { image, format } = await sut.decode(input);
      const { cols, rows } = blockGrid(W, H, BLOCK);
      const perm = blockPermutation(cols * rows, 7);
      const output = await sut.encode(
        { ...image, data: shuffleBlocks(image, BLOCK, perm) },
        format,
      );

      expect(readPngHeader(output)).toEqual({
        width: W,
        height: H,
        colorType: kind.output[0],
        bitDepth: kind.output[1],
        interlaced: kind.output[2],
      });
      const inChunks = readPngChunks(input);
      const outChunks = readPngChunks(output);
      // Same palette (size, order and colours) and the same transparency entries.
      expect(outChunks.get('PLTE')).toEqual(inChunks.get('PLTE'));
      if (kind.output[0] === 3) expect(outChunks.get('tRNS')).toEqual(inChunks.get('tRNS'));

      const before = await reference(input);
      const after = await reference(output);
      expect([after.channels, after.bytesPerSample]).toEqual([
        before.channels,
        before.bytesPerSample,
      ]);
      // Exactly the input's pixels, block d taken from block perm[d], remainders untouched.
      expect(after.data.equals(shuffleBlocks(before, BLOCK, perm))).toBe(true);
      expect(after.data.equals(before.data)).toBe(false);
    },
  );

  // A real photo (test/fixtures/README.md), stored the way photo tools store PNGs: libpng's adaptive
  // filters at level 9. Unfiltered output made these 1.3–1.8× their input (issue 14).
  const cat = join(__dirname, '../../../../test/fixtures/cat-133x200.png');
  const stored = { compressionLevel: 9, adaptiveFiltering: true } as const;
  const photos: { name: string; make: () => Promise<Buffer> }[] = [
    { name: 'RGB 8-bit', make: () => sharp(cat).png(stored).toBuffer() },
    {
      name: 'RGB 8-bit interlaced',
      make: () =>
        sharp(cat)
          .png({ ...stored, progressive: true })
          .toBuffer(),
    },
    { name: 'gray 8-bit', make: () => sharp(cat).toColourspace('b-w').png(stored).toBuffer() },
    {
      name: 'RGBA 8-bit',
      make: async () => {
        const { data, info } = await sharp(cat)
          .toColourspace('b-w')
          .raw()
          .toBuffer({ resolveWithObject: true });
        return sharp(cat)
          .joinChannel(data, { raw: { width: info.width, height: info.height, channels: 1 } })
          .png(stored)
          .toBuffer();
      },
    },
    { name: 'RGB 16-bit', make: () => sharp(cat).toColourspace('rgb16').png(stored).toBuffer() },
  ];

  it.each(photos)('writes a shuffled $name photo at most 1.2× its input', async (photo) => {
    const input = await photo.make();
    const { image, format } = await sut.decode(input);
    for (const blockSize of [60, 16]) {
      const { cols, rows } = blockGrid(image.width, image.height, blockSize);
      const perm = blockPermutation(cols * rows, 3);
      const output = await sut.encode(
        { ...image, data: shuffleBlocks(image, blockSize, perm) },
        format,
      );
      expect(output.length / input.length).toBeLessThanOrEqual(1.2);
    }
  });

  it('refuses bytes that are not a PNG as a permanent error', async () => {
    await expect(sut.decode(Buffer.from('x'.repeat(64)))).rejects.toThrow(
      /cannot decode PNG: body is not a PNG image/,
    );
  });
});
