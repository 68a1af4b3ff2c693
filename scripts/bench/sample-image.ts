import sharp from 'sharp';

/**
 * A photo-like test PNG: smooth gradients plus mild noise, so it compresses like a real picture
 * (a 420×320 RGB one is ~350 KB, the size the old service was measured with).
 */
export async function samplePng(width = 420, height = 320, seed = 1): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  let x = seed || 1;
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < width; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      const n = x & 0x1;
      const o = (y * width + i) * 3;
      data[o] = clamp((i * 255) / width + n);
      data[o + 1] = clamp((y * 255) / height + n);
      data[o + 2] = clamp(128 + 100 * Math.sin((i + y) / 40) + n);
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

function clamp(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v)));
}
