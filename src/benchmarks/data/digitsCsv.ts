import { gunzipSync } from 'node:zlib';

/**
 * Parse scikit-learn's digits.csv(.gz): one image per line, 64 pixel values (0..16, row-major 8x8) then the
 * label. Returns pixels as bytes and labels.
 */
export function parseDigitsCsv(bytes: Uint8Array, what: string): { images: Uint8Array; labels: Int32Array; count: number } {
  // TextDecoder rather than Buffer: the playground parses the same file in a browser.
  const text = new TextDecoder('latin1').decode(bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes);
  const lines = text.split('\n').filter((l) => l.trim().length > 0);
  const images = new Uint8Array(lines.length * 64);
  const labels = new Int32Array(lines.length);
  lines.forEach((line, i) => {
    const cells = line.split(',');
    if (cells.length !== 65) throw new Error(`${what}: line ${i + 1} has ${cells.length} values, expected 65 (64 pixels and a label)`);
    for (let k = 0; k < 64; k++) {
      const v = Number(cells[k]);
      if (!Number.isInteger(v) || v < 0 || v > 16) throw new Error(`${what}: line ${i + 1}, pixel ${k}: ${cells[k]} is not an integer in 0..16`);
      images[i * 64 + k] = v;
    }
    const y = Number(cells[64]);
    if (!Number.isInteger(y) || y < 0 || y > 9) throw new Error(`${what}: line ${i + 1}: label ${cells[64]} is not a digit 0..9`);
    labels[i] = y;
  });
  return { images, labels, count: lines.length };
}
