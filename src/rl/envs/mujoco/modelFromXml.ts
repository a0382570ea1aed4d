import type { MjModel } from 'mujoco';
import type { MujocoModule } from './loadMujoco.js';

let counter = 0;

/**
 * Compiles an MJCF model from its text. The WebAssembly module reads files only from its own in-memory file system,
 * so the text goes there under a fresh name and is removed after compiling (a model with includes or meshes would need
 * those files written beside it; the Ant has none). `label` names the model in errors.
 */
export function modelFromXml(mj: MujocoModule, xml: string, label: string): MjModel {
  const fs = mj.FS;
  try {
    fs.mkdir('/supple');
  } catch {
    // exists already
  }
  const path = `/supple/model-${counter++}.xml`;
  fs.writeFile(path, xml);
  try {
    return mj.MjModel.mj_loadXML(path);
  } catch (e) {
    throw new Error(`MuJoCo: cannot compile the model ${label}: ${(e as Error).message}`);
  } finally {
    fs.unlink(path);
  }
}
