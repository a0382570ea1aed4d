// Gym's Ant-v3 physics loop on native MuJoCo (C API), to check supple's WebAssembly Ant against it (bench/antNative.ts).
// Usage: antNative MODEL.xml < input
//   input "-N": N env steps of LCG random controls (reset on z outside [0.2, 1] or after 1000 steps); prints statistics.
//   input "N qpos(nq) qvel(nv) ctrl(N x nu)": from that state, N env steps; prints per step torso xy, qpos, qvel, cfrc_ext.
#include <mujoco/mujoco.h>
#include <stdio.h>
#include <time.h>

static void env_step(const mjModel* m, mjData* d) {
  for (int k = 0; k < 5; k++) mj_step(m, d);
  mj_rnePostConstraint(m, d);
}

int main(int argc, char** argv) {
  char err[1000];
  if (argc < 2) return 2;
  mjModel* m = mj_loadXML(argv[1], NULL, err, sizeof err);
  if (!m) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  mjData* d = mj_makeData(m);
  int n;
  if (scanf("%d", &n) != 1) return 2;
  mj_resetData(m, d);
  if (n < 0) {
    n = -n;
    unsigned s = 1;
    int len = 0, episodes = 0;
    double zsum = 0, con = 0;
    mj_forward(m, d);
    clock_t t0 = clock();
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m->nu; j++) {
        s = s * 1664525u + 1013904223u;
        d->ctrl[j] = (s >> 8) / 8388608.0 - 1.0;
      }
      env_step(m, d);
      double z = d->qpos[2];
      zsum += z;
      con += d->ncon;
      if (++len >= 1000 || !(z >= 0.2 && z <= 1.0)) {
        len = 0;
        episodes++;
        mj_resetData(m, d);
        mj_forward(m, d);
      }
    }
    double cpu = (double)(clock() - t0) / CLOCKS_PER_SEC;
    printf("{\"version\":\"%s\",\"stepsPerCpuS\":%.1f,\"episodes\":%d,\"meanLength\":%.2f,\"meanZ\":%.5f,\"meanContacts\":%.4f}\n",
           mj_versionString(), n / cpu, episodes, (double)n / episodes, zsum / n, con / n);
    return 0;
  }
  for (int i = 0; i < m->nq; i++) scanf("%lf", &d->qpos[i]);
  for (int i = 0; i < m->nv; i++) scanf("%lf", &d->qvel[i]);
  mj_forward(m, d);
  for (int t = 0; t < n; t++) {
    for (int j = 0; j < m->nu; j++) scanf("%lf", &d->ctrl[j]);
    env_step(m, d);
    printf("%.17g %.17g", d->xpos[3], d->xpos[4]);
    for (int i = 0; i < m->nq; i++) printf(" %.17g", d->qpos[i]);
    for (int i = 0; i < m->nv; i++) printf(" %.17g", d->qvel[i]);
    for (int i = 0; i < 6 * m->nbody; i++) printf(" %.17g", d->cfrc_ext[i]);
    printf("\n");
  }
  mj_deleteData(d);
  mj_deleteModel(m);
  return 0;
}
