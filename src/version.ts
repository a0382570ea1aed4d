import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package version (from package.json), recorded in every run's config. */
export const version: string = (() => {
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      return (JSON.parse(readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8')) as { version: string }).version;
    } catch {
      // try the next location (dist/src/ or src/)
    }
  }
  return '0.0.0';
})();
