// Injected by esbuild (scripts/build-web.mjs) for free `process` references: engine modules read process.env
// for their settings (SUPPLE_CHECKS, SUPPLE_THREADS); in a browser none is set.

/** The `process` global as the engine modules see it in the browser. */
export const process = { env: {} as Record<string, string | undefined>, platform: 'browser', versions: {} as Record<string, string> };
