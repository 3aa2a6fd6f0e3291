/* OpenCV's BLAS/LAPACK, served by NumPy's OpenBLAS: the bundle then carries one OpenBLAS, not two.

   The OpenCV wheels link their own OpenBLAS (39 MB, plus its libgfortran) for the 19 BLAS/LAPACK routines
   cv2 calls (matrix products, solve, invert, SVD, QR, Cholesky, eigenvalues of a general matrix). NumPy's
   wheel carries another OpenBLAS ("scipy_openblas64_"): the same library, built with 64-bit integers and
   its symbols renamed (scipy_ prefix, 64_ suffix). packaging/lean_bundle.py compiles this file into a small
   library with the SONAME of OpenCV's OpenBLAS, so cv2 finds this instead; each routine widens its integer
   arguments to 64 bits and calls NumPy's. The build fails if cv2 needs a routine that is not here.

   LAPACK takes every argument by pointer (Fortran). Integer arrays are copied: the pivot indices of
   getrf/gesv (returned to the caller) and the integer workspace of gesdd. Character arguments pass their
   hidden Fortran length (1) explicitly; a callee that does not expect it ignores it. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef int64_t i64;

/* ---- CBLAS: sizes by value; the enums (order, transpose) are plain ints in both builds ------------- */
void scipy_cblas_sgemm64_(int, int, int, i64, i64, i64, float, const float *, i64, const float *, i64,
                          float, float *, i64);
void scipy_cblas_dgemm64_(int, int, int, i64, i64, i64, double, const double *, i64, const double *, i64,
                          double, double *, i64);
void scipy_cblas_cgemm64_(int, int, int, i64, i64, i64, const void *, const void *, i64, const void *, i64,
                          const void *, void *, i64);
void scipy_cblas_zgemm64_(int, int, int, i64, i64, i64, const void *, const void *, i64, const void *, i64,
                          const void *, void *, i64);

void cblas_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc) {
    scipy_cblas_sgemm64_(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void cblas_dgemm(int order, int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda,
                 const double *b, int ldb, double beta, double *c, int ldc) {
    scipy_cblas_dgemm64_(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void cblas_cgemm(int order, int ta, int tb, int m, int n, int k, const void *alpha, const void *a, int lda,
                 const void *b, int ldb, const void *beta, void *c, int ldc) {
    scipy_cblas_cgemm64_(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void cblas_zgemm(int order, int ta, int tb, int m, int n, int k, const void *alpha, const void *a, int lda,
                 const void *b, int ldb, const void *beta, void *c, int ldc) {
    scipy_cblas_zgemm64_(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/* ---- LAPACK ------------------------------------------------------------------------------------------ */
#define I(x) i64 x##64 = *(x)  /* a 64-bit copy of an int argument */

/* A 64-bit copy of an integer array of `count` entries (at least one, so malloc never returns NULL for 0). */
static i64 *widen(const int *from, i64 count) {
    i64 *to = malloc((size_t)(count > 0 ? count : 1) * sizeof(i64));
    if (to && from)
        for (i64 i = 0; i < count; i++) to[i] = from[i];
    return to;
}
static void narrow(int *to, const i64 *from, i64 count) {
    for (i64 i = 0; i < count; i++) to[i] = (int)from[i];
}
/* LAPACK's own error code for a workspace it could not get (it has none: report an illegal argument 1). */
#define OUT_OF_MEMORY(info) do { *(info) = -1; return; } while (0)

#define GETRF(T, p)                                                                                       \
    void scipy_##p##getrf_64_(i64 *, i64 *, T *, i64 *, i64 *, i64 *);                                   \
    void p##getrf_(int *m, int *n, T *a, int *lda, int *ipiv, int *info) {                               \
        I(m); I(n); I(lda); i64 info64 = 0, count = m64 < n64 ? m64 : n64;                               \
        i64 *ipiv64 = widen(NULL, count);                                                                \
        if (!ipiv64) OUT_OF_MEMORY(info);                                                                \
        scipy_##p##getrf_64_(&m64, &n64, a, &lda64, ipiv64, &info64);                                    \
        narrow(ipiv, ipiv64, count); free(ipiv64); *info = (int)info64;                                  \
    }
#define GESV(T, p)                                                                                        \
    void scipy_##p##gesv_64_(i64 *, i64 *, T *, i64 *, i64 *, T *, i64 *, i64 *);                        \
    void p##gesv_(int *n, int *nrhs, T *a, int *lda, int *ipiv, T *b, int *ldb, int *info) {             \
        I(n); I(nrhs); I(lda); I(ldb); i64 info64 = 0;                                                   \
        i64 *ipiv64 = widen(NULL, n64);                                                                  \
        if (!ipiv64) OUT_OF_MEMORY(info);                                                                \
        scipy_##p##gesv_64_(&n64, &nrhs64, a, &lda64, ipiv64, b, &ldb64, &info64);                      \
        narrow(ipiv, ipiv64, n64); free(ipiv64); *info = (int)info64;                                    \
    }
#define POTRF(T, p)                                                                                       \
    void scipy_##p##potrf_64_(char *, i64 *, T *, i64 *, i64 *, size_t);                                 \
    void p##potrf_(char *uplo, int *n, T *a, int *lda, int *info) {                                      \
        I(n); I(lda); i64 info64 = 0;                                                                    \
        scipy_##p##potrf_64_(uplo, &n64, a, &lda64, &info64, 1);                                         \
        *info = (int)info64;                                                                             \
    }
#define POSV(T, p)                                                                                        \
    void scipy_##p##posv_64_(char *, i64 *, i64 *, T *, i64 *, T *, i64 *, i64 *, size_t);               \
    void p##posv_(char *uplo, int *n, int *nrhs, T *a, int *lda, T *b, int *ldb, int *info) {            \
        I(n); I(nrhs); I(lda); I(ldb); i64 info64 = 0;                                                   \
        scipy_##p##posv_64_(uplo, &n64, &nrhs64, a, &lda64, b, &ldb64, &info64, 1);                      \
        *info = (int)info64;                                                                             \
    }
#define GEQRF(T, p)                                                                                       \
    void scipy_##p##geqrf_64_(i64 *, i64 *, T *, i64 *, T *, T *, i64 *, i64 *);                         \
    void p##geqrf_(int *m, int *n, T *a, int *lda, T *tau, T *work, int *lwork, int *info) {             \
        I(m); I(n); I(lda); I(lwork); i64 info64 = 0;                                                    \
        scipy_##p##geqrf_64_(&m64, &n64, a, &lda64, tau, work, &lwork64, &info64);                      \
        *info = (int)info64;                                                                             \
    }
#define GELS(T, p)                                                                                        \
    void scipy_##p##gels_64_(char *, i64 *, i64 *, i64 *, T *, i64 *, T *, i64 *, T *, i64 *, i64 *,     \
                             size_t);                                                                    \
    void p##gels_(char *trans, int *m, int *n, int *nrhs, T *a, int *lda, T *b, int *ldb, T *work,       \
                  int *lwork, int *info) {                                                               \
        I(m); I(n); I(nrhs); I(lda); I(ldb); I(lwork); i64 info64 = 0;                                   \
        scipy_##p##gels_64_(trans, &m64, &n64, &nrhs64, a, &lda64, b, &ldb64, work, &lwork64, &info64, 1); \
        *info = (int)info64;                                                                             \
    }
#define GESDD(T, p)                                                                                       \
    void scipy_##p##gesdd_64_(char *, i64 *, i64 *, T *, i64 *, T *, T *, i64 *, T *, i64 *, T *, i64 *, \
                              i64 *, i64 *, size_t);                                                     \
    void p##gesdd_(char *jobz, int *m, int *n, T *a, int *lda, T *s, T *u, int *ldu, T *vt, int *ldvt,    \
                   T *work, int *lwork, int *iwork, int *info) {                                         \
        I(m); I(n); I(lda); I(ldu); I(ldvt); I(lwork); i64 info64 = 0;                                   \
        (void)iwork; /* workspace only: LAPACK returns nothing in it */                                  \
        i64 *iwork64 = widen(NULL, 8 * (m64 < n64 ? m64 : n64));                                         \
        if (!iwork64) OUT_OF_MEMORY(info);                                                               \
        scipy_##p##gesdd_64_(jobz, &m64, &n64, a, &lda64, s, u, &ldu64, vt, &ldvt64, work, &lwork64,     \
                             iwork64, &info64, 1);                                                       \
        free(iwork64); *info = (int)info64;                                                              \
    }
#define GEEV(T, p)                                                                                        \
    void scipy_##p##geev_64_(char *, char *, i64 *, T *, i64 *, T *, T *, T *, i64 *, T *, i64 *, T *,   \
                             i64 *, i64 *, size_t, size_t);                                              \
    void p##geev_(char *jobvl, char *jobvr, int *n, T *a, int *lda, T *wr, T *wi, T *vl, int *ldvl,      \
                  T *vr, int *ldvr, T *work, int *lwork, int *info) {                                    \
        I(n); I(lda); I(ldvl); I(ldvr); I(lwork); i64 info64 = 0;                                        \
        scipy_##p##geev_64_(jobvl, jobvr, &n64, a, &lda64, wr, wi, vl, &ldvl64, vr, &ldvr64, work,       \
                            &lwork64, &info64, 1, 1);                                                    \
        *info = (int)info64;                                                                             \
    }

#define ALL(T, p) GETRF(T, p) GESV(T, p) POTRF(T, p) POSV(T, p) GEQRF(T, p) GELS(T, p) GESDD(T, p)
ALL(float, s)
ALL(double, d)
GEEV(double, d)
