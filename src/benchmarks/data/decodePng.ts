import { inflateSync } from 'node:zlib';

/** A decoded image: 8-bit samples, row-major, `channels` per pixel (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA). */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Uint8Array;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/**
 * Decode a PNG (ISO/IEC 15948): 8-bit grey, grey+alpha, RGB, RGBA and palette images, not interlaced. Other
 * bit depths and interlacing are refused with the reason (re-save the image as 8-bit, non-interlaced).
 */
export function decodePng(bytes: Uint8Array, what: string): DecodedImage {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new Error(`${what}: not a PNG file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 8;
  let width = 0, height = 0, depth = 0, color = -1, interlace = 0;
  let palette: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  while (o + 8 <= bytes.length) {
    const len = view.getUint32(o);
    const type = String.fromCharCode(...bytes.subarray(o + 4, o + 8));
    const body = bytes.subarray(o + 8, o + 8 + len);
    if (type === 'IHDR') {
      width = view.getUint32(o + 8);
      height = view.getUint32(o + 12);
      depth = bytes[o + 16]!;
      color = bytes[o + 17]!;
      interlace = bytes[o + 20]!;
    } else if (type === 'PLTE') palette = body;
    else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    o += 12 + len;
  }
  if (depth !== 8) throw new Error(`${what}: PNG bit depth ${depth} is not supported (8-bit images only)`);
  if (interlace) throw new Error(`${what}: interlaced PNGs are not supported; save it without interlacing`);
  const samples = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[color];
  if (!samples) throw new Error(`${what}: PNG color type ${color} is not known`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * samples;
  if (raw.length < height * (stride + 1)) throw new Error(`${what}: PNG image data is truncated`);
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= samples ? px[row + x - samples]! : 0;
      const b = y > 0 ? px[row - stride + x]! : 0;
      const c = x >= samples && y > 0 ? px[row - stride + x - samples]! : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`${what}: PNG filter ${filter} is not known`);
      px[row + x] = (raw[src + x]! + pred) & 0xff;
    }
  }
  if (color !== 3) return { width, height, channels: samples, data: px };
  if (!palette) throw new Error(`${what}: palette PNG without a PLTE chunk`);
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) rgb.set(palette.subarray(px[i]! * 3, px[i]! * 3 + 3), i * 3);
  return { width, height, channels: 3, data: rgb };
}
