import { loadConfig } from '../config';
import { PngCodec, PngFormat } from './png-codec.service';
import { pngOutputBound } from './png-output-bound';
import { RawImage } from './shuffle-blocks';

/** Seeded noise of bytes 144..255: each one deflate's 9-bit fixed-Huffman literals when unfiltered. */
function highNoise(length: number, seed: number): Buffer {
  const data = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = 144 + ((x >>> 0) % 112);
  }
  return data;
}

interface Case {
  name: string;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  format: PngFormat;
}

const cases: Case[] = [
  { name: 'RGBA 8-bit', width: 160, height: 120, channels: 4, format: f(6, 8, false) },
  { name: 'RGB 16-bit interlaced', width: 97, height: 61, channels: 3, format: f(2, 16, true) },
  { name: 'gray+alpha 8-bit, 1 pixel wide', width: 1, height: 3000, channels: 2, format: f(4, 8) },
  { name: 'gray 8-bit, 1 row', width: 9000, height: 1, channels: 1, format: f(0, 8) },
  {
    name: 'indexed 8-bit interlaced',
    width: 101,
    height: 77,
    channels: 1,
    format: { ...f(3, 8, true), palette: { plte: highNoise(768, 9) } },
  },
  { name: 'gray 1-bit', width: 333, height: 99, channels: 1, format: f(0, 1) },
];

function f(colorType: PngFormat['colorType'], bitDepth: PngFormat['bitDepth'], interlaced = false) {
  return { colorType, bitDepth, interlaced };
}

describe(pngOutputBound.name, () => {
  // Every level the config accepts: level 1 is zlib-ng's fixed-Huffman mode, which expands noise.
  it.each(cases)('bounds the codec output of $name noise at every level', async (c) => {
    const bytesPerSample = c.format.bitDepth === 16 ? 2 : 1;
    let data = highNoise(c.width * c.height * c.channels * bytesPerSample, c.width);
    if (c.format.bitDepth < 8)
      data = Buffer.from(data.map((v) => v & ((1 << c.format.bitDepth) - 1)));
    const image: RawImage = {
      data,
      width: c.width,
      height: c.height,
      channels: c.channels,
      bytesPerSample,
    };
    const bound = pngOutputBound({ ...c.format, width: c.width, height: c.height });
    const over: { level: number; size: number }[] = [];
    for (let level = 0; level <= 9; level++) {
      const codec = new PngCodec(loadConfig({ PNG_COMPRESSION_LEVEL: String(level) }));
      const size = (await codec.encode(image, c.format)).length;
      if (size > bound) over.push({ level, size });
    }
    expect({ bound, over }).toEqual({ bound, over: [] });
  });
});
