import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { AppConfig, InjectConfig } from '../config/app-config';
import { PermanentTaskError } from '../tasks/task-errors';
import { RawImage } from './shuffle-blocks';

/** The sharp adapter: PNG bytes ↔ raw pixels. The only place that knows about sharp. */
@Injectable()
export class PngCodec {
  constructor(@InjectConfig() private readonly config: AppConfig) {
    // Jobs run WORKER_CONCURRENCY at a time already: one libvips thread per job avoids
    // oversubscribing the cores, and the cache only holds memory for images we never see again.
    sharp.cache(false);
    sharp.concurrency(1);
  }

  /** Decodes a PNG to raw pixels, keeping channels (alpha) and 8/16-bit depth. Bad input is permanent. */
  async decode(png: Buffer): Promise<RawImage> {
    try {
      const input = sharp(png, { limitInputPixels: this.config.maxImagePixels, failOn: 'warning' });
      const meta = await input.metadata();
      if (meta.format !== 'png') throw new Error(`not a PNG image (${meta.format})`);
      const sixteenBit = meta.depth === 'ushort';
      const { data, info } = await input
        .raw(sixteenBit ? { depth: 'ushort' } : undefined)
        .toBuffer({ resolveWithObject: true });
      return {
        data,
        width: info.width,
        height: info.height,
        channels: info.channels,
        bytesPerSample: sixteenBit ? 2 : 1,
      };
    } catch (err) {
      throw new PermanentTaskError(`cannot decode PNG: ${(err as Error).message}`);
    }
  }

  /** Encodes raw pixels as PNG with the same width, height, channels and depth. */
  async encode(image: RawImage): Promise<Buffer> {
    // sharp infers the sample depth of raw input from the typed array: Uint16Array means 16-bit.
    const samples =
      image.bytesPerSample === 2
        ? new Uint16Array(image.data.buffer, image.data.byteOffset, image.data.length / 2)
        : image.data;
    let pipeline = sharp(samples, {
      raw: { width: image.width, height: image.height, channels: image.channels as 1 | 2 | 3 | 4 },
    });
    if (image.bytesPerSample === 2)
      pipeline = pipeline.toColourspace(image.channels >= 3 ? 'rgb16' : 'grey16');
    return pipeline
      .png({ compressionLevel: this.config.pngCompressionLevel, adaptiveFiltering: false })
      .toBuffer();
  }
}
