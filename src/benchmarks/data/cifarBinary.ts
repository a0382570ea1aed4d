/**
 * CIFAR binary records: CIFAR-10 `<label><3072 pixel bytes>`, CIFAR-100 `<coarse label><fine label><3072
 * pixel bytes>`; the pixels are the red, green and blue 32x32 planes, row-major (already CHW).
 */
export interface CifarRecords {
  images: Uint8Array;
  labels: Int32Array;
  count: number;
}

const PIXELS = 3072;

/** Parse the records of one or more files. `labelBytes` is 1 (CIFAR-10) or 2 (CIFAR-100); `labelIndex` picks which label byte (CIFAR-100: 0 coarse, 1 fine). */
export function parseCifarBinary(files: readonly { bytes: Uint8Array; name: string }[], labelBytes: 1 | 2, labelIndex: number): CifarRecords {
  const record = labelBytes + PIXELS;
  let count = 0;
  for (const f of files) {
    if (f.bytes.length % record !== 0) {
      throw new Error(`${f.name}: ${f.bytes.length} bytes is not a whole number of ${record}-byte CIFAR records`);
    }
    count += f.bytes.length / record;
  }
  const images = new Uint8Array(count * PIXELS);
  const labels = new Int32Array(count);
  let i = 0;
  for (const f of files) {
    const n = f.bytes.length / record;
    for (let r = 0; r < n; r++, i++) {
      const at = r * record;
      labels[i] = f.bytes[at + labelIndex]!;
      images.set(f.bytes.subarray(at + labelBytes, at + record), i * PIXELS);
    }
  }
  return { images, labels, count };
}
