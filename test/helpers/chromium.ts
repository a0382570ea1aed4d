import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/** The system Chromium the browser tests drive (SUPPLE_CHROMIUM overrides it). */
export const chromiumPath = process.env.SUPPLE_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Launches the system Chromium headless through playwright-core, or returns the reason it cannot (for
 * `t.skip(reason)`): no Chromium installed, or playwright-core missing.
 */
export async function launchChromium(): Promise<Browser | string> {
  if (!existsSync(chromiumPath)) return `no Chromium at ${chromiumPath}: install Debian's package 'chromium' (apt-get install chromium) or set SUPPLE_CHROMIUM`;
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    return 'playwright-core is not installed (a devDependency: npm ci)';
  }
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}
