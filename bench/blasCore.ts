// OpenBLAS's kernel choice as a setting of the bench, like PyTorch's threads and malloc. An environment can pin
// OpenBLAS's kernels with OPENBLAS_CORETYPE (this machine's sets Haswell: AVX2 kernels on a Zen 5 core that has
// AVX-512, where OpenBLAS's own detection picks Cooperlake). Both supple's native backend and PyTorch (its linear
// layers: Debian's torch calls the system BLAS) then run pinned. Where the environment pins it, the bench runs both
// sides as set and as detected (the variable removed), and the fastest counts for each side; measured on conv-b128
// (supple native, one run each, 2026-12-07): 23.3 steps/s as set, 32.0 detected; PyTorch's mlp-large-b256 at two
// threads: 6.6 as set, 8.6 detected (its convolutions run oneDNN, which ignores the variable: 21.0 and 19.3).

/** 'set': the environment as given; 'detected': without OPENBLAS_CORETYPE (OpenBLAS picks the kernels for the CPU). */
export type BlasCore = 'set' | 'detected';

/** The settings to run at: 'set', and 'detected' when the environment pins the kernels. */
export function blasCores(env: NodeJS.ProcessEnv = process.env): BlasCore[] {
  return env.OPENBLAS_CORETYPE ? ['set', 'detected'] : ['set'];
}

/** The environment of a run at `core` (a copy without OPENBLAS_CORETYPE for 'detected'). */
export function blasCoreEnv(core: BlasCore, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (core === 'set') return env;
  const e = { ...env };
  delete e.OPENBLAS_CORETYPE;
  return e;
}

