import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

/** The folder of supple's package.json (the shipped data/ folder lives there), found from this file upward. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'supple') return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('supple: cannot find the package folder (package.json named "supple") above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}
