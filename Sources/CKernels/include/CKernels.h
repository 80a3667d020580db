#ifndef CKERNELS_H
#define CKERNELS_H
/// The numerical kernels of the recommender library, compiled for several instruction sets
/// and chosen once at run time for the CPU at hand (as OpenBLAS and NumPy do).
///
/// Every kernel exists in a portable baseline version (SSE2 on x86-64: multiply, then add)
/// and, on x86-64, in AVX2 + FMA and AVX-512 versions (fused multiply-add). The AVX2 and
/// AVX-512 versions compute lane for lane the same operations in the same order, so they
/// give bit-identical results; the baseline differs from them by rounding only.
/// `ck_active` points at the best table for this CPU; the environment variable
/// `RECOMMENDER_KERNELS` (`baseline`, `avx2`, `avx512`) can lower the choice for a run.
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Whether the code that imports this header is compiled for a CPU with fused multiply-add
/// (`-target-cpu haswell` or newer on x86-64; always on arm64). Swift code uses it to choose,
/// at compile time, between `addingProduct` and a separate multiply and add.
#if defined(__FMA__) || defined(__aarch64__) || defined(__ARM_FEATURE_FMA)
#define CK_COMPILED_FMA 1
#else
#define CK_COMPILED_FMA 0
#endif

/// Instruction-set levels of the kernel tables.
enum {
    CK_LEVEL_BASELINE = 0,
    CK_LEVEL_AVX2 = 1,
    CK_LEVEL_AVX512 = 2,
};

#pragma clang assume_nonnull begin

/// The arguments of the two phases of one full-batch MF step (see
/// Models/MatrixFactorizationKernel.swift, which documents the algorithm). Rows are `width`
/// floats (a multiple of 16, at most 128), of which the first `dim` are used.
/// - Gradients phase (`mf_gradients`), for users [begin, end) and the ratings of one half of the items:
///   eᵢⱼ = Uᵢ·Vⱼ − r; grad row i ← Σⱼ eᵢⱼVⱼ; item_sums row j += eᵢⱼUᵢ; squared errors summed.
/// - Update phase (`mf_update`), for rows [begin, end) of `rows` (U or V): the gradient is
///   data_scale·(item_sums + other_item_sums) + the regularization and gravity terms; the row is
///   updated and its Gram rank-one term accumulated.
typedef struct ck_mf_phase {
    ptrdiff_t begin, end, dim, width;
    /// The rows read (gradients phase: U) or updated (update phase: U or V), and the other side
    /// (gradients phase: V).
    float *rows;
    const float *other;
    /// Gradients phase: the partial ∂L/∂U sums (one row per user, overwritten).
    /// Update phase: a scratch row of `width` floats.
    float *grad;
    /// Gradients phase: the ratings of this half of the items by user, offsets[r]..<offsets[r+1]
    /// indexing `index` (items; runs padded to 8 with the zero row) and `values` (ratings).
    const int32_t *_Nullable offsets, *_Nullable index;
    const float *_Nullable values;
    /// Gradients phase: this half's item sums Σᵢ eᵢⱼ·Uᵢ (one row per item, plus the zero row),
    /// accumulated. Update phase: the first partial sums of each row, and the second (or NULL);
    /// with `zero_sums`, the first are zeroed once read.
    float *item_sums;
    const float *_Nullable other_item_sums;
    int zero_sums;
    /// Test ratings of this half of the items by user (gradients phase, when `logging`).
    const int32_t *_Nullable test_offsets, *_Nullable test_index;
    const float *_Nullable test_values;
    /// Update phase: optimizer kind (0 sgd, 1 Adagrad, 2 Adam), learning rate, Adam step, state rows.
    int apply_update, optimizer;
    float learning_rate, adam_step;
    float *_Nullable state0, *_Nullable state1;
    float data_scale, reg_scale;
    int use_reg, use_gravity, use_gram, logging;
    /// Update phase: this partition's Gram accumulator (zeroed by the caller) and the scaled Gram
    /// matrix of the other side (gravity).
    float *gram_out;
    const float *gravity_gram;
    /// Update phase: when set, each gradient row is also copied here.
    float *_Nullable captured;
    /// Outputs of the gradients phase: the sums of squared training and test errors.
    double train_sum, test_sum;
} ck_mf_phase;

/// One set of kernels (see the documentation of each field).
typedef struct ck_kernels {
    /// The level of this table (`CK_LEVEL_*`).
    int level;
    /// A short name: "baseline", "avx2", "avx512".
    const char *name;
    /// Σ a[i]·b[i] over n elements (two 16-lane accumulators, tree-reduced).
    float (*dot)(const float *a, const float *b, ptrdiff_t n);
    /// Σ a[i]·(b[i] + c[i]).
    float (*dot_sum)(const float *a, const float *b, const float *c, ptrdiff_t n);
    /// y[i] += alpha·x[i].
    void (*axpy)(float alpha, const float *x, float *y, ptrdiff_t n);
    /// y[i] = alpha·x[i] + beta·y[i].
    void (*axpby)(float alpha, const float *x, float beta, float *y, ptrdiff_t n);
    /// One SGD step of biased matrix factorisation on two rows:
    /// p ← (1 − lr·reg)·p + lr·e·q, q ← (1 − lr·reg)·q + lr·e·p_old.
    void (*sgd_pair)(float *p, float *q, float e, float lr, float reg, ptrdiff_t n);
    /// out += Σ_e (a_e + b_e·(y_e·v))·y_e with y_e = fixed + cols[e]·f,
    /// a_e = a0 + a1·vals[e], b_e = b1·vals[e] (the iALS conjugate-gradient pass).
    void (*rank_one_sum)(ptrdiff_t count, ptrdiff_t f, const float *fixed, const int32_t *cols, const float *vals,
                         float a0, float a1, float b1, const float *v, float *out);
    /// y = A·x for a symmetric n × n row-major A (row broadcasts).
    void (*symv)(const float *a, ptrdiff_t n, const float *x, float *y);
    /// g[k·width + c] += x[k]·x[c] for k < dim, c < width (a rank-one update of a Gram matrix).
    void (*gram_rank_one)(float *g, const float *x, ptrdiff_t dim, ptrdiff_t width);
    /// The 6 × 16 SGEMM micro-kernel: C[rows × columns] ← alpha·Ã·B̃ + beta·C, where row r of
    /// Ã at depth p is a[r·rs + p·cs] and the 16 values of B̃ at depth p start at b + p·bstride.
    void (*gemm_tile)(ptrdiff_t kc, const float *a, ptrdiff_t rs, ptrdiff_t cs, const float *b, ptrdiff_t bstride,
                      float *c, ptrdiff_t ldc, ptrdiff_t rows, ptrdiff_t columns, float alpha, float beta);
    /// One TensorFlow-1 optimizer update of n parameters w from gradients g
    /// (kind 0 gradient descent, 1 Adagrad with accumulator s0, 2 Adam with moments s0, s1;
    /// step is Adam's bias-corrected step size, lr the learning rate).
    void (*optimizer)(int kind, float lr, float step, float *w, const float *g, float *s0, float *s1, ptrdiff_t n);
    /// y[i] = e^x[i] (Cephes expf range reduction and degree-6 polynomial, relative error below
    /// 2·10⁻⁷ on [−87, 88]; inputs are clamped to that range).
    void (*exp)(const float *x, float *y, ptrdiff_t n);
    /// Softmax cross-entropy of one row of logits in place: the row becomes
    /// scale·(softmax − onehot(label)); returns logsumexp(row) − row[label].
    float (*softmax_xent)(float *row, ptrdiff_t count, ptrdiff_t label, float scale);
    /// The gradients phase of a full-batch MF step (see ck_mf_phase).
    void (*mf_gradients)(ck_mf_phase *args);
    /// The update phase of a full-batch MF step (see ck_mf_phase).
    void (*mf_update)(ck_mf_phase *args);
    /// out[i·ldo + c] = Σ_p a[i·ars + p·acs]·b[p·ldb + c] for i < m, c < ncols: a product whose
    /// right operand has few columns (the softmax model's dU = dZ·V and dV = dZᵀ·U), read in place
    /// (A through strides, so Aᵀ needs no copy). Reads up to 7 floats past the ncols of a row
    /// of b (the next row, or slack after the last). Each output sums over p in order.
    void (*rows_by_matrix)(ptrdiff_t m, ptrdiff_t ncols, ptrdiff_t k, const float *a, ptrdiff_t ars, ptrdiff_t acs,
                           const float *b, ptrdiff_t ldb, float *out, ptrdiff_t ldo);
    /// out[i·ldo + c] = Σ_p a[p·lda + i]·b[p·ldb + c] for i < m, c < ncols: ``rows_by_matrix`` with
    /// A read through its columns (ars 1, acs lda), the same bits, but in tiles of 32 (AVX-512) or
    /// 16 (AVX2) consecutive floats of each row of A, loaded whole (the softmax model's dV = dZᵀ·U).
    void (*columns_by_matrix)(ptrdiff_t m, ptrdiff_t ncols, ptrdiff_t k, const float *a, ptrdiff_t lda,
                              const float *b, ptrdiff_t ldb, float *out, ptrdiff_t ldo);
    /// dst[pairs[2e+1]·ld + c] += src[pairs[2e]·ld + c] for each pair e < n in order, c < ld (ld a
    /// multiple of 8): the softmax model's scatter of bag gradients into movie rows.
    void (*scatter_add_rows)(const float *src, ptrdiff_t ld, const int32_t *pairs, ptrdiff_t n, float *dst);
    /// out[c] = Σ table[rows[q]·ld + c] over q < count, q ≠ excluded, added in q order from zero, for
    /// c < ld (ld a multiple of 8): the sum of a bag of rows.
    void (*bag_sum)(const float *table, ptrdiff_t ld, const int32_t *rows, ptrdiff_t count, ptrdiff_t excluded, float *out);
    /// The softmax model's side columns: for each movie m in [begin, end), the genre_dim floats after the
    /// first dim of row m of table (leading dimension ld) become the sum, in token order, of the
    /// rows of genres named by genre_tokens[genre_offsets[m] ..< genre_offsets[m + 1]], and the
    /// year_dim floats after them the row of years named by year_tokens[m].
    void (*side_refresh)(float *table, ptrdiff_t ld, ptrdiff_t dim, ptrdiff_t begin, ptrdiff_t end, const int32_t *genre_offsets,
                         const int32_t *genre_tokens, const int32_t *year_tokens, const float *genres, ptrdiff_t genre_dim,
                         const float *years, ptrdiff_t year_dim);
    /// The reverse for the gradients of movies [begin, end), in movie order: the side columns of
    /// each row are added to its genres' rows of genres and to its year's row of years (accumulated),
    /// then the columns after dim are zeroed.
    void (*side_gather)(float *table, ptrdiff_t ld, ptrdiff_t dim, ptrdiff_t begin, ptrdiff_t end, const int32_t *genre_offsets,
                        const int32_t *genre_tokens, const int32_t *year_tokens, float *genres, ptrdiff_t genre_dim,
                        float *years, ptrdiff_t year_dim);
    /// Copies rows [begin, end) of V (dim columns, leading dimension ld) into Vᵀ panels of 16 rows:
    /// V[m][p] goes to panels[(m / 16)·dim·16 + p·16 + m % 16] (the layout ``panel_logits`` reads).
    void (*pack_panels)(const float *v, ptrdiff_t ld, ptrdiff_t begin, ptrdiff_t end, ptrdiff_t dim, float *panels);
    /// C[m × n] = A[m × k]·Vᵀ with Vᵀ in the panels of ``pack_panels`` (k at most 64).
    void (*panel_logits)(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda, const float *panels, float *c, ptrdiff_t ldc);
    /// The softmax model's output layer for m rows, six rows at a time while they are in cache:
    /// logits = U·Vᵀ (``panel_logits``), then each row becomes scale·(softmax − onehot(label))
    /// (``softmax_xent``), then dU = that·V (``rows_by_matrix``, V read in place with leading
    /// dimension ldv). U is m × k (k at most 40 and 64), logits m × n, dU m × k. Returns the sum of
    /// the rows' cross-entropies.
    double (*softmax_rows)(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *u, const float *panels, const float *v, ptrdiff_t ldv,
                           const int32_t *labels, float scale, float *logits, float *du);
    /// y[r] = Σ_i a[r·n + i]·x[i] for r < rows: a row-major matrix times a vector, two rows at a
    /// time sharing the loads of x. Each y[r] is bit-identical to ``dot``(a + r·n, x, n).
    void (*gemv)(const float *a, ptrdiff_t rows, ptrdiff_t n, const float *x, float *y);
    /// The first i in [start, n) with s[i] > t (NaN never is), or n: a top-k scan's skip over the
    /// scores that cannot enter, 16 at a time.
    ptrdiff_t (*next_above)(const float *s, ptrdiff_t start, ptrdiff_t n, float t);
} ck_kernels;

/// The table in use (the best one for this CPU unless `RECOMMENDER_KERNELS` lowers it),
/// chosen once when the library is loaded.
extern const ck_kernels *ck_active;
/// ``ck_active``, for callers that may not read C globals directly (Swift 6).
static inline const ck_kernels *ck_active_table(void) { return ck_active; }
/// Software prefetch of the four 64-byte cache lines starting at `p` (a 256-byte row) into
/// all cache levels (the graph search's neighbour rows).
static inline void ck_prefetch256(const void *p) {
    const char *c = (const char *)p;
    __builtin_prefetch(c, 0, 3);
    __builtin_prefetch(c + 64, 0, 3);
    __builtin_prefetch(c + 128, 0, 3);
    __builtin_prefetch(c + 192, 0, 3);
}

/// The highest level this CPU supports.
int ck_detected_level(void);
/// The table of `level` (clamped to what this CPU supports, so it is always safe to call).
const ck_kernels *ck_kernels_for_level(int level);

/// The CRC-32 of zlib, PNG and ZIP (reflected polynomial 0xEDB88320) of `count` bytes, continuing
/// from `crc` (0 to start): slicing by eight, about 8× a byte-at-a-time table. Portable C, the same
/// on every CPU; the model and index files are checked with it.
uint32_t ck_crc32(uint32_t crc, const uint8_t *_Nullable bytes, size_t count);

/// The state of ``ck_parse_rating_lines``: the bytes to parse and the columns to fill.
typedef struct ck_rating_lines {
    /// In: the first byte of a line; out: the first byte not parsed (always a line start).
    const uint8_t *p;
    /// The end of the bytes (the byte before it is a newline).
    const uint8_t *end;
    /// The one-byte field separator.
    uint8_t separator;
    /// The rating of `a.b` is rating_table[10·a + b] (100 entries).
    const float *rating_table;
    /// The accepted rating range (closed).
    float low, high;
    /// The columns, written at [rows, capacity); `times` is NULL when there is no timestamp field.
    int32_t *users, *items;
    float *ratings;
    int64_t *_Nullable times;
    /// Rows written so far (in and out) and the room of the columns.
    ptrdiff_t rows, capacity;
    /// The largest user and item ids so far (in and out).
    int32_t max_user, max_item;
} ck_rating_lines;

/// Parses lines `user<sep>item<sep>rating[<sep>timestamp]` (CRLF allowed) from `p` until the end or
/// until a line that is not in the plain form (ids of 1–10 digits without leading zeros up to
/// 2³¹−1, a rating `d.d` or `d` in range, a timestamp of 1–18 digits with an optional sign and
/// fraction), which it leaves for the general code: it stops there. Portable C, the same on every CPU.
void ck_parse_rating_lines(ck_rating_lines *state);

#pragma clang assume_nonnull end

#ifdef __cplusplus
}
#endif
#endif
