// The kernels, written once and compiled once per instruction-set level: a file defines
// CK_SUFFIX (the name suffix) and CK_FUSED (1: fused multiply-add, 0: multiply then add),
// wraps this file in `#pragma clang attribute push(__attribute__((target(...))), ...)` and
// includes it. No include guard: it is meant to be included several times.
//
// Vectors are generic 16- and 8-lane float vectors; the compiler maps a 16-lane vector to one
// AVX-512 register, two AVX registers or four SSE registers, so every level computes the same
// lanes in the same order. Multiplies and adds are never contracted implicitly (fp contract
// off): a fused multiply-add appears only where FMA(...) is written, as `addingProduct` did
// in the Swift kernels these replace.

#include <math.h>
#include <string.h>

#pragma clang fp contract(off)
// The helpers that take or return 16-lane vectors are always inlined, so no vector ever crosses
// a call boundary and the ABI warning does not apply.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wpsabi"

#define CK_CAT2(a, b) a##_##b
#define CK_CAT(a, b) CK_CAT2(a, b)
#define CK_FN(name) CK_CAT(ck_##name, CK_SUFFIX)
#define CK_INLINE static inline __attribute__((always_inline))

typedef float CK_CAT(v16, CK_SUFFIX) __attribute__((vector_size(64), aligned(4)));
typedef float CK_CAT(v8, CK_SUFFIX) __attribute__((vector_size(32), aligned(4)));
typedef float CK_CAT(v4, CK_SUFFIX) __attribute__((vector_size(16), aligned(4)));
typedef float CK_CAT(v2, CK_SUFFIX) __attribute__((vector_size(8), aligned(4)));
typedef int32_t CK_CAT(i8, CK_SUFFIX) __attribute__((vector_size(32), aligned(4)));
typedef int32_t CK_CAT(i16, CK_SUFFIX) __attribute__((vector_size(64), aligned(4)));
#define v16 CK_CAT(v16, CK_SUFFIX)
#define v8 CK_CAT(v8, CK_SUFFIX)
#define v4 CK_CAT(v4, CK_SUFFIX)
#define v2 CK_CAT(v2, CK_SUFFIX)
#define i8 CK_CAT(i8, CK_SUFFIX)
#define i16 CK_CAT(i16, CK_SUFFIX)

#if CK_FUSED
#define FMA(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#define FMAF(a, b, c) __builtin_fmaf((a), (b), (c))
#else
#define FMA(a, b, c) ((a) * (b) + (c))
#define FMAF(a, b, c) ((a) * (b) + (c))
#endif

#define SPLAT16(x) ((v16){(x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x)})
#define SPLAT8(x) ((v8){(x), (x), (x), (x), (x), (x), (x), (x)})

CK_INLINE v16 CK_FN(load16)(const float *p) { return *(const v16 *)p; }
CK_INLINE void CK_FN(store16)(float *p, v16 v) { *(v16 *)p = v; }
CK_INLINE v8 CK_FN(load8)(const float *p) { return *(const v8 *)p; }
CK_INLINE void CK_FN(store8)(float *p, v8 v) { *(v8 *)p = v; }
#define L16 CK_FN(load16)
#define S16 CK_FN(store16)
#define L8 CK_FN(load8)
#define S8 CK_FN(store8)

/// The 16 lanes summed by halvings: (lo8 + hi8) → (lo4 + hi4) → (lo2 + hi2) → c0 + c1.
CK_INLINE float CK_FN(reduce16)(v16 v) {
    v8 a = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
    v4 b = __builtin_shufflevector(a, a, 0, 1, 2, 3) + __builtin_shufflevector(a, a, 4, 5, 6, 7);
    v2 c = __builtin_shufflevector(b, b, 0, 1) + __builtin_shufflevector(b, b, 2, 3);
    return c[0] + c[1];
}
#define REDUCE16 CK_FN(reduce16)

float CK_FN(dot)(const float *a, const float *b, ptrdiff_t n) {
    v16 acc0 = SPLAT16(0.0f), acc1 = SPLAT16(0.0f);
    ptrdiff_t i = 0;
    for (; i + 32 <= n; i += 32) {
        acc0 = FMA(L16(a + i), L16(b + i), acc0);
        acc1 = FMA(L16(a + i + 16), L16(b + i + 16), acc1);
    }
    if (i + 16 <= n) {
        acc0 = FMA(L16(a + i), L16(b + i), acc0);
        i += 16;
    }
    float s = REDUCE16(acc0 + acc1);
    for (; i < n; i++) s = FMAF(a[i], b[i], s);
    return s;
}

/// Two rows at a time, each with exactly the accumulators, order and reduction of ``dot``.
void CK_FN(gemv)(const float *a, ptrdiff_t rows, ptrdiff_t n, const float *x, float *y) {
    ptrdiff_t r = 0;
    for (; r + 2 <= rows; r += 2) {
        const float *a0 = a + r * n, *a1 = a0 + n;
        v16 p0 = SPLAT16(0.0f), p1 = SPLAT16(0.0f), q0 = SPLAT16(0.0f), q1 = SPLAT16(0.0f);
        ptrdiff_t i = 0;
        for (; i + 32 <= n; i += 32) {
            v16 x0 = L16(x + i), x1 = L16(x + i + 16);
            p0 = FMA(L16(a0 + i), x0, p0);
            p1 = FMA(L16(a0 + i + 16), x1, p1);
            q0 = FMA(L16(a1 + i), x0, q0);
            q1 = FMA(L16(a1 + i + 16), x1, q1);
        }
        if (i + 16 <= n) {
            v16 x0 = L16(x + i);
            p0 = FMA(L16(a0 + i), x0, p0);
            q0 = FMA(L16(a1 + i), x0, q0);
            i += 16;
        }
        float s = REDUCE16(p0 + p1), t = REDUCE16(q0 + q1);
        for (; i < n; i++) {
            s = FMAF(a0[i], x[i], s);
            t = FMAF(a1[i], x[i], t);
        }
        y[r] = s;
        y[r + 1] = t;
    }
    for (; r < rows; r++) y[r] = CK_FN(dot)(a + r * n, x, n);
}

ptrdiff_t CK_FN(next_above)(const float *s, ptrdiff_t start, ptrdiff_t n, float t) {
    ptrdiff_t i = start;
    v16 tt = SPLAT16(t);
    for (; i + 16 <= n; i += 16) {
        // Ordered comparison: a NaN lane is false, as in the scalar tail.
        v16 v = L16(s + i);
        typedef int32_t m16 __attribute__((vector_size(64), aligned(4)));
        m16 above = (m16)(v > tt);
        int32_t any = 0;
        for (int j = 0; j < 16; j++) any |= above[j];
        if (any) break;
    }
    for (; i < n; i++) {
        if (s[i] > t) return i;
    }
    return n;
}

float CK_FN(dot_sum)(const float *a, const float *b, const float *c, ptrdiff_t n) {
    v16 acc0 = SPLAT16(0.0f), acc1 = SPLAT16(0.0f);
    ptrdiff_t i = 0;
    for (; i + 32 <= n; i += 32) {
        acc0 = FMA(L16(a + i), L16(b + i) + L16(c + i), acc0);
        acc1 = FMA(L16(a + i + 16), L16(b + i + 16) + L16(c + i + 16), acc1);
    }
    if (i + 16 <= n) {
        acc0 = FMA(L16(a + i), L16(b + i) + L16(c + i), acc0);
        i += 16;
    }
    float s = REDUCE16(acc0 + acc1);
    for (; i < n; i++) s = FMAF(a[i], b[i] + c[i], s);
    return s;
}

void CK_FN(axpy)(float alpha, const float *x, float *y, ptrdiff_t n) {
    v16 a = SPLAT16(alpha);
    ptrdiff_t i = 0;
    for (; i + 16 <= n; i += 16) S16(y + i, FMA(a, L16(x + i), L16(y + i)));
    for (; i < n; i++) y[i] = FMAF(alpha, x[i], y[i]);
}

void CK_FN(axpby)(float alpha, const float *x, float beta, float *y, ptrdiff_t n) {
    v16 a = SPLAT16(alpha), b = SPLAT16(beta);
    ptrdiff_t i = 0;
    for (; i + 16 <= n; i += 16) S16(y + i, FMA(a, L16(x + i), L16(y + i) * b));
    for (; i < n; i++) y[i] = FMAF(alpha, x[i], y[i] * beta);
}

void CK_FN(sgd_pair)(float *p, float *q, float e, float lr, float reg, ptrdiff_t n) {
    float les = lr * e, decays = 1 - lr * reg;
    v16 le = SPLAT16(les), decay = SPLAT16(decays);
    ptrdiff_t i = 0;
    for (; i + 16 <= n; i += 16) {
        v16 pv = L16(p + i), qv = L16(q + i);
        S16(p + i, FMA(le, qv, pv * decay));
        S16(q + i, FMA(le, pv, qv * decay));
    }
    for (; i < n; i++) {
        float pv = p[i], qv = q[i];
        p[i] = FMAF(les, qv, pv * decays);
        q[i] = FMAF(les, pv, qv * decays);
    }
}

void CK_FN(rank_one_sum)(ptrdiff_t count, ptrdiff_t f, const float *fixed, const int32_t *cols, const float *vals,
                         float a0, float a1, float b1, const float *v, float *out) {
    if (f == 64) {
        v16 v0 = L16(v), v1 = L16(v + 16), v2_ = L16(v + 32), v3 = L16(v + 48);
        v16 o0 = L16(out), o1 = L16(out + 16), o2 = L16(out + 32), o3 = L16(out + 48);
        const ptrdiff_t ahead = 8;
        for (ptrdiff_t e = 0; e < count && e < ahead; e++) {
            const char *c = (const char *)(fixed + (ptrdiff_t)cols[e] * 64);
            __builtin_prefetch(c, 0, 3); __builtin_prefetch(c + 64, 0, 3);
            __builtin_prefetch(c + 128, 0, 3); __builtin_prefetch(c + 192, 0, 3);
        }
        for (ptrdiff_t e = 0; e < count; e++) {
            if (e + ahead < count) {
                const char *c = (const char *)(fixed + (ptrdiff_t)cols[e + ahead] * 64);
                __builtin_prefetch(c, 0, 3); __builtin_prefetch(c + 64, 0, 3);
                __builtin_prefetch(c + 128, 0, 3); __builtin_prefetch(c + 192, 0, 3);
            }
            const float *y = fixed + (ptrdiff_t)cols[e] * 64;
            v16 y0 = L16(y), y1 = L16(y + 16), y2 = L16(y + 32), y3 = L16(y + 48);
            v16 d = y0 * v0;
            d = FMA(y1, v1, d);
            d = FMA(y2, v2_, d);
            d = FMA(y3, v3, d);
            float s1 = a0 + a1 * vals[e], s2 = b1 * vals[e];
            v16 s = SPLAT16(s1 + s2 * REDUCE16(d));
            o0 = FMA(s, y0, o0);
            o1 = FMA(s, y1, o1);
            o2 = FMA(s, y2, o2);
            o3 = FMA(s, y3, o3);
        }
        S16(out, o0); S16(out + 16, o1); S16(out + 32, o2); S16(out + 48, o3);
    } else if (f == 32) {
        v16 v0 = L16(v), v1 = L16(v + 16);
        v16 o0 = L16(out), o1 = L16(out + 16);
        for (ptrdiff_t e = 0; e < count; e++) {
            const float *y = fixed + (ptrdiff_t)cols[e] * 32;
            v16 y0 = L16(y), y1 = L16(y + 16);
            v16 d = FMA(y1, v1, y0 * v0);
            float s1 = a0 + a1 * vals[e], s2 = b1 * vals[e];
            v16 s = SPLAT16(s1 + s2 * REDUCE16(d));
            o0 = FMA(s, y0, o0);
            o1 = FMA(s, y1, o1);
        }
        S16(out, o0); S16(out + 16, o1);
    } else {
        for (ptrdiff_t e = 0; e < count; e++) {
            const float *y = fixed + (ptrdiff_t)cols[e] * f;
            float s1 = a0 + a1 * vals[e], s2 = b1 * vals[e];
            CK_FN(axpy)(s1 + s2 * CK_FN(dot)(y, v, f), y, out, f);
        }
    }
}

void CK_FN(symv)(const float *a, ptrdiff_t n, const float *x, float *y) {
    if (n == 64) {
        v16 o0 = SPLAT16(0.0f), o1 = SPLAT16(0.0f), o2 = SPLAT16(0.0f), o3 = SPLAT16(0.0f);
        for (ptrdiff_t k = 0; k < 64; k++) {
            v16 s = SPLAT16(x[k]);
            const float *row = a + k * 64;
            o0 = FMA(s, L16(row), o0);
            o1 = FMA(s, L16(row + 16), o1);
            o2 = FMA(s, L16(row + 32), o2);
            o3 = FMA(s, L16(row + 48), o3);
        }
        S16(y, o0); S16(y + 16, o1); S16(y + 32, o2); S16(y + 48, o3);
    } else {
        for (ptrdiff_t i = 0; i < n; i++) y[i] = 0;
        for (ptrdiff_t k = 0; k < n; k++) {
            if (x[k] != 0) CK_FN(axpy)(x[k], a + k * n, y, n);
        }
    }
}

void CK_FN(gram_rank_one)(float *g, const float *x, ptrdiff_t dim, ptrdiff_t width) {
    for (ptrdiff_t k = 0; k < dim; k++) CK_FN(axpy)(x[k], x, g + k * width, width);
}

CK_INLINE void CK_FN(store_tile_row)(v16 v, float *c, float alpha, float beta) {
    v16 out = alpha == 1 ? v : v * SPLAT16(alpha);
    if (beta != 0) {
        v16 old = L16(c);
        out = beta == 1 ? out + old : FMA(SPLAT16(beta), old, out);
    }
    S16(c, out);
}

void CK_FN(gemm_tile)(ptrdiff_t kc, const float *a, ptrdiff_t rs, ptrdiff_t cs, const float *b, ptrdiff_t bstride,
                      float *c, ptrdiff_t ldc, ptrdiff_t rows, ptrdiff_t columns, float alpha, float beta) {
    v16 c0 = SPLAT16(0.0f), c1 = SPLAT16(0.0f), c2 = SPLAT16(0.0f);
    v16 c3 = SPLAT16(0.0f), c4 = SPLAT16(0.0f), c5 = SPLAT16(0.0f);
    const float *a0 = a, *a1 = a + rs, *a2 = a + 2 * rs, *a3 = a + 3 * rs, *a4 = a + 4 * rs, *a5 = a + 5 * rs;
    ptrdiff_t q = 0;
    for (ptrdiff_t p = 0; p < kc; p++) {
        v16 bv = L16(b + p * bstride);
        c0 = FMA(SPLAT16(a0[q]), bv, c0);
        c1 = FMA(SPLAT16(a1[q]), bv, c1);
        c2 = FMA(SPLAT16(a2[q]), bv, c2);
        c3 = FMA(SPLAT16(a3[q]), bv, c3);
        c4 = FMA(SPLAT16(a4[q]), bv, c4);
        c5 = FMA(SPLAT16(a5[q]), bv, c5);
        q += cs;
    }
    if (rows == 6 && columns == 16) {
        CK_FN(store_tile_row)(c0, c, alpha, beta);
        CK_FN(store_tile_row)(c1, c + ldc, alpha, beta);
        CK_FN(store_tile_row)(c2, c + 2 * ldc, alpha, beta);
        CK_FN(store_tile_row)(c3, c + 3 * ldc, alpha, beta);
        CK_FN(store_tile_row)(c4, c + 4 * ldc, alpha, beta);
        CK_FN(store_tile_row)(c5, c + 5 * ldc, alpha, beta);
    } else {
        for (ptrdiff_t r = 0; r < rows; r++) {
            float *row = c + r * ldc;
            v16 v = r == 0 ? c0 : r == 1 ? c1 : r == 2 ? c2 : r == 3 ? c3 : r == 4 ? c4 : c5;
            for (ptrdiff_t j = 0; j < columns; j++) {
                row[j] = beta == 0 ? alpha * v[j] : alpha * v[j] + beta * row[j];
            }
        }
    }
}

CK_INLINE void CK_FN(optimizer_inline)(int kind, float lr, float step, float *w, const float *g, float *s0, float *s1, ptrdiff_t n) {
    ptrdiff_t i = 0;
    if (kind == 0) {
        v16 nlr = SPLAT16(-lr);
        for (; i + 16 <= n; i += 16) S16(w + i, FMA(nlr, L16(g + i), L16(w + i)));
        for (; i < n; i++) w[i] = FMAF(-lr, g[i], w[i]);
    } else if (kind == 1) {
        v16 lrv = SPLAT16(lr);
        for (; i + 16 <= n; i += 16) {
            v16 gv = L16(g + i);
            v16 acc = FMA(gv, gv, L16(s0 + i));
            S16(s0 + i, acc);
            S16(w + i, L16(w + i) - lrv * gv / __builtin_elementwise_sqrt(acc));
        }
        for (; i < n; i++) {
            float acc = FMAF(g[i], g[i], s0[i]);
            s0[i] = acc;
            w[i] = w[i] - lr * g[i] / sqrtf(acc);
        }
    } else {
        const float b1 = 0.9f, c1 = 1 - 0.9f, b2 = 0.999f, c2 = 1 - 0.999f, eps = 1e-8f;
        v16 b1v = SPLAT16(b1), c1v = SPLAT16(c1), b2v = SPLAT16(b2), c2v = SPLAT16(c2), epsv = SPLAT16(eps), stepv = SPLAT16(step);
        for (; i + 16 <= n; i += 16) {
            v16 gv = L16(g + i);
            v16 mv = FMA(c1v, gv, b1v * L16(s0 + i));
            v16 vv = FMA(c2v * gv, gv, b2v * L16(s1 + i));
            S16(s0 + i, mv);
            S16(s1 + i, vv);
            S16(w + i, L16(w + i) - stepv * mv / (__builtin_elementwise_sqrt(vv) + epsv));
        }
        for (; i < n; i++) {
            float gv = g[i];
            float mv = FMAF(c1, gv, b1 * s0[i]);
            float vv = FMAF(c2 * gv, gv, b2 * s1[i]);
            s0[i] = mv;
            s1[i] = vv;
            w[i] = w[i] - step * mv / (sqrtf(vv) + eps);
        }
    }
}

void CK_FN(optimizer)(int kind, float lr, float step, float *w, const float *g, float *s0, float *s1, ptrdiff_t n) {
    CK_FN(optimizer_inline)(kind, lr, step, w, g, s0, s1, n);
}

// select##LANES: lane-wise `mask ? a : b` for a comparison mask (all ones or all zeros per lane).
// exp##LANES: e^x lane-wise (Cephes expf range reduction and degree-6 polynomial, relative error
// below 2·10⁻⁷ on [−87, 88]; inputs are clamped to that range); the Horner steps are fused
// multiply-adds where the CPU has them (half the operations). Defined once for 8 and 16 lanes:
// the same operations lane for lane (the AVX-512 softmax takes sixteen at a time).
#define CK_DEFINE_EXP(LANES, V, I, SPLAT) \
CK_INLINE V CK_FN(select##LANES)(I mask, V a, V b) { \
    I ai, bi; \
    memcpy(&ai, &a, sizeof ai); \
    memcpy(&bi, &b, sizeof bi); \
    I r = (mask & ai) | (~mask & bi); \
    V out; \
    memcpy(&out, &r, sizeof out); \
    return out; \
} \
CK_INLINE V CK_FN(exp##LANES)(V v) { \
    V lo = SPLAT(-87.0f), hi = SPLAT(88.0f); \
    V x = CK_FN(select##LANES)((I)(v < lo), lo, v); \
    x = CK_FN(select##LANES)((I)(x > hi), hi, x); \
    V magic = SPLAT(12582912.0f); \
    V t = x * SPLAT(1.44269504f) + magic; \
    V n = t - magic; \
    V r = x - n * SPLAT(0.693359375f) + n * SPLAT(2.1219444e-4f); \
    V z = r * r; \
    V p = SPLAT(1.98756915e-4f); \
    p = FMA(p, r, SPLAT(1.3981999507e-3f)); \
    p = FMA(p, r, SPLAT(8.3334519073e-3f)); \
    p = FMA(p, r, SPLAT(4.1665795894e-2f)); \
    p = FMA(p, r, SPLAT(1.6666665459e-1f)); \
    p = FMA(p, r, SPLAT(5.0000001201e-1f)); \
    p = FMA(p, z, r) + SPLAT(1.0f); \
    I ti; \
    memcpy(&ti, &t, sizeof ti); \
    I bits = (ti - 0x4B400000 + 127) << 23; \
    V scale; \
    memcpy(&scale, &bits, sizeof scale); \
    return p * scale; \
}
CK_DEFINE_EXP(8, v8, i8, SPLAT8)
CK_DEFINE_EXP(16, v16, i16, SPLAT16)
#undef CK_DEFINE_EXP

void CK_FN(exp)(const float *x, float *y, ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8) S8(y + i, CK_FN(exp8)(L8(x + i)));
    for (; i < n; i++) y[i] = CK_FN(exp8)(SPLAT8(x[i]))[0];
}

float CK_FN(softmax_xent)(float *row, ptrdiff_t count, ptrdiff_t label, float scale) {
    float labelLogit = row[label];
    v8 m8 = SPLAT8(-INFINITY);
    ptrdiff_t i = 0;
    // Four running maxima (independent chains); NaN lanes never win (as `v > m ? v : m`).
    v8 m8b = m8, m8c = m8, m8d = m8;
    for (; i + 32 <= count; i += 32) {
        v8 v0 = L8(row + i), v1 = L8(row + i + 8), v2 = L8(row + i + 16), v3 = L8(row + i + 24);
        m8 = CK_FN(select8)((i8)(v0 > m8), v0, m8);
        m8b = CK_FN(select8)((i8)(v1 > m8b), v1, m8b);
        m8c = CK_FN(select8)((i8)(v2 > m8c), v2, m8c);
        m8d = CK_FN(select8)((i8)(v3 > m8d), v3, m8d);
    }
    m8 = CK_FN(select8)((i8)(m8b > m8), m8b, m8);
    m8c = CK_FN(select8)((i8)(m8d > m8c), m8d, m8c);
    m8 = CK_FN(select8)((i8)(m8c > m8), m8c, m8);
    for (; i + 8 <= count; i += 8) {
        v8 v = L8(row + i);
        m8 = CK_FN(select8)((i8)(v > m8), v, m8);
    }
    float m = m8[0];
    for (int k = 1; k < 8; k++) m = m8[k] > m ? m8[k] : m;
    for (; i < count; i++) m = row[i] > m ? row[i] : m;
    v8 mv = SPLAT8(m), s8 = SPLAT8(0.0f);
    i = 0;
    if (CK_LEVEL == CK_LEVEL_AVX512) {
        // Sixteen exponentials at a time; the two halves are added to s8 in order (same sum).
        v16 mw = SPLAT16(m);
        for (; i + 16 <= count; i += 16) {
            v16 e = CK_FN(exp16)(L16(row + i) - mw);
            S16(row + i, e);
            s8 += __builtin_shufflevector(e, e, 0, 1, 2, 3, 4, 5, 6, 7);
            s8 += __builtin_shufflevector(e, e, 8, 9, 10, 11, 12, 13, 14, 15);
        }
    }
    for (; i + 8 <= count; i += 8) {
        v8 e = CK_FN(exp8)(L8(row + i) - mv);
        S8(row + i, e);
        s8 += e;
    }
    float sum = -0.0f;
    for (int k = 0; k < 8; k++) sum += s8[k];
    for (; i < count; i++) {
        float e = CK_FN(exp8)(SPLAT8(row[i] - m))[0];
        row[i] = e;
        sum += e;
    }
    float factor = scale / sum;
    v8 fv = SPLAT8(factor);
    for (i = 0; i + 8 <= count; i += 8) S8(row + i, L8(row + i) * fv);
    for (; i < count; i++) row[i] *= factor;
    row[label] -= scale;
    return m + (float)log((double)sum) - labelLogit;
}

// MARK: the softmax model's products (fused, no packing of the large operands)

/// out[i·ldo + c] = Σ_p a[i·ars + p·acs] · b[p·ldb + c] for i < rows (1 or 2) and c < ncols
/// (at most 8·NV); reads 8·NV floats of each row of b. Accumulates each output in p order.
/// Two rows keep the 2·NV accumulators, the broadcasts and a row of b in the 16 AVX registers.
CK_INLINE void CK_FN(rows_by_matrix_nv)(ptrdiff_t k, const float *a, ptrdiff_t ars, ptrdiff_t acs, const float *b, ptrdiff_t ldb,
                                        float *out, ptrdiff_t ldo, ptrdiff_t rows, ptrdiff_t ncols, const int NV) {
    v8 c0[5], c1[5];
    for (int j = 0; j < NV; j++) { c0[j] = SPLAT8(0.0f); c1[j] = SPLAT8(0.0f); }
    const float *a0 = a, *a1 = a + (rows > 1 ? ars : 0);
    ptrdiff_t q = 0;
    for (ptrdiff_t p = 0; p < k; p++) {
        const float *br = b + p * ldb;
        v8 x0 = SPLAT8(a0[q]), x1 = SPLAT8(a1[q]);
        for (int j = 0; j < NV; j++) {
            v8 bv = L8(br + 8 * j);
            c0[j] = FMA(x0, bv, c0[j]);
            c1[j] = FMA(x1, bv, c1[j]);
        }
        q += acs;
    }
    float tmp[40];
    for (int j = 0; j < NV; j++) S8(tmp + 8 * j, c0[j]);
    memcpy(out, tmp, (size_t)ncols * sizeof(float));
    if (rows > 1) {
        for (int j = 0; j < NV; j++) S8(tmp + 8 * j, c1[j]);
        memcpy(out + ldo, tmp, (size_t)ncols * sizeof(float));
    }
}

/// The AVX-512 form of `rows_by_matrix_nv`: R rows (4 or 6; `rows` ≤ R of them stored) with N16 16-lane
/// accumulators and, when T8, one 8-lane accumulator per row (ncols ≤ 16·N16 + 8·T8). Each output
/// lane gets the same fused multiply-adds in the same p order as in the 8-lane form, so the results
/// are bit-identical; only the register blocking differs (32 vector registers hold 6 rows × 40
/// columns, so a 6-row block of the softmax reads b once).
CK_INLINE void CK_FN(rows_by_matrix_wide)(ptrdiff_t k, const float *a, ptrdiff_t ars, ptrdiff_t acs, const float *b, ptrdiff_t ldb,
                                          float *out, ptrdiff_t ldo, ptrdiff_t rows, ptrdiff_t ncols, const int N16, const int T8,
                                          const int R) {
    v16 c[6][2];
    v8 t[6];
    const float *ar[6];
    for (int r = 0; r < R; r++) {
        for (int j = 0; j < N16; j++) c[r][j] = SPLAT16(0.0f);
        t[r] = SPLAT8(0.0f);
        ar[r] = a + (r < rows ? r : 0) * ars;
    }
    ptrdiff_t q = 0;
    for (ptrdiff_t p = 0; p < k; p++) {
        const float *br = b + p * ldb;
        v16 bv[2];
        v8 tv = SPLAT8(0.0f);
        for (int j = 0; j < N16; j++) bv[j] = L16(br + 16 * j);
        if (T8) tv = L8(br + 16 * N16);
#pragma clang loop unroll(full)
        for (int r = 0; r < R; r++) {
            float x = ar[r][q];
            for (int j = 0; j < N16; j++) c[r][j] = FMA(SPLAT16(x), bv[j], c[r][j]);
            if (T8) t[r] = FMA(SPLAT8(x), tv, t[r]);
        }
        q += acs;
    }
    for (int r = 0; r < R && r < rows; r++) {
        float tmp[40];
        for (int j = 0; j < N16; j++) S16(tmp + 16 * j, c[r][j]);
        if (T8) S8(tmp + 16 * N16, t[r]);
        memcpy(out + r * ldo, tmp, (size_t)ncols * sizeof(float));
    }
}

void CK_FN(rows_by_matrix)(ptrdiff_t m, ptrdiff_t ncols, ptrdiff_t k, const float *a, ptrdiff_t ars, ptrdiff_t acs,
                           const float *b, ptrdiff_t ldb, float *out, ptrdiff_t ldo) {
    for (ptrdiff_t c0 = 0; c0 < ncols; c0 += 40) {
        ptrdiff_t nc = ncols - c0 < 40 ? ncols - c0 : 40;
        if (CK_LEVEL == CK_LEVEL_AVX512) {
            // 16-lane vectors and 6 or 4 rows a block: 33-40% faster on AVX-512 than the 8-lane form
            // (measured on the softmax's 200 × 1,682 × 35 shapes with 4 rows), the same bits.
            for (ptrdiff_t i = 0; i < m;) {
                // Blocks of 6 rows (the softmax's), 4 for the rest.
                const int R = m - i > 4 ? 6 : 4;
                ptrdiff_t rows = m - i < R ? m - i : R;
                const float *ai = a + i * ars;
                float *oi = out + i * ldo + c0;
#define CK_RBM_WIDE(N16, T8) (R == 6 ? CK_FN(rows_by_matrix_wide)(k, ai, ars, acs, b + c0, ldb, oi, ldo, rows, nc, N16, T8, 6) \
                                     : CK_FN(rows_by_matrix_wide)(k, ai, ars, acs, b + c0, ldb, oi, ldo, rows, nc, N16, T8, 4))
                switch ((nc + 7) / 8) {
                case 1: CK_RBM_WIDE(0, 1); break;
                case 2: CK_RBM_WIDE(1, 0); break;
                case 3: CK_RBM_WIDE(1, 1); break;
                case 4: CK_RBM_WIDE(2, 0); break;
                default: CK_RBM_WIDE(2, 1); break;
                }
#undef CK_RBM_WIDE
                i += rows;
            }
            continue;
        }
        for (ptrdiff_t i = 0; i < m; i += 2) {
            ptrdiff_t rows = m - i < 2 ? m - i : 2;
            const float *ai = a + i * ars;
            float *oi = out + i * ldo + c0;
            switch ((nc + 7) / 8) {
            case 1: CK_FN(rows_by_matrix_nv)(k, ai, ars, acs, b + c0, ldb, oi, ldo, rows, nc, 1); break;
            case 2: CK_FN(rows_by_matrix_nv)(k, ai, ars, acs, b + c0, ldb, oi, ldo, rows, nc, 2); break;
            case 3: CK_FN(rows_by_matrix_nv)(k, ai, ars, acs, b + c0, ldb, oi, ldo, rows, nc, 3); break;
            case 4: CK_FN(rows_by_matrix_nv)(k, ai, ars, acs, b + c0, ldb, oi, ldo, rows, nc, 4); break;
            default: CK_FN(rows_by_matrix_nv)(k, ai, ars, acs, b + c0, ldb, oi, ldo, rows, nc, 5); break;
            }
        }
    }
}

/// One tile of out = Aᵀ·B: out[j·ldo + c0 + c] = Σ_p a[p·lda + j] · b[p·ldb + c0 + c] for j < 16·MV
/// and c < ct (at most CT). The rows of A give the vector lanes (16·MV consecutive floats of each
/// row, loaded whole) and the CT columns of B are broadcast: MV·CT accumulators, each a chain of
/// fused multiply-adds in p order from zero as in `rows_by_matrix`, so the results are its bits.
CK_INLINE void CK_FN(columns_tile)(ptrdiff_t k, const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, ptrdiff_t ncols,
                                   ptrdiff_t c0, ptrdiff_t ct, float *out, ptrdiff_t ldo, const int MV, const int CT) {
    v16 acc[12][2];
    const float *bc[12];
#pragma clang loop unroll(full)
    for (int c = 0; c < CT; c++) {
#pragma clang loop unroll(full)
        for (int v = 0; v < MV; v++) acc[c][v] = SPLAT16(0.0f);
        // Columns past ncols read the last one (a valid float; the result is not stored).
        bc[c] = b + (c0 + c < ncols ? c0 + c : ncols - 1);
    }
    for (ptrdiff_t p = 0; p < k; p++) {
        v16 x[2];
#pragma clang loop unroll(full)
        for (int v = 0; v < MV; v++) x[v] = L16(a + p * lda + 16 * v);
        const ptrdiff_t q = p * ldb;
#pragma clang loop unroll(full)
        for (int c = 0; c < CT; c++) {
            v16 s = SPLAT16(bc[c][q]);
#pragma clang loop unroll(full)
            for (int v = 0; v < MV; v++) acc[c][v] = FMA(s, x[v], acc[c][v]);
        }
    }
    float tmp[12 * 32];
    for (int c = 0; c < CT; c++) for (int v = 0; v < MV; v++) S16(tmp + c * 32 + 16 * v, acc[c][v]);
    for (ptrdiff_t j = 0; j < 16 * MV; j++) {
        float *o = out + j * ldo + c0;
        for (ptrdiff_t c = 0; c < ct; c++) o[c] = tmp[c * 32 + j];
    }
}

void CK_FN(columns_by_matrix)(ptrdiff_t m, ptrdiff_t ncols, ptrdiff_t k, const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
                              float *out, ptrdiff_t ldo) {
    // Tiles of 32 rows of the output × 12 columns (24 of the 32 AVX-512 registers), or 16 × 6 (12 of
    // the 16 AVX registers).
    enum { MV = CK_LEVEL == CK_LEVEL_AVX512 ? 2 : 1, CT = CK_LEVEL == CK_LEVEL_AVX512 ? 12 : 6, MT = 16 * MV };
    if (CK_LEVEL == CK_LEVEL_BASELINE || m < MT) {
        CK_FN(rows_by_matrix)(m, ncols, k, a, 1, lda, b, ldb, out, ldo);
        return;
    }
    for (ptrdiff_t m0 = 0; m0 < m; m0 += MT) {
        // The last tile ends at m (overlapping the one before): it recomputes a few rows, same bits.
        const ptrdiff_t t = m0 + MT <= m ? m0 : m - MT;
        for (ptrdiff_t c0 = 0; c0 < ncols; c0 += CT) {
            const ptrdiff_t ct = ncols - c0 < CT ? ncols - c0 : CT;
            CK_FN(columns_tile)(k, a + t, lda, b, ldb, ncols, c0, ct, out + t * ldo, ldo, MV, CT);
        }
    }
}

void CK_FN(scatter_add_rows)(const float *src, ptrdiff_t ld, const int32_t *pairs, ptrdiff_t n, float *dst) {
    for (ptrdiff_t e = 0; e < n; e++) {
        const float *x = src + (ptrdiff_t)pairs[2 * e] * ld;
        float *y = dst + (ptrdiff_t)pairs[2 * e + 1] * ld;
        ptrdiff_t c = 0;
        for (; c + 16 <= ld; c += 16) S16(y + c, L16(y + c) + L16(x + c));
        for (; c + 8 <= ld; c += 8) S8(y + c, L8(y + c) + L8(x + c));
        for (; c < ld; c++) y[c] += x[c];
    }
}

/// `bag_sum` for columns [0, 16·NV + 8·T8) of the rows, held in registers.
CK_INLINE void CK_FN(bag_sum_w)(const float *table, ptrdiff_t ld, const int32_t *rows, ptrdiff_t count, ptrdiff_t excluded,
                                float *out, const int NV, const int T8) {
    v16 a[4];
    v8 t = SPLAT8(0.0f);
    for (int v = 0; v < NV; v++) a[v] = SPLAT16(0.0f);
    for (ptrdiff_t q = 0; q < count; q++) {
        if (q == excluded) continue;
        const float *r = table + (ptrdiff_t)rows[q] * ld;
#pragma clang loop unroll(full)
        for (int v = 0; v < NV; v++) a[v] = a[v] + L16(r + 16 * v);
        if (T8) t = t + L8(r + 16 * NV);
    }
    for (int v = 0; v < NV; v++) S16(out + 16 * v, a[v]);
    if (T8) S8(out + 16 * NV, t);
}

void CK_FN(bag_sum)(const float *table, ptrdiff_t ld, const int32_t *rows, ptrdiff_t count, ptrdiff_t excluded, float *out) {
    for (ptrdiff_t c0 = 0; c0 < ld; c0 += 64) {
        const ptrdiff_t nc = ld - c0 < 64 ? ld - c0 : 64;
        const float *t = table + c0;
        float *o = out + c0;
        switch (nc / 8) {
        case 1: CK_FN(bag_sum_w)(t, ld, rows, count, excluded, o, 0, 1); break;
        case 2: CK_FN(bag_sum_w)(t, ld, rows, count, excluded, o, 1, 0); break;
        case 3: CK_FN(bag_sum_w)(t, ld, rows, count, excluded, o, 1, 1); break;
        case 4: CK_FN(bag_sum_w)(t, ld, rows, count, excluded, o, 2, 0); break;
        case 5: CK_FN(bag_sum_w)(t, ld, rows, count, excluded, o, 2, 1); break;
        case 6: CK_FN(bag_sum_w)(t, ld, rows, count, excluded, o, 3, 0); break;
        case 7: CK_FN(bag_sum_w)(t, ld, rows, count, excluded, o, 3, 1); break;
        default: CK_FN(bag_sum_w)(t, ld, rows, count, excluded, o, 4, 0); break;
        }
    }
}

void CK_FN(side_refresh)(float *table, ptrdiff_t ld, ptrdiff_t dim, ptrdiff_t begin, ptrdiff_t end, const int32_t *genre_offsets,
                         const int32_t *genre_tokens, const int32_t *year_tokens, const float *genres, ptrdiff_t genre_dim,
                         const float *years, ptrdiff_t year_dim) {
    for (ptrdiff_t m = begin; m < end; m++) {
        float *row = table + m * ld + dim;
        for (ptrdiff_t c = 0; c < genre_dim; c++) row[c] = 0;
        for (int32_t q = genre_offsets[m]; q < genre_offsets[m + 1]; q++) {
            const float *g = genres + (ptrdiff_t)genre_tokens[q] * genre_dim;
            for (ptrdiff_t c = 0; c < genre_dim; c++) row[c] += g[c];
        }
        const float *y = years + (ptrdiff_t)year_tokens[m] * year_dim;
        for (ptrdiff_t c = 0; c < year_dim; c++) row[genre_dim + c] = y[c];
    }
}

void CK_FN(side_gather)(float *table, ptrdiff_t ld, ptrdiff_t dim, ptrdiff_t begin, ptrdiff_t end, const int32_t *genre_offsets,
                        const int32_t *genre_tokens, const int32_t *year_tokens, float *genres, ptrdiff_t genre_dim,
                        float *years, ptrdiff_t year_dim) {
    for (ptrdiff_t m = begin; m < end; m++) {
        float *row = table + m * ld + dim;
        for (int32_t q = genre_offsets[m]; q < genre_offsets[m + 1]; q++) {
            float *g = genres + (ptrdiff_t)genre_tokens[q] * genre_dim;
            for (ptrdiff_t c = 0; c < genre_dim; c++) g[c] += row[c];
        }
        float *y = years + (ptrdiff_t)year_tokens[m] * year_dim;
        for (ptrdiff_t c = 0; c < year_dim; c++) y[c] += row[genre_dim + c];
        for (ptrdiff_t c = 0; c < ld - dim; c++) row[c] = 0;
    }
}

void CK_FN(pack_panels)(const float *v, ptrdiff_t ld, ptrdiff_t begin, ptrdiff_t end, ptrdiff_t dim, float *panels) {
    for (ptrdiff_t m = begin; m < end; m++) {
        float *dst = panels + (m / 16) * dim * 16 + (m % 16);
        const float *src = v + m * ld;
        for (ptrdiff_t p = 0; p < dim; p++) dst[p * 16] = src[p];
    }
}

/// Six rows of A times two 16-movie panels (32 columns of C, `rows` ≤ 6 of them stored): each
/// output gets the same fused multiply-adds in the same order as `gemm_tile` on one panel.
CK_INLINE void CK_FN(panel_tile_pair)(ptrdiff_t k, const float *a, ptrdiff_t rs, const float *b0, const float *b1,
                                      float *c, ptrdiff_t ldc, ptrdiff_t rows) {
    v16 x[6], y[6];
    for (int r = 0; r < 6; r++) { x[r] = SPLAT16(0.0f); y[r] = SPLAT16(0.0f); }
    for (ptrdiff_t p = 0; p < k; p++) {
        v16 u = L16(b0 + p * 16), v = L16(b1 + p * 16);
        for (int r = 0; r < 6; r++) {
            v16 s = SPLAT16(a[r * rs + p]);
            x[r] = FMA(s, u, x[r]);
            y[r] = FMA(s, v, y[r]);
        }
    }
    for (int r = 0; r < 6 && r < rows; r++) {
        S16(c + r * ldc, x[r]);
        S16(c + r * ldc + 16, y[r]);
    }
}

void CK_FN(panel_logits)(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda, const float *panels, float *c, ptrdiff_t ldc) {
    float tmp[6 * 64];
    for (ptrdiff_t i = 0; i < m; i += 6) {
        ptrdiff_t rows = m - i < 6 ? m - i : 6;
        const float *ai = a + i * lda;
        ptrdiff_t rs = lda;
        if (rows < 6) {
            // A partial block: its rows copied into a zero-padded 6-row block (never read past A).
            memset(tmp, 0, sizeof tmp);
            for (ptrdiff_t r = 0; r < rows; r++) memcpy(tmp + r * k, ai + r * lda, (size_t)k * sizeof(float));
            ai = tmp;
            rs = k;
        }
        ptrdiff_t q = 0;
        if (CK_LEVEL == CK_LEVEL_AVX512) {
            // Two panels at once (12 accumulators of the 32 registers): the same products and sums.
            for (; (q + 2) * 16 <= n; q += 2) {
                CK_FN(panel_tile_pair)(k, ai, rs, panels + q * k * 16, panels + (q + 1) * k * 16, c + i * ldc + q * 16, ldc, rows);
            }
        }
        for (; q * 16 < n; q++) {
            ptrdiff_t cols = n - q * 16 < 16 ? n - q * 16 : 16;
            CK_FN(gemm_tile)(k, ai, rs, 1, panels + q * k * 16, 16, c + i * ldc + q * 16, ldc, rows, cols, 1.0f, 0.0f);
        }
    }
}

double CK_FN(softmax_rows)(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *u, const float *panels, const float *v, ptrdiff_t ldv,
                           const int32_t *labels, float scale, float *logits, float *du) {
    double loss = 0;
    for (ptrdiff_t i = 0; i < m; i += 6) {
        ptrdiff_t rows = m - i < 6 ? m - i : 6;
        float *z = logits + i * n;
        CK_FN(panel_logits)(rows, n, k, u + i * k, k, panels, z, n);
        for (ptrdiff_t r = 0; r < rows; r++) loss += (double)CK_FN(softmax_xent)(z + r * n, n, labels[i + r], scale);
        CK_FN(rows_by_matrix)(rows, k, n, z, n, 1, v, ldv, du + i * k, k);
    }
    return loss;
}

// MARK: full-batch matrix factorization (the two phases of one step)

CK_INLINE float CK_FN(sum8)(v8 v) {
    v4 b = __builtin_shufflevector(v, v, 0, 1, 2, 3) + __builtin_shufflevector(v, v, 4, 5, 6, 7);
    v2 c = __builtin_shufflevector(b, b, 0, 1) + __builtin_shufflevector(b, b, 2, 3);
    return c[0] + c[1];
}

/// [a0+a1, a2+a3, a4+a5, a6+a7, b0+b1, b2+b3, b4+b5, b6+b7].
CK_INLINE v8 CK_FN(pair_sum)(v8 a, v8 b) {
    return __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14) + __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15);
}
#define PAIR CK_FN(pair_sum)

/// [a0+a1, a2+a3, …, a14+a15, b0+b1, …, b14+b15]: `pair_sum` on the 8-lane halves of two pairs of rows.
CK_INLINE v16 CK_FN(pair_sum16)(v16 a, v16 b) {
    return __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30)
         + __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
}

/// The 16 partial products of a row against x: lane l is Σ_c x[16c + l]·row[16c + l] (a multiply,
/// then fused multiply-adds in c order).
CK_INLINE v16 CK_FN(mf_partials)(const v16 *x, const float *row, const int W) {
    v16 acc = x[0] * L16(row);
    for (int c = 1; c < W; c++) acc = FMA(x[c], L16(row + 16 * c), acc);
    return acc;
}

/// The 8 dot products of a block from their partials f[k]: the halves are added (s_l = f_l + f_{l+8}),
/// then the 8 sums are added pairwise, ((s0+s1)+(s2+s3))+((s4+s5)+(s6+s7)). The AVX-512 form packs two
/// rows per register and does the same additions.
CK_INLINE v8 CK_FN(mf_block_dots)(const v16 *f) {
    if (CK_LEVEL == CK_LEVEL_AVX512) {
        v16 a[4];
        for (int k = 0; k < 4; k++) {
            a[k] = __builtin_shufflevector(f[2 * k], f[2 * k + 1], 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23)
                 + __builtin_shufflevector(f[2 * k], f[2 * k + 1], 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
        }
        v16 q = CK_FN(pair_sum16)(CK_FN(pair_sum16)(a[0], a[1]), CK_FN(pair_sum16)(a[2], a[3]));
        return PAIR(__builtin_shufflevector(q, q, 0, 1, 2, 3, 4, 5, 6, 7), __builtin_shufflevector(q, q, 8, 9, 10, 11, 12, 13, 14, 15));
    }
    v8 s[8];
    for (int k = 0; k < 8; k++) {
        s[k] = __builtin_shufflevector(f[k], f[k], 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(f[k], f[k], 8, 9, 10, 11, 12, 13, 14, 15);
    }
    return PAIR(PAIR(PAIR(s[0], s[1]), PAIR(s[2], s[3])), PAIR(PAIR(s[4], s[5]), PAIR(s[6], s[7])));
}

/// The data gradients of one block of 8 ratings of user x: g += e_k·V_{item k} for even k (h for
/// odd k), and this partition's item sums S_{item k} += e_k·x.
CK_INLINE void CK_FN(mf_grad_block)(const float *V, float *S, const int32_t *items, v8 e8, const v16 *x, v16 *g, v16 *h, const int W) {
    for (int k = 0; k < 8; k += 2) {
        const ptrdiff_t r = (ptrdiff_t)items[k] * (16 * W), t = (ptrdiff_t)items[k + 1] * (16 * W);
        const v16 ev = SPLAT16(e8[k]), fv = SPLAT16(e8[k + 1]);
        for (int c = 0; c < W; c++) {
            g[c] = FMA(ev, L16(V + r + 16 * c), g[c]);
            h[c] = FMA(fv, L16(V + t + 16 * c), h[c]);
        }
        for (int c = 0; c < W; c++) S16(S + r + 16 * c, FMA(ev, x[c], L16(S + r + 16 * c)));
        for (int c = 0; c < W; c++) S16(S + t + 16 * c, FMA(fv, x[c], L16(S + t + 16 * c)));
    }
}

/// The gradients phase with rows of 16·W floats (W a constant after inlining: loops unroll and the
/// arrays below live in registers).
CK_INLINE void CK_FN(mf_gradients_w)(ck_mf_phase *A, const int W) {
    const ptrdiff_t w = A->width;
    const float *V = A->other;
    float *S = A->item_sums;
    double train_sum = 0, test_sum = 0;
    for (ptrdiff_t i = A->begin; i < A->end; i++) {
        const float *row = A->rows + i * w;
        // Two sets of gradient accumulators (even and odd ratings of a block), so that twice as
        // many independent FMA chains hide the FMA latency; summed once per user.
        v16 x[8], g[8], h[8];
        for (int c = 0; c < W; c++) { x[c] = L16(row + 16 * c); g[c] = SPLAT16(0.0f); h[c] = SPLAT16(0.0f); }
        const ptrdiff_t start = A->offsets[i], end = A->offsets[i + 1];
        v8 sq8 = SPLAT8(0.0f);
        // Software-pipelined: the gradients of block b − 1 are accumulated after the dot products of
        // block b are issued, so the FMAs never wait for a block's residuals (same operations, same
        // order as accumulating each block's gradients right after its residuals).
        v8 eprev = SPLAT8(0.0f);
        ptrdiff_t pprev = -1;
        for (ptrdiff_t p = start; p < end; p += 8) {
            v16 f[8];
            for (int k = 0; k < 8; k++) f[k] = CK_FN(mf_partials)(x, V + (ptrdiff_t)A->index[p + k] * (16 * W), W);
            v8 e8 = CK_FN(mf_block_dots)(f) - L8(A->values + p);
            sq8 = FMA(e8, e8, sq8);
            if (pprev >= 0) CK_FN(mf_grad_block)(V, S, A->index + pprev, eprev, x, g, h, W);
            pprev = p;
            eprev = e8;
        }
        if (pprev >= 0) CK_FN(mf_grad_block)(V, S, A->index + pprev, eprev, x, g, h, W);
        train_sum += (double)CK_FN(sum8)(sq8);
        for (int c = 0; c < W; c++) S16(A->grad + i * w + 16 * c, g[c] + h[c]);
        if (A->logging) {
            float tsq = 0;
            for (ptrdiff_t p = A->test_offsets[i]; p < A->test_offsets[i + 1]; p++) {
                v16 f = CK_FN(mf_partials)(x, V + (ptrdiff_t)A->test_index[p] * w, W);
                v8 s = __builtin_shufflevector(f, f, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(f, f, 8, 9, 10, 11, 12, 13, 14, 15);
                float e = CK_FN(sum8)(s) - A->test_values[p];
                tsq = FMAF(e, e, tsq);
            }
            test_sum += (double)tsq;
        }
    }
    A->train_sum = train_sum;
    A->test_sum = test_sum;
}

/// The update phase with rows of 16·W floats: the data gradient of row j is the sum of its two
/// partial sums (the second only when given), in that order.
CK_INLINE void CK_FN(mf_update_w)(ck_mf_phase *A, const int W) {
    const ptrdiff_t w = A->width, d = A->dim;
    float *S0 = A->item_sums;
    const float *S1 = A->other_item_sums;
    const v16 data_scale = SPLAT16(A->data_scale), reg_scale = SPLAT16(A->reg_scale), zero = SPLAT16(0.0f);
    float *buffer = A->grad;
    for (ptrdiff_t j = A->begin; j < A->end; j++) {
        float *row = A->rows + j * w;
        v16 g[8];
        for (int c = 0; c < W; c++) g[c] = L16(S0 + j * w + 16 * c);
        if (S1) { for (int c = 0; c < W; c++) g[c] = g[c] + L16(S1 + j * w + 16 * c); }
        if (A->zero_sums) { for (int c = 0; c < W; c++) S16(S0 + j * w + 16 * c, zero); }
        for (int c = 0; c < W; c++) g[c] = g[c] * data_scale;
        if (A->use_reg) { for (int c = 0; c < W; c++) g[c] = FMA(reg_scale, L16(row + 16 * c), g[c]); }
        if (A->use_gravity) {
            for (ptrdiff_t k = 0; k < d; k++) {
                v16 xk = SPLAT16(row[k]);
                const float *gk = A->gravity_gram + k * w;
                for (int c = 0; c < W; c++) g[c] = FMA(xk, L16(gk + 16 * c), g[c]);
            }
        }
        for (int c = 0; c < W; c++) S16(buffer + 16 * c, g[c]);
        if (A->captured) memcpy(A->captured + j * w, buffer, (size_t)w * sizeof(float));
        if (!A->apply_update) continue;
        CK_FN(optimizer_inline)(A->optimizer, A->learning_rate, A->adam_step, row, buffer,
                                A->state0 ? A->state0 + j * w : row, A->state1 ? A->state1 + j * w : row, 16 * W);
        if (A->use_gram) CK_FN(gram_rank_one)(A->gram_out, row, d, w);
    }
}

/// Calls `body(A, W)` with the row width W = width / 16 as a constant (1 to 8).
#define CK_BY_WIDTH(body, A) do { \
    switch ((A)->width / 16) { \
    case 1: body(A, 1); break; case 2: body(A, 2); break; case 3: body(A, 3); break; case 4: body(A, 4); break; \
    case 5: body(A, 5); break; case 6: body(A, 6); break; case 7: body(A, 7); break; default: body(A, 8); break; \
    } } while (0)

void CK_FN(mf_gradients)(ck_mf_phase *A) { CK_BY_WIDTH(CK_FN(mf_gradients_w), A); }

void CK_FN(mf_update)(ck_mf_phase *A) { CK_BY_WIDTH(CK_FN(mf_update_w), A); }

const ck_kernels CK_CAT(ck_table, CK_SUFFIX) = {
    .level = CK_LEVEL,
    .name = CK_NAME,
    .dot = CK_FN(dot),
    .dot_sum = CK_FN(dot_sum),
    .axpy = CK_FN(axpy),
    .axpby = CK_FN(axpby),
    .sgd_pair = CK_FN(sgd_pair),
    .rank_one_sum = CK_FN(rank_one_sum),
    .symv = CK_FN(symv),
    .gram_rank_one = CK_FN(gram_rank_one),
    .gemm_tile = CK_FN(gemm_tile),
    .optimizer = CK_FN(optimizer),
    .exp = CK_FN(exp),
    .softmax_xent = CK_FN(softmax_xent),
    .mf_gradients = CK_FN(mf_gradients),
    .mf_update = CK_FN(mf_update),
    .rows_by_matrix = CK_FN(rows_by_matrix),
    .columns_by_matrix = CK_FN(columns_by_matrix),
    .scatter_add_rows = CK_FN(scatter_add_rows),
    .bag_sum = CK_FN(bag_sum),
    .side_refresh = CK_FN(side_refresh),
    .side_gather = CK_FN(side_gather),
    .pack_panels = CK_FN(pack_panels),
    .panel_logits = CK_FN(panel_logits),
    .softmax_rows = CK_FN(softmax_rows),
    .gemv = CK_FN(gemv),
    .next_above = CK_FN(next_above),
};

#undef v16
#undef v8
#undef v4
#undef v2
#undef i8
#undef i16
#undef FMA
#undef FMAF
#undef L16
#undef S16
#undef L8
#undef S8
#undef REDUCE16
#undef PAIR
#undef CK_BY_WIDTH
#pragma clang diagnostic pop
