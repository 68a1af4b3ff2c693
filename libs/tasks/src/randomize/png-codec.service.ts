import { Injectable } from '@nestjs/common';
import sharp, { Sharp } from 'sharp';
import { AppConfig, InjectConfig } from '../config';
import { PermanentTaskError } from '../records';
import { encodePackedPng } from './packed-png.encoder';
import { readPngChunks } from './png-chunks';
import { PngHeader, readPngHeader } from './png-header';
import { RawImage } from './shuffle-blocks';

/** How the output PNG stores its pixels: what randomize keeps of the input's format. */
export interface PngFormat {
  colorType: 0 | 2 | 3 | 4 | 6;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  interlaced: boolean;
  /** PLTE and tRNS of an indexed image, written back verbatim. */
  palette?: { plte: Buffer; trns?: Buffer };
}

/** Decoded pixels (palette indices for an indexed PNG, levels for 1/2/4-bit gray) and the format to write them back in. */
export interface DecodedPng {
  image: RawImage;
  format: PngFormat;
}

const CHANNELS = { 0: 1, 2: 3, 4: 2, 6: 4 } as const;

/**
 * The output format for an input: the same colour type, bit depth, palette and interlacing, except
 * that a tRNS colour key on a gray or RGB image becomes an alpha channel (libvips decodes it so and
 * cannot write a colour key back), at 8 bits for 1/2/4-bit gray since alpha has no lower depth.
 */
function outputFormat(header: PngHeader, chunks: Map<string, Buffer>): PngFormat {
  const bitDepth = header.bitDepth as PngFormat['bitDepth'];
  const interlaced = header.interlaced;
  const trns = chunks.get('tRNS');
  if (header.colorType === 3) {
    const plte = chunks.get('PLTE');
    if (!plte) throw new Error('indexed PNG without a PLTE chunk');
    return { colorType: 3, bitDepth, interlaced, palette: { plte, trns } };
  }
  const gray = header.colorType === 0 || header.colorType === 4;
  const alpha = header.colorType === 4 || header.colorType === 6 || trns !== undefined;
  const colorType = gray ? (alpha ? 4 : 0) : alpha ? 6 : 2;
  return { colorType, bitDepth: alpha && bitDepth < 8 ? 8 : bitDepth, interlaced };
}

/** Gray and alpha of RGBA pixels whose R = G = B (libvips widens 8-bit gray+alpha so, by copying bands). */
function grayAlphaOf(rgba: Buffer): Buffer {
  const out = Buffer.alloc(rgba.length / 2);
  for (let from = 0, to = 0; to < out.length; from += 4, to += 2) {
    out[to] = rgba[from];
    out[to + 1] = rgba[from + 3];
  }
  return out;
}

/**
 * Maps decoded RGB(A) pixels back to their palette index (the first one, if a colour is listed
 * twice). An open-addressing table of 32-bit colours: a Map keyed by RGBA numbers past 2^30 took
 * ~150 ns a pixel, this takes a few.
 */
function toIndices(image: RawImage, plte: Buffer, trns: Buffer | undefined): RawImage {
  const withAlpha = image.channels === 4;
  const slots = 1024; // ≥ 4 × 256 entries, so probes stay short
  const keys = new Uint32Array(slots);
  const values = new Int16Array(slots).fill(-1);
  const slotOf = (colour: number) => {
    let slot = Math.imul(colour, 0x9e3779b1) >>> 22;
    while (values[slot] !== -1 && keys[slot] !== colour) slot = (slot + 1) & (slots - 1);
    return slot;
  };
  for (let i = 0; i < plte.length / 3; i++) {
    const alpha = withAlpha ? (trns && i < trns.length ? trns[i] : 255) : 0;
    const colour =
      ((plte[3 * i] << 24) | (plte[3 * i + 1] << 16) | (plte[3 * i + 2] << 8) | alpha) >>> 0;
    const slot = slotOf(colour);
    if (values[slot] === -1) [keys[slot], values[slot]] = [colour, i];
  }
  const pixels = image.width * image.height;
  const data = Buffer.alloc(pixels);
  const src = image.data;
  const c = image.channels;
  for (let p = 0; p < pixels; p++) {
    const at = p * c;
    const alpha = withAlpha ? src[at + 3] : 0;
    const colour = ((src[at] << 24) | (src[at + 1] << 16) | (src[at + 2] << 8) | alpha) >>> 0;
    const found = values[slotOf(colour)];
    if (found === -1) throw new Error(`pixel ${p} has a colour missing from the palette`);
    data[p] = found;
  }
  return { data, width: image.width, height: image.height, channels: 1, bytesPerSample: 1 };
}

/** 8-bit gray values back to 1/2/4-bit levels; refuses a value that is not one of the 2^depth. */
function toGrayLevels(image: RawImage, bitDepth: number): RawImage {
  const max = (1 << bitDepth) - 1;
  const out = Buffer.alloc(image.data.length);
  for (let i = 0; i < out.length; i++) {
    const level = image.data[i] >> (8 - bitDepth);
    if ((level * 255) / max !== image.data[i]) {
      throw new Error(`gray value ${image.data[i]} is not a ${bitDepth}-bit level`);
    }
    out[i] = level;
  }
  return { ...image, data: out };
}

/** The sharp adapter: PNG bytes ↔ raw pixels. The only place that knows about sharp. */
@Injectable()
export class PngCodec {
  constructor(@InjectConfig() private readonly config: AppConfig) {
    // Jobs run WORKER_CONCURRENCY at a time already: one libvips thread per job avoids
    // oversubscribing the cores, and the cache only holds memory for images we never see again.
    sharp.cache(false);
    sharp.concurrency(1);
  }

  /** Decodes a PNG to its exact stored samples and the format to write them back in. Bad input is permanent. */
  async decode(png: Buffer): Promise<DecodedPng> {
    try {
      const header = readPngHeader(png);
      if (typeof header === 'string') throw new Error(header);
      // ignoreIcc: the pixels must come back as stored; an embedded profile would convert them to sRGB.
      const input = sharp(png, {
        limitInputPixels: this.config.maxImagePixels,
        failOn: 'warning',
        ignoreIcc: true,
      });
      const meta = await input.metadata();
      if (meta.format !== 'png') throw new Error(`not a PNG image (${meta.format})`);
      const format = outputFormat(header, readPngChunks(png));
      const image = await this.samples(input, format);
      if (format.palette) {
        return { image: toIndices(image, format.palette.plte, format.palette.trns), format };
      }
      if (format.bitDepth < 8) return { image: toGrayLevels(image, format.bitDepth), format };
      return { image, format };
    } catch (err) {
      throw new PermanentTaskError(`cannot decode PNG: ${(err as Error).message}`);
    }
  }

  /** Encodes raw pixels (indices or levels, as `decode` gave them) as a PNG in `format`. */
  async encode(image: RawImage, format: PngFormat): Promise<Buffer> {
    if (format.colorType === 3 || format.bitDepth < 8) {
      return encodePackedPng(
        {
          width: image.width,
          height: image.height,
          colorType: format.colorType === 3 ? 3 : 0,
          bitDepth: format.bitDepth as 1 | 2 | 4 | 8,
          interlaced: format.interlaced,
          samples: image.data,
          chunks: format.palette
            ? [
                { type: 'PLTE', data: format.palette.plte },
                ...(format.palette.trns ? [{ type: 'tRNS', data: format.palette.trns }] : []),
              ]
            : [],
        },
        this.config.pngCompressionLevel,
      );
    }
    const sixteenBit = format.bitDepth === 16;
    const gray = format.colorType === 0 || format.colorType === 4;
    // sharp infers the sample depth of raw input from the typed array: Uint16Array means 16-bit.
    const samples = sixteenBit
      ? new Uint16Array(image.data.buffer, image.data.byteOffset, image.data.length / 2)
      : image.data;
    let pipeline = sharp(samples, {
      raw: { width: image.width, height: image.height, channels: image.channels as 1 | 2 | 3 | 4 },
    });
    // Without an explicit colourspace sharp writes 1/2-channel input as RGB(A).
    if (gray) pipeline = pipeline.toColourspace(sixteenBit ? 'grey16' : 'b-w');
    else if (sixteenBit) pipeline = pipeline.toColourspace('rgb16');
    // Adaptive filtering (libpng picks each row's filter by the least sum of absolute differences):
    // a shuffled photo comes back ~1.1× its input instead of ~2.1× unfiltered, for ~14 ms more on a
    // 532×800 RGB image (docs/benchmarks.md). Its cost is the filter pass, not the level: level 2 is
    // as slow and larger, level 1 (zlib-ng's static-Huffman "quick" mode) undoes the filtering's gain.
    return pipeline
      .png({
        compressionLevel: this.config.pngCompressionLevel,
        adaptiveFiltering: true,
        progressive: format.interlaced,
      })
      .toBuffer();
  }

  /** The stored samples at the output's depth and channels (RGB(A) for an indexed image). */
  private async samples(input: Sharp, format: PngFormat): Promise<RawImage> {
    const gray = format.colorType === 0 || format.colorType === 4;
    const sixteenBit = format.bitDepth === 16;
    let pipeline: Sharp;
    // sharp converts to 8-bit sRGB unless told otherwise, and its raw output keeps only the first
    // band of a b-w image (alpha lost): so 16-bit goes through grey16/rgb16, and 8-bit gray+alpha
    // comes as RGBA (4× faster than through grey16) and is narrowed back below.
    if (sixteenBit)
      pipeline = input.toColourspace(gray ? 'grey16' : 'rgb16').raw({ depth: 'ushort' });
    else if (format.colorType === 0) pipeline = input.toColourspace('b-w').raw();
    else pipeline = input.raw();
    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
    const narrow = format.colorType === 4 && !sixteenBit;
    // An indexed image decodes to RGB, or RGBA when it has a tRNS chunk.
    const expected = format.palette
      ? format.palette.trns
        ? 4
        : 3
      : narrow
        ? 4
        : CHANNELS[format.colorType as keyof typeof CHANNELS];
    if (info.channels !== expected) {
      throw new Error(`decoded ${info.channels} channels for PNG colour type ${format.colorType}`);
    }
    return {
      data: narrow ? grayAlphaOf(data) : data,
      width: info.width,
      height: info.height,
      channels: narrow ? 2 : info.channels,
      bytesPerSample: sixteenBit ? 2 : 1,
    };
  }
}
