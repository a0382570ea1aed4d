import type { MainModule } from 'mujoco';

/** The MuJoCo WebAssembly module (npm `mujoco`, DeepMind's official bindings): MjModel, MjData, mj_step ... */
export type MujocoModule = MainModule;

/** Where the MuJoCo module comes from: an npm specifier resolved from supple's own folder (`mujoco` by default). */
export interface LoadMujocoOptions {
  readonly specifier?: string;
}

const loaded = new Map<string, Promise<MujocoModule>>();

/**
 * Loads (once per thread and specifier) MuJoCo compiled to WebAssembly. Every env of a thread shares the module, and
 * so its heap (at most 2 GiB; an Ant's MjData takes a few MB). A missing package is an error that says what to install.
 */
export function loadMujoco(options: LoadMujocoOptions = {}): Promise<MujocoModule> {
  const specifier = options.specifier ?? 'mujoco';
  let p = loaded.get(specifier);
  if (!p) {
    p = start(specifier);
    // A failed load is not cached, so installing the package and trying again works in the same process.
    p.catch(() => loaded.delete(specifier));
    loaded.set(specifier, p);
  }
  return p;
}

async function start(specifier: string): Promise<MujocoModule> {
  let factory: unknown;
  try {
    factory = ((await import(specifier)) as { default?: unknown }).default;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new Error(
        `MuJoCo: the WebAssembly module '${specifier}' is not installed, and the MuJoCo environments (Ant-v3) need it: ` +
          (specifier === 'mujoco' ? "run `npm install mujoco` in supple's folder (a dependency of supple, which `npm ci` installs)" : `run \`npm install ${specifier}\``),
      );
    }
    throw new Error(`MuJoCo: importing '${specifier}' failed: ${(e as Error).message}`);
  }
  if (typeof factory !== 'function') {
    throw new Error(`MuJoCo: '${specifier}' has no default export that starts the WebAssembly module (got ${typeof factory}); supple expects npm 'mujoco' >= 3.1`);
  }
  let mj: MujocoModule;
  try {
    mj = (await (factory as () => Promise<MujocoModule>)()) as MujocoModule;
  } catch (e) {
    throw new Error(`MuJoCo: the WebAssembly module of '${specifier}' failed to start: ${(e as Error).message}`);
  }
  if (typeof mj.MjModel?.mj_loadXML !== 'function' || typeof mj.mj_step !== 'function') {
    throw new Error(`MuJoCo: '${specifier}' lacks MjModel.mj_loadXML or mj_step; supple expects the API of npm 'mujoco' >= 3.1`);
  }
  return mj;
}

/**
 * Why MuJoCo cannot be used here, or null when it loads: what a test prints when it skips.
 */
export async function mujocoUnavailable(options: LoadMujocoOptions = {}): Promise<string | null> {
  try {
    await loadMujoco(options);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}
