// supple's optional native backend: BLAS/LAPACK kernels for Node through N-API (C API only).
//
// Every function works in place on the caller's typed arrays, including Float32Arrays over the wasm backend's
// SharedArrayBuffer: napi_get_typedarray_info returns a pointer into the backing store, so nothing is copied.
// Arguments are checked here as well as in TypeScript: bad input throws a JS error, it never reaches BLAS.
//
// The BLAS/LAPACK symbols are declared here rather than taken from cblas.h/lapack.h, so that building needs only
// the library (Debian: libopenblas-dev; macOS: Accelerate) and no LAPACKE or per-distribution header paths.

#define NAPI_VERSION 8
#include <node_api.h>

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern "C" {
// CBLAS (enum arguments are ints in the C ABI).
void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, const float* a, int lda,
                 const float* b, int ldb, float beta, float* c, int ldc);
void cblas_sgemv(int order, int trans, int m, int n, float alpha, const float* a, int lda, const float* x, int incx,
                 float beta, float* y, int incy);
void cblas_sger(int order, int m, int n, float alpha, const float* x, int incx, const float* y, int incy, float* a,
                int lda);
void cblas_dsyrk(int order, int uplo, int trans, int n, int k, double alpha, const double* a, int lda, double beta,
                 double* c, int ldc);
// Fortran LAPACK (LP64). The trailing size_t are gfortran's hidden lengths of the CHARACTER arguments; other
// ABIs (Accelerate's CLAPACK) ignore extra trailing arguments.
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w, double* work,
             const int* lwork, int* iwork, const int* liwork, int* info, size_t, size_t);
void sgesdd_(const char* jobz, const int* m, const int* n, float* a, const int* lda, float* s, float* u,
             const int* ldu, float* vt, const int* ldvt, float* work, const int* lwork, int* iwork, int* info, size_t);
void dgesdd_(const char* jobz, const int* m, const int* n, double* a, const int* lda, double* s, double* u,
             const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork, int* iwork, int* info,
             size_t);
#ifndef __APPLE__
// OpenBLAS extensions; weak so that the addon also links against another BLAS (they are then null).
void openblas_set_num_threads(int) __attribute__((weak));
int openblas_get_num_threads(void) __attribute__((weak));
char* openblas_get_config(void) __attribute__((weak));
char* openblas_get_corename(void) __attribute__((weak));
#endif
}

enum { RowMajor = 101, NoTrans = 111, Trans = 112, Upper = 121 };

// Fortran indexes with 32-bit ints, so a matrix passed to LAPACK must have fewer than 2^31 elements.
static const double kMaxInt = 2147483647.0;

// ---------------------------------------------------------------------------------------------------------------
// Argument helpers: each returns false after throwing a JS error.

static bool fail(napi_env env, const char* fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, nullptr, msg);
  return false;
}

static bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value* argv, const char* fn) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return fail(env, "%s: cannot read arguments", fn);
  if (argc < want) return fail(env, "%s: expected %zu arguments, got %zu", fn, want, argc);
  return true;
}

static bool get_number(napi_env env, napi_value v, const char* fn, const char* name, double* out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return fail(env, "%s: %s must be a number", fn, name);
  napi_get_value_double(env, v, out);
  return true;
}

// Whether d, already known to lie in [-2^53, 2^53], is a whole number: a conversion instead of libm's floor (and
// fmod), which the baseline build calls for every size and offset of every kernel call (2% of an online step).
static inline bool whole(double d) { return (double)(int64_t)d == d; }

// An integer in [min, 2^31 - 1].
static bool get_dim(napi_env env, napi_value v, const char* fn, const char* name, int min, int* out) {
  double d;
  if (!get_number(env, v, fn, name, &d)) return false;
  if (!(d >= min && d <= kMaxInt && whole(d)))
    return fail(env, "%s: %s = %g must be an integer in [%d, 2^31 - 1]", fn, name, d, min);
  *out = (int)d;
  return true;
}

static bool get_bool(napi_env env, napi_value v, const char* fn, const char* name, bool* out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_boolean) return fail(env, "%s: %s must be a boolean", fn, name);
  napi_get_value_bool(env, v, out);
  return true;
}

struct Array {
  void* data;
  size_t length;  // elements
  napi_typedarray_type type;
};

static const char* type_name(napi_typedarray_type t) {
  return t == napi_float32_array ? "Float32Array" : t == napi_float64_array ? "Float64Array" : "another typed array";
}

// A Float32Array or Float64Array (`want` = the one required, or -1 for either) with at least `needed` elements.
static bool get_array(napi_env env, napi_value v, const char* fn, const char* name, int want, uint64_t needed, Array* out) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (!is)
    return fail(env, "%s: %s must be a %s", fn, name,
                want == napi_float64_array ? "Float64Array" : want == napi_float32_array ? "Float32Array" : "Float32Array or Float64Array");
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &out->type, &out->length, &out->data, &buffer, &offset) != napi_ok)
    return fail(env, "%s: cannot read %s", fn, name);
  bool float_type = out->type == napi_float32_array || out->type == napi_float64_array;
  if ((want >= 0 && out->type != want) || (want < 0 && !float_type))
    return fail(env, "%s: %s must be a %s, got %s", fn, name,
                want == napi_float64_array ? "Float64Array" : want == napi_float32_array ? "Float32Array" : "Float32Array or Float64Array",
                type_name(out->type));
  if ((uint64_t)out->length < needed)
    return fail(env, "%s: %s holds %zu values but %llu are needed", fn, name, out->length, (unsigned long long)needed);
  if (needed > 0 && out->data == nullptr) return fail(env, "%s: %s has no data (detached buffer?)", fn, name);
  return true;
}

static bool overlaps(const void* p, size_t pbytes, const void* q, size_t qbytes) {
  uintptr_t a = (uintptr_t)p, b = (uintptr_t)q;
  return a < b + qbytes && b < a + pbytes;
}

static size_t elem_size(const Array& a) { return a.type == napi_float64_array ? 8 : 4; }

// A new Float64Array of n values; *data points at its storage.
static napi_value new_f64(napi_env env, size_t n, double** data) {
  napi_value ab, ta;
  void* p = nullptr;
  if (napi_create_arraybuffer(env, n * sizeof(double), &p, &ab) != napi_ok) return nullptr;
  if (napi_create_typedarray(env, napi_float64_array, n, ab, 0, &ta) != napi_ok) return nullptr;
  *data = (double*)p;
  return ta;
}

static bool all_finite_f64(const double* a, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(a[i])) return false;
  return true;
}

static bool all_finite_f32(const float* a, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(a[i])) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------------------------
// Vector kernels for one example (online learning): the forward product of a layer and its SGD-fused weight
// update. They run on the calling thread below layer_split_from weights (below): OpenBLAS's sgemv/sger wake its
// threads from ~9k elements, and on a 2-core machine the hand-off cost more than it saved (and left its threads
// spinning). Each is compiled for AVX-512 and AVX2 as well as the baseline and picked at run time, so the build
// never assumes its own machine's CPU. On a 100 x 784 layer (Zen 4): dot_rows 2.9 us against sgemv's 3.4 on one
// thread; rank1_update on half the rows 1.8 us against sger's 3.3-3.5 on two threads.

// From this many weights (a matrix larger than a core's L2 cache: 1 MiB) a vector-shaped product (sgemm with one row
// or column, or an outer product) goes to the BLAS on several threads.
static const size_t kThreadedFrom = (size_t)1 << 18;
// OpenBLAS threads a product from a small fixed size (sgemm from 2^18 multiply-adds, sgemv and sger from ~9k
// elements). On a 2-core machine waking the second thread for a small product cost more than it saved, and left
// it spinning: a batch-16 MLP run (lyle-random-labels-laptop) took 3 min 17 s on 2 threads beside another job and
// 1 min 18 s on 1. So matrix products below this many multiply-adds run on one thread.
static const double kThreadedGemmFrom = (double)(1 << 22);

static int current_threads();
// The thread count asked for by setThreads (or the library's own, read at first use), and the one in effect.
static int configured_threads = 0, active_threads = 0;
static int blas_threads() {
  if (configured_threads == 0) configured_threads = active_threads = current_threads();
  return configured_threads;
}
// Before a BLAS call of `work` (multiply-adds, or elements for vector shapes): all the threads from `from` up,
// else one. Switching costs ~0.05 us, and only happens when the kind of product changes.
static void use_threads_for(double work, double from) {
#ifndef __APPLE__
  if (!openblas_set_num_threads) return;
  int want = work >= from ? blas_threads() : 1;
  if (want < 1) want = 1;
  if (want != active_threads) {
    openblas_set_num_threads(want);
    active_threads = want;
  }
#else
  (void)work;
  (void)from;
#endif
}
static bool blas_threaded(size_t weights) { return weights >= kThreadedFrom && blas_threads() > 1; }
// From this many weights one example's dense layer (linear_forward1, linear_backward1, the whole-step kernels) is split
// between this thread and a helper (on_two_threads) when the BLAS may use several threads. A round trip to the helper
// costs 24-60 us on a 2-vCPU VM (waking an idle vCPU), so only layers whose pass takes much longer gain. Steps/s of
// the 784-W-W-W-10 net at batch 1 (bench/scaleChild.ts, native, SUPPLE_THREADS 1 against 2 with the split from 2^18):
// W = 1000: 3580-3627 against 1026-2226; 2000: 302-497 against 422-693; 3000: 171 / 199; 5000: 64 / 99; 10000 (the
// scale bench): 20.8 / 33.1. So from 2^23 (a 3000x3000 layer, not 2000x2000). setLayerSplitFrom changes it (tests).
static size_t layer_split_from = (size_t)1 << 23;
static bool layer_split(size_t weights) { return weights >= layer_split_from && blas_threads() > 1; }

// y[r] = alpha dot(w[r, :], x) + beta y[r] for r < rows (w [rows, n]); beta = 0 ignores y.
typedef void (*DotRowsFn)(int rows, int n, float alpha, const float* w, const float* x, float beta, float* y);
// c[i, :] += (alpha a[i]) b for c [m, n], skipping rows with a[i] = 0: with ReLU the gradient of every unit the
// example switched off is exactly zero, and sger would still read and write its row.
typedef void (*Rank1Fn)(int m, int n, float alpha, const float* a, const float* __restrict b, float* __restrict c);

static inline void put_dot(float* y, float s, float alpha, float beta) { *y = beta == 0 ? alpha * s : alpha * s + beta * *y; }

#define RANK1_BODY                                    \
  for (int i = 0; i < m; i++) {                       \
    if (a[i] == 0) continue;                          \
    const float s = alpha * a[i];                     \
    float* __restrict ci = c + (size_t)i * n;         \
    for (int j = 0; j < n; j++) ci[j] += s * b[j];    \
  }

static void dot_rows_baseline(int rows, int n, float alpha, const float* w, const float* x, float beta, float* y) {
  for (int r = 0; r < rows; r++) {
    const float* wr = w + (size_t)r * n;
    float s = 0;
    for (int j = 0; j < n; j++) s += wr[j] * x[j];
    put_dot(y + r, s, alpha, beta);
  }
}
static void rank1_baseline(int m, int n, float alpha, const float* a, const float* __restrict b, float* __restrict c) {
  RANK1_BODY
}

// One example through a dense layer, y = W x + b with W [out, in], backward in one sweep over W:
//   dx = dy W from W before the update (dx null: not wanted); wbuf = alpha dy x^T + beta wbuf (null: none; wbuf may
//   be W, SGD fused into the backward pass); bb = balpha dy + bbeta bb (null: none). Rows with dy[i] = 0 are skipped
//   when beta = 1. beta = 0 and bbeta = 0 ignore the old contents. The helpers are inlined into each instruction-set
//   variant below and vectorized there.
#define SUPPLE_INLINE static inline __attribute__((always_inline))
SUPPLE_INLINE void fused_row(int n, float d, float s, const float* __restrict x, float* __restrict w, float* __restrict dx) {
  for (int j = 0; j < n; j++) {
    const float wv = w[j];
    dx[j] += d * wv;
    w[j] = wv + s * x[j];
  }
}
// fused_row for four rows in order: dx += d_k w_k, w_k += (alpha d_k) x. One element k (n0..n3 the new weights, a0..a3
// the old), shared with fused_rows4_counted:
#define SUPPLE_ROWS4_ELEMENT(k)                                                    \
  const float a0 = w0[k], a1 = w1[k], a2 = w2[k], a3 = w3[k], xv = x[k];         \
  float t = dx[k];                                                               \
  t += d0 * a0;                                                                  \
  t += d1 * a1;                                                                  \
  t += d2 * a2;                                                                  \
  t += d3 * a3;                                                                  \
  dx[k] = t;                                                                     \
  const float n0 = a0 + s0 * xv, n1 = a1 + s1 * xv, n2 = a2 + s2 * xv, n3 = a3 + s3 * xv; \
  w0[k] = n0;                                                                    \
  w1[k] = n1;                                                                    \
  w2[k] = n2;                                                                    \
  w3[k] = n3;
SUPPLE_INLINE void fused_rows4(int n, const float* d, float alpha, const float* __restrict x, float* __restrict w0,
                               float* __restrict w1, float* __restrict w2, float* __restrict w3, float* __restrict dx) {
  const float d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3];
  const float s0 = alpha * d0, s1 = alpha * d1, s2 = alpha * d2, s3 = alpha * d3;
  for (int j = 0; j < n; j++) {
    SUPPLE_ROWS4_ELEMENT(j)
  }
}
SUPPLE_INLINE void axpy_row(int n, float d, const float* __restrict w, float* __restrict dx) {
  for (int j = 0; j < n; j++) dx[j] += d * w[j];
}
SUPPLE_INLINE void update_row(int n, float s, const float* __restrict x, float beta, float* __restrict b) {
  if (beta == 1)
    for (int j = 0; j < n; j++) b[j] += s * x[j];
  else if (beta == 0)
    for (int j = 0; j < n; j++) b[j] = s * x[j];
  else
    for (int j = 0; j < n; j++) b[j] = s * x[j] + beta * b[j];
}
// b *= beta over n values; beta = 0 writes zeros (NaN included), as BLAS's beta = 0 ignores the old contents.
SUPPLE_INLINE void scale_row(size_t n, float beta, float* __restrict b) {
  if (beta == 0)
    memset(b, 0, n * 4);
  else
    for (size_t j = 0; j < n; j++) b[j] *= beta;
}
// The fused sweep (dx and SGD without decay) takes the rows with dy != 0 four at a time (fused_rows4): each value of
// dx is then loaded and stored once per four rows, and still sums the rows in ascending order. ROWS4 and ROW are the
// calls for four held rows and for one of the last few.
#define SUPPLE_FUSED_SWEEP(ROWS4, ROW)                                                        \
  float* held[4];                                                                             \
  float hd[4];                                                                                \
  int n = 0;                                                                                  \
  for (int i = 0; i < out; i++) {                                                             \
    const float d = dy[i];                                                                    \
    if (bb) bb[i] = bbeta == 0 ? balpha * d : balpha * d + bbeta * bb[i];                     \
    if (d == 0) continue;                                                                     \
    held[n] = w + (size_t)i * ld;                                                             \
    hd[n++] = d;                                                                              \
    if (n == 4) {                                                                             \
      ROWS4;                                                                                  \
      n = 0;                                                                                  \
    }                                                                                         \
  }                                                                                           \
  for (int k = 0; k < n; k++) ROW;
#define LINEAR_BACKWARD_BODY                                                                  \
  const bool fused = dx != nullptr && wbuf == w && beta == 1;                                 \
  if (dx) memset(dx, 0, (size_t)in * 4);                                                      \
  if (fused) {                                                                                \
    SUPPLE_FUSED_SWEEP(fused_rows4(in, hd, alpha, x, held[0], held[1], held[2], held[3], dx),  \
                       fused_row(in, hd[k], alpha * hd[k], x, held[k], dx))                   \
    return;                                                                                   \
  }                                                                                           \
  for (int i = 0; i < out; i++) {                                                             \
    const float d = dy[i];                                                                    \
    if (bb) bb[i] = bbeta == 0 ? balpha * d : balpha * d + bbeta * bb[i];                     \
    float* wr = w + (size_t)i * ld;                                                           \
    float* br = wbuf ? wbuf + (size_t)i * ld : nullptr;                                       \
    if (d == 0) {                                                                             \
      if (br && beta != 1) scale_row(in, beta, br);                                           \
      continue;                                                                               \
    }                                                                                         \
    const float s = alpha * d;                                                                \
    if (fused) {                                                                              \
      fused_row(in, d, s, x, wr, dx);                                                         \
      continue;                                                                               \
    }                                                                                         \
    if (dx) axpy_row(in, d, wr, dx);                                                          \
    if (br) update_row(in, s, x, beta, br);                                                   \
  }
// out[j] = sum_r |a[r, j]| for a [rows, cols], accumulated in float64 (continual backprop reads the outgoing weights'
// column sums every step). Row by row, so the matrix streams through once; acc holds cols doubles.
SUPPLE_INLINE void col_sums_abs_rows(int rows, int cols, const float* __restrict a, double* __restrict acc) {
  for (int r = 0; r < rows; r++) {
    const float* __restrict ar = a + (size_t)r * cols;
    for (int j = 0; j < cols; j++) acc[j] += (double)fabsf(ar[j]);
  }
}
typedef void (*ColSumsFn)(int rows, int cols, const float* __restrict a, double* __restrict acc);
// thin_product_lanes (below): lanes[m, n, 16] += A[:, p0:p1] B[:, p0:p1]^T by lanes, rows of ld values.
typedef void (*ThinProductFn)(int m, int n, size_t ld, const float* A, const float* B, int p0, int p1, float* lanes);
// column_blocks (below): columns [j0, j1) of C = alpha op(A) B for op(A) [m, k] and B [k, n], k <= kColumnBlocksMaxK.
static const int kColumnBlocksMaxK = 640;
typedef void (*ColumnBlocksFn)(bool ta, int m, int n, int k, float alpha, const float* A, const float* B, float* C, int j0,
                               int j1);
static void col_sums_abs_baseline(int rows, int cols, const float* __restrict a, double* __restrict acc) {
  col_sums_abs_rows(rows, cols, a, acc);
}

// The weight update of linear_backward without dx (the first layer) on k rows: w_i = (alpha dy_i) x + beta w_i, a row
// with dy_i = 0 skipped when beta = 1 (else scaled). denseReluStepDeferred1 applies a pending update with it.
#define APPLY_ROWS_BODY                                    \
  for (int i = 0; i < k; i++) {                            \
    const float d = dy[i];                                 \
    float* wr = w + (size_t)i * in;                        \
    if (d == 0) {                                          \
      if (beta != 1) scale_row(in, beta, wr);              \
      continue;                                            \
    }                                                      \
    update_row(in, alpha * d, x, beta, wr);                \
  }
typedef void (*ApplyRowsFn)(int k, int in, const float* dy, const float* x, float alpha, float beta, float* w);
static void apply_rows_baseline(int k, int in, const float* dy, const float* x, float alpha, float beta, float* w) { APPLY_ROWS_BODY }

typedef void (*LinearBackwardFn)(int out, int in, int ld, const float* dy, const float* x, float* w, float* dx, float alpha,
                                 float beta, float* wbuf, float balpha, float bbeta, float* bb);
static void linear_backward_baseline(int out, int in, int ld, const float* dy, const float* x, float* w, float* dx, float alpha,
                                     float beta, float* wbuf, float balpha, float bbeta, float* bb) {
  LINEAR_BACKWARD_BODY
}

// The update size of the same sweep (denseReluStep1's `changes`): each helper writes what its twin above writes, by
// the same expressions (so with the same contraction into fused multiply-adds), and returns sum |w_new - w_old| over
// what it wrote. The sums run in 16 float lanes (j mod 16) so that they vectorize, which are added pairwise (in float)
// before a row's sum joins the total in double (one scalar chain of 16 conversions and adds per row cost the
// 784-100x3-10 step ~0.35 us; taking the rows in fours as the uncounted sweep does saved ~0.3 us more).
#define SUPPLE_LANES 16
#define SUPPLE_COUNTED_LOOP(n, ...)                                     \
  float lane[SUPPLE_LANES] = {0};                                         \
  int j = 0;                                                              \
  for (; j + SUPPLE_LANES <= (n); j += SUPPLE_LANES)                      \
    for (int q = 0; q < SUPPLE_LANES; q++) {                              \
      const int k = j + q;                                                \
      float nv, ov;                                                       \
      __VA_ARGS__                                                         \
      lane[q] += fabsf(nv - ov);                                          \
    }                                                                     \
  for (int q = 0; q < 8; q++) lane[q] += lane[q + 8];                    \
  for (int q = 0; q < 4; q++) lane[q] += lane[q + 4];                    \
  const double sum = (lane[0] + lane[2]) + (lane[1] + lane[3]);           \
  float tail = 0;                                                         \
  for (; j < (n); j++) {                                                  \
    const int k = j;                                                      \
    float nv, ov;                                                         \
    __VA_ARGS__                                                           \
    tail += fabsf(nv - ov);                                               \
  }                                                                       \
  return sum + tail;
SUPPLE_INLINE double fused_row_counted(int n, float d, float s, const float* __restrict x, float* __restrict w,
                                       float* __restrict dx) {
  SUPPLE_COUNTED_LOOP(n, { const float wv = w[k]; dx[k] += d * wv; ov = wv; nv = wv + s * x[k]; w[k] = nv; })
}
// fused_rows4 with its update size: the four rows' |w_new - w_old| summed per element, then into the lanes.
SUPPLE_INLINE double fused_rows4_counted(int n, const float* d, float alpha, const float* __restrict x,
                                         float* __restrict w0, float* __restrict w1, float* __restrict w2,
                                         float* __restrict w3, float* __restrict dx) {
  const float d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3];
  const float s0 = alpha * d0, s1 = alpha * d1, s2 = alpha * d2, s3 = alpha * d3;
  SUPPLE_COUNTED_LOOP(n, {
    SUPPLE_ROWS4_ELEMENT(k)
    ov = 0;
    nv = (fabsf(n0 - a0) + fabsf(n1 - a1)) + (fabsf(n2 - a2) + fabsf(n3 - a3));
  })
}
SUPPLE_INLINE double update_row_counted(int n, float s, const float* __restrict x, float beta, float* __restrict b) {
  if (beta == 1) {
    SUPPLE_COUNTED_LOOP(n, { ov = b[k]; nv = ov + s * x[k]; b[k] = nv; })
  } else if (beta == 0) {
    SUPPLE_COUNTED_LOOP(n, { ov = b[k]; nv = s * x[k]; b[k] = nv; })
  } else {
    // Weight decay: update_row itself on chunks of the row kept before (s x + beta b has two products, and which one
    // the compiler fuses with the add is its choice: the same function makes the same choice).
    double sum = 0;
    float before[256];
    for (int j0 = 0; j0 < n; j0 += 256) {
      const int m = n - j0 < 256 ? n - j0 : 256;
      memcpy(before, b + j0, (size_t)m * 4);
      update_row(m, s, x + j0, beta, b + j0);
      float lane[SUPPLE_LANES] = {0};
      int j = 0;
      for (; j + SUPPLE_LANES <= m; j += SUPPLE_LANES)
        for (int q = 0; q < SUPPLE_LANES; q++) lane[q] += fabsf(b[j0 + j + q] - before[j + q]);
      for (int q = 0; q < SUPPLE_LANES; q++) sum += lane[q];
      for (; j < m; j++) sum += fabsf(b[j0 + j] - before[j]);
    }
    return sum;
  }
}
SUPPLE_INLINE double scale_row_counted(int n, float beta, float* __restrict b) {
  if (beta == 0) {
    SUPPLE_COUNTED_LOOP(n, { ov = b[k]; nv = 0; b[k] = 0; })
  } else {
    SUPPLE_COUNTED_LOOP(n, { ov = b[k]; nv = ov * beta; b[k] = nv; })
  }
}
// LINEAR_BACKWARD_BODY's sweep, returning the update size of W (wbuf == w, as the whole-step kernel calls it).
#define LINEAR_BACKWARD_COUNTED_BODY                                                          \
  const int ld = in;                                                                          \
  const bool fused = dx != nullptr && beta == 1;                                              \
  if (dx) memset(dx, 0, (size_t)in * 4);                                                      \
  double total = 0;                                                                           \
  if (fused) {                                                                                \
    SUPPLE_FUSED_SWEEP(total += fused_rows4_counted(in, hd, alpha, x, held[0], held[1], held[2], held[3], dx), \
                       total += fused_row_counted(in, hd[k], alpha * hd[k], x, held[k], dx))  \
    return total;                                                                             \
  }                                                                                           \
  for (int i = 0; i < out; i++) {                                                             \
    const float d = dy[i];                                                                    \
    if (bb) bb[i] = bbeta == 0 ? balpha * d : balpha * d + bbeta * bb[i];                     \
    float* wr = w + (size_t)i * in;                                                           \
    if (d == 0) {                                                                             \
      if (beta != 1) total += scale_row_counted(in, beta, wr);                                \
      continue;                                                                               \
    }                                                                                         \
    const float s = alpha * d;                                                                \
    if (dx) axpy_row(in, d, wr, dx);                                                          \
    total += update_row_counted(in, s, x, beta, wr);                                          \
  }                                                                                           \
  return total;
typedef double (*LinearBackwardCountedFn)(int out, int in, const float* dy, const float* x, float* w, float* dx,
                                          float alpha, float beta, float balpha, float bbeta, float* bb);
static double linear_backward_counted_baseline(int out, int in, const float* dy, const float* x, float* w, float* dx,
                                               float alpha, float beta, float balpha, float bbeta, float* bb) {
  LINEAR_BACKWARD_COUNTED_BODY
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// GCC 12 reports a false 'may be used uninitialized' inside _mm512_reduce_add_ps.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

// R rows of dot_rows_avx512 from row r: each row its own accumulator, the blocks of x that are all zero skipped.
// (GCC 12 reports the same false 'uninitialized' inside _mm512_reduce_add_ps here as at the include.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
template <int R>
__attribute__((target("avx512f"))) static inline void dot_rows_block_avx512(int r, int n, float alpha, const float* w,
                                                                           const float* x, __m512 tx, __mmask16 tail,
                                                                           float beta, float* y) {
  const int n16 = n & ~15;
  const float* wr = w + (size_t)r * n;
  __m512 a[R];
#pragma GCC unroll 8
  for (int q = 0; q < R; q++) a[q] = _mm512_setzero_ps();
  for (int j = 0; j < n16; j += 16) {
    const __m512 xv = _mm512_loadu_ps(x + j);
    if (_mm512_test_epi32_mask(_mm512_castps_si512(xv), _mm512_castps_si512(xv)) == 0) continue;
#pragma GCC unroll 8
    for (int q = 0; q < R; q++) a[q] = _mm512_fmadd_ps(_mm512_loadu_ps(wr + (size_t)q * n + j), xv, a[q]);
  }
  if (tail) {
#pragma GCC unroll 8
    for (int q = 0; q < R; q++) a[q] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, wr + (size_t)q * n + n16), tx, a[q]);
  }
#pragma GCC unroll 8
  for (int q = 0; q < R; q++) put_dot(y + r + q, _mm512_reduce_add_ps(a[q]), alpha, beta);
}
#pragma GCC diagnostic pop
// Eight rows (then four) share each load of x; a 16-wide block of x that is all zero (image borders, dead units)
// skips the cache lines of w it would multiply. Only the rows past the last multiple of four go one at a time,
// without the skip. Eight rows streaming at once against four (bench/addonAB.ts, the two builds alternated in one
// process): linearForward1 B/A 0.78-0.84 at 2000x2000 (0.97 in a first reading), 0.97-0.98 at 100x784 and 2000x784.
// Sixteen (50 KB of a 784-wide layer, more than L1) ran a step slower. Each row's sum is the same whatever the group.
__attribute__((target("avx512f"))) static void dot_rows_avx512(int rows, int n, float alpha, const float* w,
                                                               const float* x, float beta, float* y) {
  const int n16 = n & ~15;
  const __mmask16 tail = (__mmask16)((1u << (n & 15)) - 1);
  const __m512 tx = _mm512_maskz_loadu_ps(tail, x + n16);
  int r = 0;
  for (; r + 8 <= rows; r += 8) dot_rows_block_avx512<8>(r, n, alpha, w, x, tx, tail, beta, y);
  for (; r + 4 <= rows; r += 4) dot_rows_block_avx512<4>(r, n, alpha, w, x, tx, tail, beta, y);
  for (; r < rows; r++) {
    const float* w0 = w + (size_t)r * n;
    __m512 a0 = _mm512_setzero_ps();
    for (int j = 0; j < n16; j += 16) a0 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + j), _mm512_loadu_ps(x + j), a0);
    if (tail) a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w0 + n16), tx, a0);
    put_dot(y + r, _mm512_reduce_add_ps(a0), alpha, beta);
  }
}

__attribute__((target("avx2,fma"))) static inline float hsum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

__attribute__((target("avx2,fma"))) static void dot_rows_avx2(int rows, int n, float alpha, const float* w,
                                                             const float* x, float beta, float* y) {
  const int n8 = n & ~7;
  int r = 0;
  for (; r + 4 <= rows; r += 4) {
    const float *w0 = w + (size_t)r * n, *w1 = w0 + n, *w2 = w1 + n, *w3 = w2 + n;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int j = 0; j < n8; j += 8) {
      const __m256 xv = _mm256_loadu_ps(x + j);
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + j), xv, a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + j), xv, a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + j), xv, a2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + j), xv, a3);
    }
    float s0 = hsum256(a0), s1 = hsum256(a1), s2 = hsum256(a2), s3 = hsum256(a3);
    for (int j = n8; j < n; j++) {
      s0 += w0[j] * x[j];
      s1 += w1[j] * x[j];
      s2 += w2[j] * x[j];
      s3 += w3[j] * x[j];
    }
    put_dot(y + r, s0, alpha, beta);
    put_dot(y + r + 1, s1, alpha, beta);
    put_dot(y + r + 2, s2, alpha, beta);
    put_dot(y + r + 3, s3, alpha, beta);
  }
  if (r < rows) dot_rows_baseline(rows - r, n, alpha, w + (size_t)r * n, x, beta, y + r);
}

__attribute__((target("avx512f"))) static void rank1_avx512(int m, int n, float alpha, const float* a,
                                                            const float* __restrict b, float* __restrict c) {
  RANK1_BODY
}
__attribute__((target("avx2,fma"))) static void rank1_avx2(int m, int n, float alpha, const float* a,
                                                           const float* __restrict b, float* __restrict c) {
  RANK1_BODY
}

__attribute__((target("avx512f"))) static void linear_backward_avx512(int out, int in, int ld, const float* dy, const float* x,
                                                                      float* w, float* dx, float alpha, float beta,
                                                                      float* wbuf, float balpha, float bbeta, float* bb) {
  LINEAR_BACKWARD_BODY
}
__attribute__((target("avx2,fma"))) static void linear_backward_avx2(int out, int in, int ld, const float* dy, const float* x,
                                                                     float* w, float* dx, float alpha, float beta,
                                                                     float* wbuf, float balpha, float bbeta, float* bb) {
  LINEAR_BACKWARD_BODY
}
__attribute__((target("avx512f"))) static double linear_backward_counted_avx512(int out, int in, const float* dy,
                                                                               const float* x, float* w, float* dx,
                                                                               float alpha, float beta, float balpha,
                                                                               float bbeta, float* bb) {
  LINEAR_BACKWARD_COUNTED_BODY
}
__attribute__((target("avx2,fma"))) static double linear_backward_counted_avx2(int out, int in, const float* dy,
                                                                              const float* x, float* w, float* dx,
                                                                              float alpha, float beta, float balpha,
                                                                              float bbeta, float* bb) {
  LINEAR_BACKWARD_COUNTED_BODY
}

__attribute__((target("avx512f"))) static void apply_rows_avx512(int k, int in, const float* dy, const float* x, float alpha,
                                                                 float beta, float* w) {
  APPLY_ROWS_BODY
}
__attribute__((target("avx2,fma"))) static void apply_rows_avx2(int k, int in, const float* dy, const float* x, float alpha,
                                                               float beta, float* w) {
  APPLY_ROWS_BODY
}
__attribute__((target("avx512f"))) static void col_sums_abs_avx512(int rows, int cols, const float* __restrict a,
                                                                   double* __restrict acc) {
  col_sums_abs_rows(rows, cols, a, acc);
}
__attribute__((target("avx2,fma"))) static void col_sums_abs_avx2(int rows, int cols, const float* __restrict a,
                                                                  double* __restrict acc) {
  col_sums_abs_rows(rows, cols, a, acc);
}

// A thin product with a long reduction, C[m, n] = A[m, K] B[n, K]^T with m n small: a convolution's weight gradient,
// whose rows (one per output channel, one per im2col row) run over every pixel of the batch (conv-b128's first layer:
// 32 x 75 over 128 x 784). Each tile of MR rows of A and NR rows of B keeps MR x NR sums of 16 lanes in registers
// over a block of KC values of the reduction, then adds them to lanes[m, n, 16]; the caller adds the lanes up. The
// block of B (75 rows x 4 KiB) stays in L2 while every row tile of A passes over it. In a standalone C loop on one Zen 5
// core, OpenBLAS's sgemm read 33 GMAC/s on that product and this 52-55 (the reads of A and B from memory bound both).
template <int MR, int NR>
__attribute__((target("avx512f"), always_inline)) static inline void thin_tile(int kc, const float* A, const float* B,
                                                                               size_t ld, float* lanes, int n,
                                                                               __mmask16 tail) {
  __m512 acc[MR][NR];
  for (int r = 0; r < MR; r++)
    for (int c = 0; c < NR; c++) acc[r][c] = _mm512_setzero_ps();
  int p = 0;
  for (; p + 16 <= kc; p += 16) {
    __m512 a[MR];
    for (int r = 0; r < MR; r++) a[r] = _mm512_loadu_ps(A + r * ld + p);
    for (int c = 0; c < NR; c++) {
      const __m512 b = _mm512_loadu_ps(B + c * ld + p);
      for (int r = 0; r < MR; r++) acc[r][c] = _mm512_fmadd_ps(a[r], b, acc[r][c]);
    }
  }
  if (p < kc) {
    __m512 a[MR];
    for (int r = 0; r < MR; r++) a[r] = _mm512_maskz_loadu_ps(tail, A + r * ld + p);
    for (int c = 0; c < NR; c++) {
      const __m512 b = _mm512_maskz_loadu_ps(tail, B + c * ld + p);
      for (int r = 0; r < MR; r++) acc[r][c] = _mm512_fmadd_ps(a[r], b, acc[r][c]);
    }
  }
  for (int r = 0; r < MR; r++)
    for (int c = 0; c < NR; c++) {
      float* l = lanes + ((size_t)r * n + c) * 16;
      _mm512_storeu_ps(l, _mm512_add_ps(_mm512_loadu_ps(l), acc[r][c]));
    }
}
// MR rows of A against every row of B, six at a time (4 x 6 sums: 24 of the 32 vector registers).
template <int MR>
__attribute__((target("avx512f"), always_inline)) static inline void thin_rows(int n, int kc, const float* A, const float* B,
                                                                               size_t ld, float* lanes, __mmask16 tail) {
  int c = 0;
  for (; c + 6 <= n; c += 6) thin_tile<MR, 6>(kc, A, B + c * ld, ld, lanes + (size_t)c * 16, n, tail);
  const float* b = B + c * ld;
  float* l = lanes + (size_t)c * 16;
  switch (n - c) {
    case 5: thin_tile<MR, 5>(kc, A, b, ld, l, n, tail); break;
    case 4: thin_tile<MR, 4>(kc, A, b, ld, l, n, tail); break;
    case 3: thin_tile<MR, 3>(kc, A, b, ld, l, n, tail); break;
    case 2: thin_tile<MR, 2>(kc, A, b, ld, l, n, tail); break;
    case 1: thin_tile<MR, 1>(kc, A, b, ld, l, n, tail); break;
  }
}
// lanes[m, n, 16] += the products of A[:, p0:p1] and B[:, p0:p1] (rows of ld values), lane j holding the terms at
// positions p = j mod 16 of each block: the same sums, in the same order, wherever the range starts.
__attribute__((target("avx512f"))) static void thin_product_lanes_avx512(int m, int n, size_t ld, const float* A,
                                                                         const float* B, int p0, int p1, float* lanes) {
  const int KC = 1024;  // 4 KiB of each row: measured against 256-2048 on conv-b128's first layer
  for (int p = p0; p < p1; p += KC) {
    const int kc = p1 - p < KC ? p1 - p : KC;
    const __mmask16 tail = (__mmask16)((1u << (kc & 15)) - 1);
    int r = 0;
    for (; r + 4 <= m; r += 4) thin_rows<4>(n, kc, A + r * ld + p, B + p, ld, lanes + (size_t)r * n * 16, tail);
    const float* a = A + r * ld + p;
    float* l = lanes + (size_t)r * n * 16;
    switch (m - r) {
      case 3: thin_rows<3>(n, kc, a, B + p, ld, l, tail); break;
      case 2: thin_rows<2>(n, kc, a, B + p, ld, l, tail); break;
      case 1: thin_rows<1>(n, kc, a, B + p, ld, l, tail); break;
    }
  }
}

// sgemm NN and TN with beta = 0 by blocks of 32 columns of C: C[m, n] = alpha op(A)[m, k] B[k, n] for k <= 640. Each
// block of B is first copied into a contiguous buffer (80 KiB at most), then every eight rows of op(A) pass over it
// with 8 x 2 vectors of sums in registers. Copying matters where B's rows are far apart, as a convolution's im2col
// columns (conv-b128's first layer: 75 rows of 100352 values, whose blocks alias in L1 when read in place). Each value
// of C sums its k products in order, whichever thread takes its columns. Where it runs instead of OpenBLAS, and why:
// at own_product below.
template <int MR>
__attribute__((target("avx512f"), always_inline)) static inline void block_tile(int k, const float* A, size_t ars, size_t acs,
                                                                                const float* Bp, float* C, size_t ldc,
                                                                                __mmask16 m0, __mmask16 m1, float alpha) {
  __m512 acc0[MR], acc1[MR];
  for (int r = 0; r < MR; r++) acc0[r] = acc1[r] = _mm512_setzero_ps();
  for (int kk = 0; kk < k; kk++) {
    const __m512 b0 = _mm512_load_ps(Bp + kk * 32), b1 = _mm512_load_ps(Bp + kk * 32 + 16);
    for (int r = 0; r < MR; r++) {
      const __m512 a = _mm512_set1_ps(A[r * ars + kk * acs]);
      acc0[r] = _mm512_fmadd_ps(a, b0, acc0[r]);
      acc1[r] = _mm512_fmadd_ps(a, b1, acc1[r]);
    }
  }
  const __m512 va = _mm512_set1_ps(alpha);
  for (int r = 0; r < MR; r++) {
    _mm512_mask_storeu_ps(C + r * ldc, m0, _mm512_mul_ps(va, acc0[r]));
    _mm512_mask_storeu_ps(C + r * ldc + 16, m1, _mm512_mul_ps(va, acc1[r]));
  }
}
__attribute__((target("avx512f"))) static void column_blocks_avx512(bool ta, int m, int n, int k, float alpha, const float* A,
                                                                   const float* B, float* C, int j0, int j1) {
  const size_t ars = ta ? 1 : k, acs = ta ? m : 1;
  // Rows of C in panels of MC, each swept by every column block (B's blocks copied again per panel), so that a
  // block's rows of C lie on a few hundred pages, not thousands (2000x2000x256 TN: 163-173 GMAC/s with the whole
  // height at once, 174-178 so).
  const int MC = 256;
  alignas(64) float Bp[kColumnBlocksMaxK * 32];
  for (int i0 = 0; i0 < m; i0 += MC) {
    const int i1 = m - i0 < MC ? m : i0 + MC;
    for (int j = j0; j < j1; j += 32) {
      const int w = j1 - j < 32 ? j1 - j : 32;
      const __mmask16 m0 = w >= 16 ? 0xffff : (__mmask16)((1u << w) - 1);
      const __mmask16 m1 = w >= 32 ? 0xffff : w <= 16 ? 0 : (__mmask16)((1u << (w - 16)) - 1);
      for (int kk = 0; kk < k; kk++) {
        const float* b = B + (size_t)kk * n + j;
        _mm512_store_ps(Bp + kk * 32, _mm512_maskz_loadu_ps(m0, b));
        _mm512_store_ps(Bp + kk * 32 + 16, _mm512_maskz_loadu_ps(m1, b + 16));
        // The next-but-three block's lines of this row (measured: 50 GMAC/s on one core with it, 41-46 without).
        _mm_prefetch((const char*)(b + 128), _MM_HINT_T0);
        _mm_prefetch((const char*)(b + 144), _MM_HINT_T0);
      }
      float* c = C + j;
      int i = i0;
      for (; i + 8 <= i1; i += 8) block_tile<8>(k, A + i * ars, ars, acs, Bp, c + (size_t)i * n, n, m0, m1, alpha);
      const float* ai = A + i * ars;
      float* ci = c + (size_t)i * n;
      switch (i1 - i) {
        case 7: block_tile<7>(k, ai, ars, acs, Bp, ci, n, m0, m1, alpha); break;
        case 6: block_tile<6>(k, ai, ars, acs, Bp, ci, n, m0, m1, alpha); break;
        case 5: block_tile<5>(k, ai, ars, acs, Bp, ci, n, m0, m1, alpha); break;
        case 4: block_tile<4>(k, ai, ars, acs, Bp, ci, n, m0, m1, alpha); break;
        case 3: block_tile<3>(k, ai, ars, acs, Bp, ci, n, m0, m1, alpha); break;
        case 2: block_tile<2>(k, ai, ars, acs, Bp, ci, n, m0, m1, alpha); break;
        case 1: block_tile<1>(k, ai, ars, acs, Bp, ci, n, m0, m1, alpha); break;
      }
    }
  }
}

// SUPPLE_NATIVE_ISA=avx2|baseline caps the level (tests run every variant on one machine).
static int cpu_level() {
  __builtin_cpu_init();
  const char* cap = getenv("SUPPLE_NATIVE_ISA");
  const int max = cap && strcmp(cap, "baseline") == 0 ? 0 : cap && strcmp(cap, "avx2") == 0 ? 1 : 2;
  if (max >= 2 && __builtin_cpu_supports("avx512f")) return 2;
  if (max >= 1 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
  return 0;
}
static const int kCpuLevel = cpu_level();
// Without AVX2 the BLAS's own sgemv is used (a scalar loop would be slower); the baseline dot is for the tail rows.
static const DotRowsFn dot_rows = kCpuLevel == 2 ? dot_rows_avx512 : kCpuLevel == 1 ? dot_rows_avx2 : nullptr;
static const Rank1Fn rank1_update = kCpuLevel == 2 ? rank1_avx512 : kCpuLevel == 1 ? rank1_avx2 : rank1_baseline;
static const char* const kVectorKernels = kCpuLevel == 2 ? "AVX-512" : kCpuLevel == 1 ? "AVX2" : "baseline";
static const LinearBackwardFn linear_backward =
    kCpuLevel == 2 ? linear_backward_avx512 : kCpuLevel == 1 ? linear_backward_avx2 : linear_backward_baseline;
static const ApplyRowsFn apply_rows = kCpuLevel == 2 ? apply_rows_avx512 : kCpuLevel == 1 ? apply_rows_avx2 : apply_rows_baseline;
static const ColSumsFn col_sums_abs =
    kCpuLevel == 2 ? col_sums_abs_avx512 : kCpuLevel == 1 ? col_sums_abs_avx2 : col_sums_abs_baseline;
static const LinearBackwardCountedFn linear_backward_counted =
    kCpuLevel == 2   ? linear_backward_counted_avx512
    : kCpuLevel == 1 ? linear_backward_counted_avx2
                     : linear_backward_counted_baseline;
static const ThinProductFn thin_product_lanes = kCpuLevel == 2 ? thin_product_lanes_avx512 : nullptr;
static const ColumnBlocksFn column_blocks = kCpuLevel == 2 ? column_blocks_avx512 : nullptr;
#else
static const DotRowsFn dot_rows = nullptr;
static const Rank1Fn rank1_update = rank1_baseline;
static const char* const kVectorKernels = "baseline";
static const LinearBackwardFn linear_backward = linear_backward_baseline;
static const ColSumsFn col_sums_abs = col_sums_abs_baseline;
static const LinearBackwardCountedFn linear_backward_counted = linear_backward_counted_baseline;
static const ApplyRowsFn apply_rows = apply_rows_baseline;
static const ThinProductFn thin_product_lanes = nullptr;
static const ColumnBlocksFn column_blocks = nullptr;
#endif

// ---------------------------------------------------------------------------------------------------------------
// Kernels on a registered memory, taking byte offsets: for one example a layer's product takes 0.2-2 us, and
// reading a typed array's address through N-API costs tens of ns per argument where an integer costs a few.
// registerMemory(view, id) records the address and size of the wasm backend's shared memory (a shared
// WebAssembly.Memory grows in place, so its address never changes; the backend re-registers the new size after
// growing it). Every offset is checked against that size: a bad offset throws, it never reaches memory.

struct Memory {
  char* base;
  size_t bytes;
};
static Memory* memories = nullptr;
static int memory_count = 0;

// registerMemory(view: Float32Array over the whole memory, id: number (-1: a new one)) -> id
static napi_value RegisterMemory(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  const char* fn = "registerMemory";
  if (!get_args(env, info, 2, argv, fn)) return nullptr;
  Array a;
  double id;
  if (!get_array(env, argv[0], fn, "view", napi_float32_array, 0, &a) || !get_number(env, argv[1], fn, "id", &id)) return nullptr;
  int slot;
  if (id == -1) {
    Memory* grown = (Memory*)realloc(memories, sizeof(Memory) * (memory_count + 1));
    if (!grown) return fail(env, "%s: out of memory", fn), nullptr;
    memories = grown;
    slot = memory_count++;
  } else {
    if (!(id >= 0 && id < memory_count && id == floor(id))) return fail(env, "%s: id = %g is not a registered memory", fn, id), nullptr;
    slot = (int)id;
  }
  memories[slot].base = (char*)a.data;
  memories[slot].bytes = a.length * 4;
  napi_value r;
  napi_create_int32(env, slot, &r);
  return r;
}

// Reads integer arguments without type checks first (napi_get_value_double fails on a non-number).
struct OffsetArgs {
  napi_env env;
  const char* fn;
  Memory mem;
  bool ok = true;
  // Reads the n arguments into argv and the registered memory named by the first.
  bool begin(napi_callback_info info, size_t n, napi_value* argv) {
    if (!get_args(env, info, n, argv, fn)) return false;
    int32_t id;
    if (napi_get_value_int32(env, argv[0], &id) != napi_ok || id < 0 || id >= memory_count) return fail(env, "%s: not a registered memory", fn);
    mem = memories[id];
    return true;
  }
  bool number(napi_value v, const char* name, double* out) {
    if (napi_get_value_double(env, v, out) != napi_ok) return ok = fail(env, "%s: %s must be a number", fn, name);
    return true;
  }
  bool dim(napi_value v, const char* name, int* out) {
    double d;
    if (!number(v, name, &d)) return false;
    if (!(d >= 1 && d <= kMaxInt && whole(d))) return ok = fail(env, "%s: %s = %g must be an integer in [1, 2^31 - 1]", fn, name, d);
    *out = (int)d;
    return true;
  }
  // A float array of n values at a byte offset (-1: none, when allowed).
  bool array(napi_value v, const char* name, size_t n, bool optional, float** out) {
    double off;
    if (!number(v, name, &off)) return false;
    return at(off, name, n, optional, out);
  }
  // The same for an offset already read (denseReluStep1's layer records).
  bool at(double off, const char* name, size_t n, bool optional, float** out) {
    if (optional && off == -1) {
      *out = nullptr;
      return true;
    }
    if (!(off >= 0 && off + (double)n * 4 <= (double)mem.bytes && whole(off) && ((int64_t)off & 3) == 0))
      return ok = fail(env, "%s: %s at byte %g with %zu values is outside the registered memory (%zu bytes)", fn, name, off, n, mem.bytes);
    *out = (float*)(mem.base + (size_t)off);
    return true;
  }
};

// A helper thread for on_two_threads: started on first use and then parked on a condition variable between calls
// (creating and joining a thread per call cost ~50 us on a 2-vCPU VM, a round trip to a parked one 24-60 us).
// `busy` lets one caller use it at a time: a second thread of the process calling meanwhile runs both parts itself.
struct Helper {
  pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
  void (*fn)(void*) = nullptr;
  void* arg = nullptr;
  unsigned long job = 0, done = 0;
  int state = 0;  // 0: not started, 1: running, -1: could not start
};
static Helper helper;
static void* helper_main(void*) {
  pthread_mutex_lock(&helper.m);
  unsigned long seen = 0;
  for (;;) {
    while (helper.job == seen) pthread_cond_wait(&helper.cv, &helper.m);
    seen = helper.job;
    void (*fn)(void*) = helper.fn;
    void* arg = helper.arg;
    pthread_mutex_unlock(&helper.m);
    fn(arg);
    pthread_mutex_lock(&helper.m);
    helper.done = seen;
    pthread_cond_broadcast(&helper.cv);
  }
  return nullptr;
}

// Runs part(0) on the helper thread and part(1) on this one, and returns when both are done (both here when the
// helper is taken or cannot start).
template <class Part>
static void on_two_threads(Part& part) {
  if (pthread_mutex_trylock(&helper.busy) != 0) {
    part(0);
    part(1);
    return;
  }
  if (helper.state == 0) {
    pthread_t t;
    helper.state = pthread_create(&t, nullptr, helper_main, nullptr) == 0 ? 1 : -1;
    if (helper.state == 1) pthread_detach(t);
  }
  if (helper.state != 1) {
    part(0);
    part(1);
    pthread_mutex_unlock(&helper.busy);
    return;
  }
  pthread_mutex_lock(&helper.m);
  helper.fn = [](void* p) { (*(Part*)p)(0); };
  helper.arg = &part;
  const unsigned long id = ++helper.job;
  pthread_cond_broadcast(&helper.cv);
  pthread_mutex_unlock(&helper.m);
  part(1);
  pthread_mutex_lock(&helper.m);
  while (helper.done != id) pthread_cond_wait(&helper.cv, &helper.m);
  pthread_mutex_unlock(&helper.m);
  pthread_mutex_unlock(&helper.busy);
}

// part(0) and part(1) on two threads when the BLAS may use two (on_two_threads), else both here, the second half first
// as the caller's thread takes it there: the split products below give the same bits either way.
template <class Part>
static void on_halves(Part& part) {
  if (blas_threads() >= 2) on_two_threads(part);
  else {
    part(1);
    part(0);
  }
}

// A buffer kept between calls on its thread and grown as needed: fresh pages (zeroed by the system on first touch)
// cost a fault each, and what runs every training step should allocate nothing once warm. get returns null when out
// of memory.
template <class T>
struct KeptBuffer {
  T* data = nullptr;
  size_t cap = 0;
  T* get(size_t n) {
    if (cap < n) {
      free(data);
      data = (T*)malloc(n * sizeof(T));
      cap = data ? n : 0;
    }
    return data;
  }
};

// One example through a large layer (layer_split) on two threads of ours, with the one-thread kernels on halves:
// the product by rows (cut at a multiple of four, so the rows dot_rows takes one at a time are the same as on the
// whole matrix, and each sum is the one it makes there); the backward sweep by columns (each thread the same rows in
// the same order on its columns, so dx and W get the same values as from one sweep, and rows with dy = 0 are still
// skipped). OpenBLAS's sgemv + sger on two threads read W twice and wrote every row (784-2000x3-10 at batch 1: 295
// steps/s that way, ~500 with these kernels on one thread).
static void linear_forward1_halves(int out, int in, const float* x, const float* w, float beta, float* y) {
  const int r1 = (out / 2) & ~3;
  auto part = [&](int h) {
    const int r0 = h == 0 ? 0 : r1, rows = h == 0 ? r1 : out - r1;
    if (rows > 0) dot_rows(rows, in, 1, w + (size_t)r0 * in, x, beta, y + r0);
  };
  on_two_threads(part);
}

// y = W x + bias for one example (bias null: none).
static void linear_forward1(int out, int in, const float* x, const float* w, const float* bias, float* y) {
  if (bias) memmove(y, bias, (size_t)out * 4);
  if (dot_rows && !layer_split((size_t)out * in)) dot_rows(out, in, 1, w, x, bias ? 1 : 0, y);
  else if (dot_rows) linear_forward1_halves(out, in, x, w, bias ? 1 : 0, y);
  else {
    use_threads_for((double)out * in, (double)kThreadedFrom);
    cblas_sgemv(RowMajor, NoTrans, out, in, 1, w, in, x, 1, bias ? 1 : 0, y, 1);
  }
}

// The backward pass of one example through a dense layer (see LINEAR_BACKWARD_BODY); dx does not overlap w or wbuf.
static void linear_backward1(int out, int in, const float* dy, const float* x, float* w, float* dx, float alpha, float beta,
                             float* wbuf, float balpha, float bbeta, float* bb) {
  if (layer_split((size_t)out * in)) {
    // Columns [0, c1) and [c1, in), c1 a multiple of 16 (whole vectors); the bias with the first half.
    const int c1 = (in / 2) & ~15;
    auto part = [&](int h) {
      const int c0 = h == 0 ? 0 : c1, cols = h == 0 ? c1 : in - c1;
      if (cols > 0)
        linear_backward(out, cols, in, dy, x + c0, w + c0, dx ? dx + c0 : nullptr, alpha, beta, wbuf ? wbuf + c0 : nullptr,
                        balpha, bbeta, h == 0 ? bb : nullptr);
      else if (h == 0 && bb)
        for (int i = 0; i < out; i++) bb[i] = bbeta == 0 ? balpha * dy[i] : balpha * dy[i] + bbeta * bb[i];
    };
    on_two_threads(part);
  } else {
    linear_backward(out, in, in, dy, x, w, dx, alpha, beta, wbuf, balpha, bbeta, bb);
  }
}

// linear_forward1 after the pending update w = (alpha pdy) px^T + beta w (as linear_backward1 without dx applies it):
// where dot_rows runs, eight rows at a time (25 KB of a 784-wide layer) are updated and then multiplied while they
// are in L1 (a group of eight is dot_rows' own first group, and the rows it takes one at a time are the same as on
// the whole matrix, so each sum is the one it makes there); else the update, then the product.
static void linear_forward1_applying(int out, int in, const float* x, float* w, const float* bias, float* y, const float* px,
                                     const float* pdy, float alpha, float beta) {
  if (!(dot_rows && !layer_split((size_t)out * in))) {
    linear_backward1(out, in, pdy, px, w, nullptr, alpha, beta, w, 0, 0, nullptr);
    linear_forward1(out, in, x, w, bias, y);
    return;
  }
  if (bias) memmove(y, bias, (size_t)out * 4);
  for (int r = 0; r < out; r += 8) {
    const int k = out - r < 8 ? out - r : 8;
    float* wr = w + (size_t)r * in;
    apply_rows(k, in, pdy + r, px, alpha, beta, wr);
    dot_rows(k, in, 1, wr, x, bias ? 1 : 0, y + r);
  }
}

// linearForward1(memory, out, in, x, w, bias (-1: none), y): y = W x + bias for one example (offsets in bytes).
static napi_value LinearForward1(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  OffsetArgs g{env, "linearForward1", {}};
  if (!g.begin(info, 7, argv)) return nullptr;
  int out = 0, in = 0;
  float *x = nullptr, *w = nullptr, *bias = nullptr, *y = nullptr;
  if (!g.dim(argv[1], "out", &out) || !g.dim(argv[2], "in", &in) || !g.array(argv[3], "x", in, false, &x) ||
      !g.array(argv[4], "w", (size_t)out * in, false, &w) || !g.array(argv[5], "bias", out, true, &bias) ||
      !g.array(argv[6], "y", out, false, &y))
    return nullptr;
  linear_forward1(out, in, x, w, bias, y);
  return nullptr;
}

// linearBackward1(memory, out, in, dy, x, w, dx, alpha, beta, wbuf, balpha, bbeta, bb): the backward pass above
// (offsets in bytes; -1 for a dx, wbuf or bb that is not wanted).
static napi_value LinearBackward1(napi_env env, napi_callback_info info) {
  napi_value argv[13];
  OffsetArgs g{env, "linearBackward1", {}};
  if (!g.begin(info, 13, argv)) return nullptr;
  int out = 0, in = 0;
  float *dy = nullptr, *x = nullptr, *w = nullptr, *dx = nullptr, *wbuf = nullptr, *bb = nullptr;
  double a = 0, b = 0, ba = 0, bbt = 0;
  if (!g.dim(argv[1], "out", &out) || !g.dim(argv[2], "in", &in) || !g.array(argv[3], "dy", out, false, &dy) ||
      !g.array(argv[4], "x", in, false, &x) || !g.array(argv[5], "w", (size_t)out * in, false, &w) ||
      !g.array(argv[6], "dx", in, true, &dx) || !g.number(argv[7], "alpha", &a) || !g.number(argv[8], "beta", &b) ||
      !g.array(argv[9], "wbuf", (size_t)out * in, true, &wbuf) || !g.number(argv[10], "balpha", &ba) ||
      !g.number(argv[11], "bbeta", &bbt) || !g.array(argv[12], "bb", out, true, &bb))
    return nullptr;
  const float alpha = (float)a, beta = (float)b, balpha = (float)ba, bbeta = (float)bbt;
  // dx must not overlap what the pass writes or reads after writing.
  if (dx && (overlaps(dx, (size_t)in * 4, w, (size_t)out * in * 4) || (wbuf && overlaps(dx, (size_t)in * 4, wbuf, (size_t)out * in * 4))))
    return fail(env, "linearBackward1: dx overlaps the weights"), nullptr;
  linear_backward1(out, in, dy, x, w, dx, alpha, beta, wbuf, balpha, bbeta, bb);
  return nullptr;
}

// denseReluStep1(memory, layers, desc, coefs, x, label, dlogits, scratchA, scratchB, changes) -> loss: one SGD step of one
// example through a stack of dense layers with ReLU between them and softmax cross-entropy (Backend.denseReluStep),
// the whole step in one call. desc: per layer 8 int32 (out, in, then the byte offsets of w, bias (0: none), pre,
// post (0: the last layer), 2 unused); coefs: 4 float64 per layer (weight alpha, beta, bias alpha, beta); scratchA
// and scratchB each hold the widest hidden layer's input gradient. Every offset is checked before anything is
// written. The layers use the kernels of linearForward1 / linearBackward1; the loss is computed in float64. changes
// (-1: none; not with deferred): `layers` float64 set to each layer's update size, sum |w_new - w_old| over its weights.
static napi_value dense_relu_step(napi_env env, napi_callback_info info, bool deferred) {
  napi_value argv[13];
  const char* fn = deferred ? "denseReluStepDeferred1" : "denseReluStep1";
  OffsetArgs g{env, fn, {}};
  if (!g.begin(info, deferred ? 13 : 10, argv)) return nullptr;
  int layers = 0;
  if (!g.dim(argv[1], "layers", &layers)) return nullptr;
  if (layers > 64) return fail(env, "%s: layers = %d; at most 64", fn, layers), nullptr;
  float* descf = nullptr;
  if (!g.array(argv[2], "desc", (size_t)8 * layers, false, &descf)) return nullptr;
  const int32_t* desc = (const int32_t*)descf;
  float* coefsf = nullptr;
  if (!g.array(argv[3], "coefs", (size_t)8 * layers, false, &coefsf)) return nullptr;
  if (((uintptr_t)coefsf & 7) != 0) return fail(env, "%s: coefs is not 8-byte aligned", fn), nullptr;
  const double* coefs = (const double*)coefsf;
  struct L {
    int out, in;
    float *w, *b, *pre, *post;
  } ls[64];
  int widest = 0;
  for (int l = 0; l < layers; l++) {
    const int32_t* d = desc + 8 * l;
    L& q = ls[l];
    q.out = d[0];
    q.in = d[1];
    if (q.out < 1 || q.in < 1 || (l > 0 && q.in != ls[l - 1].out))
      return fail(env, "%s: layer %d has sizes %d x %d that do not chain", fn, l, q.out, q.in), nullptr;
    if (!g.at(d[2], "w", (size_t)q.out * q.in, false, &q.w) || !g.at(d[3] == 0 ? -1 : d[3], "bias", q.out, true, &q.b) ||
        !g.at(d[4], "pre", q.out, false, &q.pre))
      return nullptr;
    q.post = nullptr;
    if (l < layers - 1) {
      if (!g.at(d[5], "post", q.out, false, &q.post)) return nullptr;
      if (q.out > widest) widest = q.out;
    }
  }
  float *x = nullptr, *label = nullptr, *dlogits = nullptr, *sa = nullptr, *sb = nullptr;
  const int classes = ls[layers - 1].out;
  if (!g.array(argv[4], "x", ls[0].in, false, &x) || !g.array(argv[5], "label", 1, false, &label) ||
      !g.array(argv[6], "dlogits", classes, false, &dlogits) || !g.array(argv[7], "scratchA", widest, false, &sa) ||
      !g.array(argv[8], "scratchB", widest, false, &sb))
    return nullptr;
  float* changesf = nullptr;
  if (!deferred && !g.array(argv[9], "changes", (size_t)2 * layers, true, &changesf)) return nullptr;
  if (((uintptr_t)changesf & 7) != 0) return fail(env, "%s: changes is not 8-byte aligned", fn), nullptr;
  double* changes = (double*)changesf;
  float* pending = nullptr;
  double pal = 0, pbt = 1, apply = 0;
  if (deferred && (!g.array(argv[9], "pending", (size_t)ls[0].in + ls[0].out, false, &pending) || !g.number(argv[10], "pendingAlpha", &pal) ||
                   !g.number(argv[11], "pendingBeta", &pbt) || !g.number(argv[12], "apply", &apply)))
    return nullptr;
  float* pdy = pending ? pending + ls[0].in : nullptr;
  const float lf = *label;
  if (!(lf >= 0 && lf < classes && whole(lf))) return fail(env, "%s: label %g is not a class index in [0, %d)", fn, lf, classes), nullptr;
  const int c = (int)lf;
  // forward
  const float* h = x;
  for (int l = 0; l < layers; l++) {
    const L& q = ls[l];
    if (l == 0 && apply != 0) linear_forward1_applying(q.out, q.in, h, q.w, q.b, q.pre, pending, pdy, (float)pal, (float)pbt);
    else linear_forward1(q.out, q.in, h, q.w, q.b, q.pre);
    if (q.post) {
      for (int j = 0; j < q.out; j++) q.post[j] = q.pre[j] > 0 ? q.pre[j] : 0;
      h = q.post;
    }
  }
  // softmax cross-entropy (as the reference: float64 sums, d = exp(l - lse) - onehot; a NaN logit makes all NaN)
  const float* logits = ls[layers - 1].pre;
  double mx = -INFINITY;
  for (int j = 0; j < classes; j++) mx = fmax(mx, (double)logits[j]);
  double z = 0;
  for (int j = 0; j < classes; j++) z += exp((double)logits[j] - mx);
  const double lse = mx + log(z);
  const double loss = lse - (double)logits[c];
  for (int j = 0; j < classes; j++) dlogits[j] = (float)(exp((double)logits[j] - lse) - (j == c ? 1 : 0));
  // backward
  const float* dy = dlogits;
  for (int l = layers - 1; l >= 0; l--) {
    const L& q = ls[l];
    const double* k = coefs + 4 * l;
    const float* hin = l == 0 ? x : ls[l - 1].post;
    float* dx = l == 0 ? nullptr : (l & 1 ? sb : sa);
    if (l == 0 && deferred) {
      // The bias now; the weights' update is left pending (its input and output gradient).
      linear_backward1(q.out, q.in, dy, hin, q.w, nullptr, 0, 1, nullptr, (float)k[2], (float)k[3], q.b);
      memmove(pending, x, (size_t)q.in * 4);
      memmove(pdy, dy, (size_t)q.out * 4);
      break;
    }
    if (changes && !layer_split((size_t)q.out * q.in)) {
      changes[l] = linear_backward_counted(q.out, q.in, dy, hin, q.w, dx, (float)k[0], (float)k[1], (float)k[2], (float)k[3], q.b);
    } else if (changes) {
      // The update size on the two-thread path: the rows the update writes (all under weight decay, else those
      // with a gradient) are kept before it and diffed after it.
      const bool all = (float)k[1] != 1;
      size_t rows = 0;
      for (int i = 0; i < q.out; i++) rows += all || dy[i] != 0;
      static thread_local KeptBuffer<float> kept;
      float* before = kept.get(rows * q.in);
      if (!before) return fail(env, "denseReluStep1: out of memory"), nullptr;
      float* o = before;
      for (int i = 0; i < q.out; i++)
        if (all || dy[i] != 0) memcpy(o, q.w + (size_t)i * q.in, (size_t)q.in * 4), o += q.in;
      // dy is read again below: the kernel does not write it (dx is another buffer).
      linear_backward1(q.out, q.in, dy, hin, q.w, dx, (float)k[0], (float)k[1], q.w, (float)k[2], (float)k[3], q.b);
      double sum = 0;
      o = before;
      for (int i = 0; i < q.out; i++) {
        if (!(all || dy[i] != 0)) continue;
        const float* wr = q.w + (size_t)i * q.in;
        float part = 0;
        for (int j = 0; j < q.in; j++) part += fabsf(wr[j] - o[j]);
        sum += part;
        o += q.in;
      }
      changes[l] = sum;
    } else
      linear_backward1(q.out, q.in, dy, hin, q.w, dx, (float)k[0], (float)k[1], q.w, (float)k[2], (float)k[3], q.b);
    if (dx) {
      const float* zb = ls[l - 1].pre;
      for (int j = 0; j < q.in; j++) dx[j] = (zb[j] > 0 ? 1.0f : 0.0f) * dx[j];
      dy = dx;
    }
  }
  napi_value r;
  napi_create_double(env, loss, &r);
  return r;
}

static napi_value DenseReluStep1(napi_env env, napi_callback_info info) { return dense_relu_step(env, info, false); }

// denseReluStepDeferred1(memory, layers, desc, coefs, x, label, dlogits, scratchA, scratchB, pending, pendingAlpha,
// pendingBeta, apply) -> loss: Backend.denseReluStepDeferred. pending (offset): the first layer's input, then its output
// gradient; when apply is nonzero, W1 = pendingAlpha pdy px^T + pendingBeta W1 is applied in the forward pass
// (linear_forward1_applying), and this step's W1 update is left in pending instead of applied.
static napi_value DenseReluStepDeferred1(napi_env env, napi_callback_info info) { return dense_relu_step(env, info, true); }

// colSumsAbs(memory, rows, cols, a, out): out[j] = sum_r |a[r, j]| (offsets in bytes).
static napi_value ColSumsAbs(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  OffsetArgs g{env, "colSumsAbs", {}};
  if (!g.begin(info, 5, argv)) return nullptr;
  int rows = 0, cols = 0;
  float *a = nullptr, *out = nullptr;
  if (!g.dim(argv[1], "rows", &rows) || !g.dim(argv[2], "cols", &cols) ||
      !g.array(argv[3], "a", (size_t)rows * cols, false, &a) || !g.array(argv[4], "out", cols, false, &out))
    return nullptr;
  double stack[1024];
  double* acc = cols <= 1024 ? stack : (double*)malloc((size_t)cols * sizeof(double));
  if (!acc) return fail(env, "colSumsAbs: out of memory"), nullptr;
  for (int j = 0; j < cols; j++) acc[j] = 0;
  col_sums_abs(rows, cols, a, acc);
  for (int j = 0; j < cols; j++) out[j] = (float)acc[j];
  if (acc != stack) free(acc);
  return nullptr;
}

// Products NN and TN with beta = 0, from 8 rows, 256 columns and 2^22 multiply-adds, and at most 640 deep, run on
// column_blocks where the CPU has AVX-512, the columns cut in two halves (at a multiple of 32) for two threads. It led
// OpenBLAS 0.3.21's Cooperlake kernels on every such shape measured on this Zen 5 core pair (GMAC/s on two threads,
// warm, OpenBLAS / this; the bench rows' shapes): conv-b128's forward products 32x100352x75 67-79 / 84-98 and
// 64x18432x288 109-120 / 139-157; ResNet-18's stem 32x65536x27 70-75 / 131-132, its Winograd products NN 32x16384x32
// 43-48 / 94-110 and TN 48-75 / 100-125, 64x4096x64 80-96 / 118-152, 128x1024x128 82-106 / 123-157, 256x256x256
// 112-124 / 169-182; mlp-large-b256's TN 2000x2000x256 161-181 / 163-178; 512x512x512 156-164 / 210. OpenBLAS
// keeps: beta != 0 (a weight gradient added to the weights, 2000x2000x256 TN: 178-196 against 135-153 here, whose
// reads of C stall even when prefetched), deeper products (NN 256x2000x2000: 159-177 against 157-178, no gain for
// blocking the reduction), NT (a conv's weight gradient: long reductions; the thin ones below), and the small shapes.
static bool own_product(bool ta, bool tb, int m, int n, int k, double beta) {
  return column_blocks && !tb && beta == 0 && m >= 8 && n >= 256 && k <= kColumnBlocksMaxK &&
         (double)m * n * k >= kThreadedGemmFrom;
}
// The thinnest of the long reductions (long_reduction, below: at most 32 rows by 128 columns of C, both operands read
// along the reduction: sgemm NT) take the addon's own kernel where the CPU has AVX-512 (thin_product_lanes), the
// reduction cut in the same two fixed halves as split_reduction's. On two threads (GMAC/s, OpenBLAS's halves against this): conv-b128's first layer 32x75x100352 69 / 86-89,
// ResNet-18's stem 32x27x65536 55 / 98-100, its first Winograd gradients 32x32x16384 77-83 / 85-89. Where OpenBLAS
// led (64x64x4096 107 / 89, 48x48x8192 108 / 89, 24x200x20000 106 / 93-100) it keeps the product. Each half sums
// into 16 lanes per value; C = alpha (lanes of the first half + lanes of the second, added in a fixed order) + beta C:
// the same bits whatever the thread count.
static bool thin_reduction(bool ta, bool tb, int m, int n, int k) {
  return thin_product_lanes && !ta && tb && m <= 32 && n <= 128 && (double)k >= 32.0 * (m + n) &&
         (double)m * n * k >= kThreadedGemmFrom;
}
static bool thin_product(int m, int n, int k, float alpha, const float* A, const float* B, float beta, float* C) {
  const size_t mn = (size_t)m * n;
  static thread_local KeptBuffer<float> kept;
  float* lanes = kept.get(2 * mn * 16);
  if (!lanes) return false;
  memset(lanes, 0, 2 * mn * 16 * 4);
  const int k1 = (k / 2) & ~15;
  auto part = [&](int half) {
    if (half == 0) thin_product_lanes(m, n, (size_t)k, A, B, k1, k, lanes + mn * 16);
    else thin_product_lanes(m, n, (size_t)k, A, B, 0, k1, lanes);
  };
  on_halves(part);
  for (size_t i = 0; i < mn; i++) {
    const float* l0 = lanes + i * 16;
    const float* l1 = l0 + mn * 16;
    float s = 0;
    for (int j = 0; j < 16; j++) s += l0[j];
    for (int j = 0; j < 16; j++) s += l1[j];
    C[i] = beta == 0 ? alpha * s : alpha * s + beta * C[i];
  }
  return true;
}

// A product with a small C and a long reduction: a convolution's weight gradient (conv-b128's first layer: 32 x 75
// summed over 128 x 784 pixels). OpenBLAS's threads split C, and on such a C the second one added little (that
// product: 6.5 ms on two threads, 13 ms of CPU; 9 ms of CPU on one). Here the reduction is cut in two halves, each a
// one-thread sgemm (the second on a thread of ours when two are allowed), added in a fixed order: the same bits
// whatever the thread count.
static bool long_reduction(int m, int n, int k) {
  return (double)m * n <= 32768 && (double)k >= 32.0 * (m + n) && (double)m * n * k >= kThreadedGemmFrom;
}
struct HalfProduct {
  bool ta, tb;
  int m, n, k;
  float alpha;
  const float* A;
  int lda;
  const float* B;
  int ldb;
  float* C;
};
static void* half_product(void* p) {
  const HalfProduct* h = (const HalfProduct*)p;
  cblas_sgemm(RowMajor, h->ta ? Trans : NoTrans, h->tb ? Trans : NoTrans, h->m, h->n, h->k, h->alpha, h->A, h->lda, h->B,
              h->ldb, 0.0f, h->C, h->n);
  return nullptr;
}
// C = (alpha op(A)[:, :k1] op(B)[:k1, :] + beta C) + alpha op(A)[:, k1:] op(B)[k1:, :]; false if out of memory.
static bool split_reduction(bool ta, bool tb, int m, int n, int k, float alpha, const float* A, const float* B, float beta,
                            float* C) {
  static thread_local KeptBuffer<float> kept;
  float* T = kept.get((size_t)m * n);
  if (!T) return false;
  const int lda = ta ? m : k, ldb = tb ? k : n;
  const int k1 = (k / 2) & ~15;
  HalfProduct h = {ta, tb, m, n, k - k1, alpha, ta ? A + (size_t)k1 * m : A + k1, lda, tb ? B + k1 : B + (size_t)k1 * n, ldb, T};
  use_threads_for(0, 1);
  auto part = [&](int half) {
    if (half == 0) half_product(&h);
    else cblas_sgemm(RowMajor, ta ? Trans : NoTrans, tb ? Trans : NoTrans, m, n, k1, alpha, A, lda, B, ldb, beta, C, n);
  };
  on_halves(part);
  const size_t mn = (size_t)m * n;
  for (size_t i = 0; i < mn; i++) C[i] += T[i];
  return true;
}

// sgemm(transA, transB, m, n, k, alpha, a, b, beta, c): C[m, n] = alpha op(A) op(B) + beta C, row-major Float32Arrays.
static napi_value Sgemm(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  const char* fn = "sgemm";
  if (!get_args(env, info, 10, argv, fn)) return nullptr;
  bool ta, tb;
  int m, n, k;
  double alpha, beta;
  Array a, b, c;
  if (!get_bool(env, argv[0], fn, "transA", &ta) || !get_bool(env, argv[1], fn, "transB", &tb) ||
      !get_dim(env, argv[2], fn, "m", 1, &m) || !get_dim(env, argv[3], fn, "n", 1, &n) ||
      !get_dim(env, argv[4], fn, "k", 1, &k) || !get_number(env, argv[5], fn, "alpha", &alpha) ||
      !get_array(env, argv[6], fn, "A", napi_float32_array, (uint64_t)m * k, &a) ||
      !get_array(env, argv[7], fn, "B", napi_float32_array, (uint64_t)k * n, &b) ||
      !get_number(env, argv[8], fn, "beta", &beta) ||
      !get_array(env, argv[9], fn, "C", napi_float32_array, (uint64_t)m * n, &c))
    return nullptr;
  // BLAS gives no result for an output that overlaps an input.
  size_t cb = (size_t)m * n * 4;
  if (overlaps(c.data, cb, a.data, (size_t)m * k * 4)) return fail(env, "sgemm: C overlaps A"), nullptr;
  if (overlaps(c.data, cb, b.data, (size_t)k * n * 4)) return fail(env, "sgemm: C overlaps B"), nullptr;
  const float* A = (const float*)a.data;
  const float* B = (const float*)b.data;
  float* C = (float*)c.data;
  // OpenBLAS's sgemm packs op(B) (or op(A)) on every call, which costs more than the product when the other side is
  // one row or column (1 x 1024 x 1024: 270-930 us in sgemm, 67 us in sgemv), so vector shapes avoid sgemm.
  // beta = 0 must ignore the old C (NaN included): zero it ourselves rather than rely on how a BLAS version scales by 0.
  if (m == 1 || n == 1) {
    if (beta == 0) memset(C, 0, (size_t)m * n * 4);
    use_threads_for((double)m * n * k, (double)kThreadedFrom);
    if (m == 1) {
      // c[1, n] = alpha a[1, k] op(B) + beta c: y = op(B)^T x; A is contiguous whether transposed or not.
      if (tb && dot_rows && !blas_threaded((size_t)n * k)) dot_rows(n, k, (float)alpha, B, A, (float)beta, C);
      else if (tb) cblas_sgemv(RowMajor, NoTrans, n, k, (float)alpha, B, k, A, 1, (float)beta, C, 1);
      else cblas_sgemv(RowMajor, Trans, k, n, (float)alpha, B, n, A, 1, (float)beta, C, 1);
    } else {
      // c[m, 1] = alpha op(A) b[k, 1] + beta c.
      if (ta) cblas_sgemv(RowMajor, Trans, k, m, (float)alpha, A, m, B, 1, (float)beta, C, 1);
      else if (dot_rows && !blas_threaded((size_t)m * k)) dot_rows(m, k, (float)alpha, A, B, (float)beta, C);
      else cblas_sgemv(RowMajor, NoTrans, m, k, (float)alpha, A, k, B, 1, (float)beta, C, 1);
    }
    return nullptr;
  }
  if (k == 1) {
    // Outer product C = alpha a b^T + beta C (both operands are contiguous vectors). sgemm packs; beta = 0 is one
    // write pass here (sger would need C zeroed first), otherwise C is scaled by beta (if not 1) and sger adds.
    if (beta == 0) {
      for (int i = 0; i < m; i++) {
        float ai = (float)alpha * A[i];
        float* __restrict ci = C + (size_t)i * n;
        for (int j = 0; j < n; j++) ci[j] = ai * B[j];
      }
    } else {
      if (beta != 1) scale_row((size_t)m * n, (float)beta, C);
      use_threads_for((double)m * n, (double)kThreadedFrom);
      if (blas_threaded((size_t)m * n)) cblas_sger(RowMajor, m, n, (float)alpha, A, 1, B, 1, C, n);
      else rank1_update(m, n, (float)alpha, A, B, C);
    }
    return nullptr;
  }
  if (own_product(ta, tb, m, n, k, beta)) {
    const int h = (n / 2) & ~31;
    auto part = [&](int half) {
      if (half == 0) column_blocks(ta, m, n, k, (float)alpha, A, B, C, h, n);
      else column_blocks(ta, m, n, k, (float)alpha, A, B, C, 0, h);
    };
    on_halves(part);
    return nullptr;
  }
  if (thin_reduction(ta, tb, m, n, k) && thin_product(m, n, k, (float)alpha, A, B, (float)beta, C)) return nullptr;
  if (long_reduction(m, n, k) && split_reduction(ta, tb, m, n, k, (float)alpha, A, B, (float)beta, C)) return nullptr;
  use_threads_for((double)m * n * k, kThreadedGemmFrom);
  cblas_sgemm(RowMajor, ta ? Trans : NoTrans, tb ? Trans : NoTrans, m, n, k, (float)alpha, A, ta ? m : k, B,
              tb ? k : n, (float)beta, C, n);
  return nullptr;
}

// gram(a, rows, cols, out): out[cols, cols] = a^T a for a Float32Array [rows, cols], in float64 (dsyrk on
// float64 copies of blocks of rows, so the products are exact as in the reference and memory stays bounded).
static napi_value Gram(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  const char* fn = "gram";
  if (!get_args(env, info, 4, argv, fn)) return nullptr;
  int rows, cols;
  Array a, out;
  if (!get_dim(env, argv[1], fn, "rows", 0, &rows) || !get_dim(env, argv[2], fn, "cols", 0, &cols) ||
      !get_array(env, argv[0], fn, "a", napi_float32_array, (uint64_t)rows * cols, &a) ||
      !get_array(env, argv[3], fn, "out", napi_float64_array, (uint64_t)cols * cols, &out))
    return nullptr;
  if (cols == 0) return nullptr;
  double* o = (double*)out.data;
  if (overlaps(o, (size_t)cols * cols * 8, a.data, (size_t)rows * cols * 4)) return fail(env, "gram: out overlaps a"), nullptr;
  if (rows == 0) {
    memset(o, 0, (size_t)cols * cols * 8);
    return nullptr;
  }
  // About 8 MB of float64 per block.
  int block = (int)((1 << 20) / cols);
  if (block < 1) block = 1;
  if (block > rows) block = rows;
  // Kept between calls, grown as needed: a probe takes one Gram per unit group, and fresh pages (zeroed by the
  // system on first touch) cost as much as the float64 copy that fills them.
  static thread_local KeptBuffer<double> kept;
  double* tmp = kept.get((size_t)block * cols);
  if (!tmp) return fail(env, "gram: out of memory for a %d x %d block", block, cols), nullptr;
  const float* src = (const float*)a.data;
  for (int r0 = 0; r0 < rows; r0 += block) {
    int nr = rows - r0 < block ? rows - r0 : block;
    size_t cnt = (size_t)nr * cols;
    const float* s = src + (size_t)r0 * cols;
    for (size_t i = 0; i < cnt; i++) tmp[i] = s[i];
    use_threads_for((double)cols * cols * nr / 2, kThreadedGemmFrom);
    cblas_dsyrk(RowMajor, Upper, Trans, cols, nr, 1.0, tmp, cols, r0 == 0 ? 0.0 : 1.0, o, cols);
  }
  for (size_t i = 0; i < (size_t)cols; i++)
    for (size_t j = 0; j < i; j++) o[i * cols + j] = o[j * cols + i];
  return nullptr;
}

// dsyevd(a, n): the eigenvalues (ascending, a new Float64Array) of the symmetric Float64Array a [n, n].
// Reads the lower triangle (row-major); a is not modified.
static napi_value Dsyevd(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  const char* fn = "dsyevd";
  if (!get_args(env, info, 2, argv, fn)) return nullptr;
  int n;
  Array a;
  if (!get_dim(env, argv[1], fn, "n", 1, &n)) return nullptr;
  if ((double)n * n > kMaxInt) return fail(env, "dsyevd: n = %d is too large (n^2 must be below 2^31)", n), nullptr;
  if (!get_array(env, argv[0], fn, "a", napi_float64_array, (uint64_t)n * n, &a)) return nullptr;
  size_t nn = (size_t)n * n;
  if (!all_finite_f64((const double*)a.data, nn)) return fail(env, "dsyevd: a contains NaN or infinite values"), nullptr;
  double* w;
  napi_value result = new_f64(env, n, &w);
  if (!result) return fail(env, "dsyevd: cannot allocate the result"), nullptr;
  double* copy = (double*)malloc(nn * sizeof(double));
  if (!copy) return fail(env, "dsyevd: out of memory for a %d x %d matrix", n, n), nullptr;
  memcpy(copy, a.data, nn * sizeof(double));
  // Column-major upper triangle = row-major lower triangle.
  const char jobz = 'N', uplo = 'U';
  int lwork = -1, liwork = -1, iwq = 0, infoq = 0;
  double wq = 0;
  use_threads_for(1, 0);  // LAPACK: the configured threads
  dsyevd_(&jobz, &uplo, &n, copy, &n, w, &wq, &lwork, &iwq, &liwork, &infoq, 1, 1);
  lwork = infoq == 0 ? (int)wq : 2 * n + 1;
  liwork = infoq == 0 && iwq > 0 ? iwq : 1;
  double* work = (double*)malloc((size_t)lwork * sizeof(double));
  int* iwork = (int*)malloc((size_t)liwork * sizeof(int));
  int inf = 0;
  if (work && iwork) dsyevd_(&jobz, &uplo, &n, copy, &n, w, work, &lwork, iwork, &liwork, &inf, 1, 1);
  bool oom = !work || !iwork;
  free(work);
  free(iwork);
  free(copy);
  if (oom) return fail(env, "dsyevd: out of memory for the workspace"), nullptr;
  if (inf != 0) return fail(env, "dsyevd: LAPACK failed (info = %d%s)", inf, inf > 0 ? ", no convergence" : ""), nullptr;
  return result;
}

// gesdd(a, m, n): the singular values (descending, a new Float64Array of min(m, n)) of a [m, n], a Float32Array
// (sgesdd) or Float64Array (dgesdd); a is not modified.
static napi_value Gesdd(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  const char* fn = "gesdd";
  if (!get_args(env, info, 3, argv, fn)) return nullptr;
  int m, n;
  Array a;
  if (!get_dim(env, argv[1], fn, "m", 1, &m) || !get_dim(env, argv[2], fn, "n", 1, &n)) return nullptr;
  if ((double)m * n > kMaxInt) return fail(env, "gesdd: m * n = %.0f is too large (must be below 2^31)", (double)m * n), nullptr;
  if (!get_array(env, argv[0], fn, "a", -1, (uint64_t)m * n, &a)) return nullptr;
  size_t mn = (size_t)m * n;
  bool f64 = a.type == napi_float64_array;
  if (!(f64 ? all_finite_f64((const double*)a.data, mn) : all_finite_f32((const float*)a.data, mn)))
    return fail(env, "gesdd: a contains NaN or infinite values"), nullptr;
  int mins = m < n ? m : n;
  double* s;
  napi_value result = new_f64(env, mins, &s);
  if (!result) return fail(env, "gesdd: cannot allocate the result"), nullptr;
  // Row-major [m, n] is column-major [n, m] with the same singular values.
  int M = n, N = m, lda = n, one = 1, lwork = -1, inf = 0;
  const char jobz = 'N';
  void* copy = malloc(mn * elem_size(a));
  int* iwork = (int*)malloc((size_t)8 * mins * sizeof(int));
  void* work = nullptr;
  float* s32 = f64 ? nullptr : (float*)malloc((size_t)mins * sizeof(float));
  bool oom = !copy || !iwork || (!f64 && !s32);
  if (!oom) {
    memcpy(copy, a.data, mn * elem_size(a));
    use_threads_for(1, 0);  // LAPACK: the configured threads
    if (f64) {
      double wq = 0, du = 0;
      dgesdd_(&jobz, &M, &N, (double*)copy, &lda, s, &du, &one, &du, &one, &wq, &lwork, iwork, &inf, 1);
      lwork = inf == 0 ? (int)wq : 1;
      work = malloc((size_t)lwork * sizeof(double));
      if (work) dgesdd_(&jobz, &M, &N, (double*)copy, &lda, s, &du, &one, &du, &one, (double*)work, &lwork, iwork, &inf, 1);
    } else {
      float wq = 0, du = 0;
      sgesdd_(&jobz, &M, &N, (float*)copy, &lda, s32, &du, &one, &du, &one, &wq, &lwork, iwork, &inf, 1);
      lwork = inf == 0 ? (int)wq : 1;
      work = malloc((size_t)lwork * sizeof(float));
      if (work) {
        sgesdd_(&jobz, &M, &N, (float*)copy, &lda, s32, &du, &one, &du, &one, (float*)work, &lwork, iwork, &inf, 1);
        for (int i = 0; i < mins; i++) s[i] = s32[i];
      }
    }
    oom = !work;
  }
  free(copy);
  free(iwork);
  free(work);
  free(s32);
  if (oom) return fail(env, "gesdd: out of memory for a %d x %d matrix", m, n), nullptr;
  if (inf != 0) return fail(env, "gesdd: LAPACK failed (info = %d%s)", inf, inf > 0 ? ", no convergence" : ""), nullptr;
  return result;
}

// setThreads(n): the number of BLAS threads (OpenBLAS only); returns the number in effect.
static int current_threads() {
#ifndef __APPLE__
  if (openblas_get_num_threads) return openblas_get_num_threads();
#endif
  return 0;  // unknown: Accelerate manages its own threads
}

// setLayerSplitFrom(weights) -> the previous value: the size from which one example's dense layer is split between two
// threads (layer_split_from; tests lower it to compare split and unsplit results on small layers).
static napi_value SetLayerSplitFrom(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  double w;
  if (!get_args(env, info, 1, argv, "setLayerSplitFrom") || !get_number(env, argv[0], "setLayerSplitFrom", "weights", &w)) return nullptr;
  if (!(w >= 1 && w <= 9007199254740992.0 && w == floor(w))) return fail(env, "setLayerSplitFrom: weights = %g must be an integer >= 1", w), nullptr;
  const double previous = (double)layer_split_from;
  layer_split_from = (size_t)w;
  napi_value r;
  napi_create_double(env, previous, &r);
  return r;
}

static napi_value SetThreads(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int n;
  if (!get_args(env, info, 1, argv, "setThreads") || !get_dim(env, argv[0], "setThreads", "n", 1, &n)) return nullptr;
#ifndef __APPLE__
  if (openblas_set_num_threads) {
    openblas_set_num_threads(n);
    configured_threads = active_threads = n;
  }
#endif
  napi_value r;
  napi_create_int32(env, blas_threads(), &r);
  return r;
}

static void set_string(napi_env env, napi_value obj, const char* key, const char* value) {
  napi_value v;
  napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, key, v);
}

// info(): { library, config, core, threads } of the BLAS in use.
static napi_value Info(napi_env env, napi_callback_info info) {
  napi_value obj, t;
  napi_create_object(env, &obj);
#ifdef __APPLE__
  set_string(env, obj, "library", "Accelerate");
  set_string(env, obj, "config", "Apple Accelerate");
  set_string(env, obj, "core", "");
#else
  bool openblas = openblas_get_config != nullptr;
  set_string(env, obj, "library", openblas ? "OpenBLAS" : "BLAS");
  set_string(env, obj, "config", openblas ? openblas_get_config() : "unknown BLAS");
  set_string(env, obj, "core", openblas_get_corename ? openblas_get_corename() : "");
#endif
  set_string(env, obj, "vectorKernels", kVectorKernels);
  napi_create_int32(env, blas_threads(), &t);
  napi_set_named_property(env, obj, "threads", t);
  return obj;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sgemm", nullptr, Sgemm, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"registerMemory", nullptr, RegisterMemory, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"linearForward1", nullptr, LinearForward1, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"linearBackward1", nullptr, LinearBackward1, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"denseReluStep1", nullptr, DenseReluStep1, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"denseReluStepDeferred1", nullptr, DenseReluStepDeferred1, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"colSumsAbs", nullptr, ColSumsAbs, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"gram", nullptr, Gram, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"dsyevd", nullptr, Dsyevd, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"gesdd", nullptr, Gesdd, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setLayerSplitFrom", nullptr, SetLayerSplitFrom, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
