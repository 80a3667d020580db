// The hot loop of the ratings loader's fast path (Data/FastRatingsParser.swift) for the common
// layout `user<sep>item<sep>rating[<sep>timestamp]` with plain numbers. Portable C (no
// instruction-set extension): integers are read eight digits at a time with SWAR (SIMD within a
// 64-bit register) arithmetic, so the digit count of a field costs no branch.
#include "CKernels.h"
#include <string.h>

/// The digits at p (at most 8) as a number, and their count in *length (0 when p is not a digit).
/// Reads 8 bytes at p. Byte k of the little-endian word is p[k]; subtracting '0' from each byte
/// only borrows out of a byte that is below '0', and a byte borrows (or carries, adding 0x76)
/// only into the bytes after it, so the first non-digit is found exactly and the digits before
/// it are intact.
static inline __attribute__((always_inline)) uint64_t swar_digits(const uint8_t *p, int *length) {
    uint64_t w;
    memcpy(&w, p, 8);
    uint64_t d = w - 0x3030303030303030ull;
    uint64_t nondigit = (d | (d + 0x7676767676767676ull)) & 0x8080808080808080ull;
    int n = nondigit ? __builtin_ctzll(nondigit) >> 3 : 8;
    *length = n;
    if (n == 0) return 0;
    // Keep the n digits, moved to the top bytes (the bytes below become leading zeros).
    d <<= 8 * (8 - n);
    // Lemire's eight-digit conversion: pairs, then quadruples, then the eight.
    d = d * 10 + (d >> 8);
    d = (((d & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) + (((d >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >> 32;
    return d;
}

/// An unsigned integer field: the value, and its digit count in *length (at most 19 digits are
/// accumulated; the callers refuse long fields before they could overflow).
// Always inlined: it runs three times a line, and as a call it cost about 6% of a load's CPU time.
static inline __attribute__((always_inline)) uint64_t read_uint(const uint8_t *p, const uint8_t *end, int *length) {
    if (end - p >= 8) {
        int n;
        uint64_t v = swar_digits(p, &n);
        if (n < 8) { *length = n; return v; }
        int total = 8;
        while (p + total < end && (uint8_t)(p[total] - '0') <= 9 && total < 20) { v = v * 10 + (uint64_t)(p[total] - '0'); total++; }
        *length = total;
        return v;
    }
    uint64_t v = 0;
    int total = 0;
    while (p + total < end && (uint8_t)(p[total] - '0') <= 9 && total < 20) { v = v * 10 + (uint64_t)(p[total] - '0'); total++; }
    *length = total;
    return v;
}

static inline int is_end(uint8_t b, uint8_t sep) { return b == sep || b == '\n' || b == '\r'; }

/// The line loop, one field after the other, for at most `limit` lines.
static void scalar_lines(ck_rating_lines *s, ptrdiff_t limit) {
    const uint8_t *p = s->p;
    const uint8_t *const end = s->end;
    const uint8_t sep = s->separator;
    const int timestamps = s->times != NULL;
    ptrdiff_t rows = s->rows;
    int32_t max_user = s->max_user, max_item = s->max_item;
    ptrdiff_t first = rows;
    while (p < end && rows < s->capacity && rows - first < limit) {
        const uint8_t *q = p;
        int n;
        // user
        uint64_t u = read_uint(q, end, &n);
        if (n == 0 || n > 10 || (n > 1 && *q == '0') || u > 2147483647u) break;
        q += n;
        if (q >= end || *q != sep) break;
        q++;
        // item
        uint64_t it = read_uint(q, end, &n);
        if (n == 0 || n > 10 || (n > 1 && *q == '0') || it > 2147483647u) break;
        q += n;
        if (q >= end || *q != sep) break;
        q++;
        // rating: `d.d` or `d` (anything else goes to the general code)
        if (end - q < 4) break;
        uint8_t d0 = (uint8_t)(q[0] - '0');
        float r;
        if (d0 <= 9 && q[1] == '.' && (uint8_t)(q[2] - '0') <= 9 && is_end(q[3], sep)) {
            r = s->rating_table[d0 * 10 + (q[2] - '0')];
            q += 3;
        } else if (d0 <= 9 && is_end(q[1], sep)) {
            r = s->rating_table[d0 * 10];
            q += 1;
        } else {
            break;
        }
        if (!(r >= s->low && r <= s->high)) break;
        int64_t t = 0;
        if (timestamps) {
            if (q >= end || *q != sep) break;
            q++;
            int negative = 0;
            if (q < end && *q == '-') { negative = 1; q++; }
            uint64_t v = read_uint(q, end, &n);
            if (n == 0 || n > 18) break;
            q += n;
            if (q < end && *q == '.') {
                q++;
                while (q < end && (uint8_t)(*q - '0') <= 9) q++;
            }
            t = negative ? -(int64_t)v : (int64_t)v;
        }
        if (q < end && *q == '\r') q++;
        if (q >= end || *q != '\n') break;
        q++;
        s->users[rows] = (int32_t)u;
        s->items[rows] = (int32_t)it;
        s->ratings[rows] = r;
        if (timestamps) s->times[rows] = t;
        if ((int32_t)u > max_user) max_user = (int32_t)u;
        if ((int32_t)it > max_item) max_item = (int32_t)it;
        rows++;
        p = q;
    }
    s->p = p;
    s->rows = rows;
    s->max_user = max_user;
    s->max_item = max_item;
}

#if defined(__SSE2__)
#include <emmintrin.h>

/// Bit k set when p[k] is the separator or a newline (k < 64).
static inline __attribute__((always_inline)) uint64_t structure_mask(const uint8_t *p, __m128i separator, __m128i newline) {
    uint64_t mask = 0;
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
        uint32_t bits = (uint32_t)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, separator), _mm_cmpeq_epi8(v, newline)));
        mask |= (uint64_t)bits << (16 * k);
    }
    return mask;
}

/// The number written by the `length` (1–8) bytes at p; sets bits of *bad when one is not a digit.
/// Reads 8 bytes at p.
static inline __attribute__((always_inline)) uint64_t digits_of_length(const uint8_t *p, int length, uint64_t *bad) {
    uint64_t w;
    memcpy(&w, p, 8);
    uint64_t d = w - 0x3030303030303030ull;
    uint64_t keep = length == 8 ? ~0ull : (1ull << (8 * length)) - 1;
    *bad |= (d | (d + 0x7676767676767676ull)) & 0x8080808080808080ull & keep;
    d = (d & keep) << (8 * (8 - length));
    d = d * 10 + (d >> 8);
    return (((d & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) + (((d >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >> 32;
}

static const uint64_t powers_of_ten[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

/// The same lines as `scalar_lines`, found another way: the positions of every separator and
/// newline come from a bit mask of 64 bytes at a time (SSE2 compares), so a field's position no
/// longer waits for the previous field's digits; each field is then read with its length known.
/// It takes only the commonest form (ids of 1–8 digits, `d.d` or `d` ratings, timestamps of 1–16
/// digits, `\n` line ends) and stops at any other line, at a line start, leaving it to
/// `scalar_lines`; the values are the ones `scalar_lines` reads. It stops 80 bytes before the
/// end, so that no load passes the end.
static void structured_lines(ck_rating_lines *s) {
    const uint8_t *p = s->p;
    const uint8_t *const end = s->end;
    const uint8_t sep = s->separator;
    const int timestamps = s->times != NULL;
    const __m128i separator = _mm_set1_epi8((char)sep), newline = _mm_set1_epi8('\n');
    if (end - p < 80) return;
    const uint8_t *base = p;
    uint64_t mask = structure_mask(base, separator, newline);
    ptrdiff_t rows = s->rows;
    int32_t max_user = s->max_user, max_item = s->max_item;
    // The next separator or newline, in *out; leaves the loop when the next mask would pass end - 80.
#define NEXT_MARK(out) do { \
        while (!mask) { base += 64; if (end - base < 80) goto done; mask = structure_mask(base, separator, newline); } \
        out = base + __builtin_ctzll(mask); mask &= mask - 1; \
    } while (0)
    while (rows < s->capacity) {
        const uint8_t *c1, *c2, *c3, *c4;
        NEXT_MARK(c1);
        NEXT_MARK(c2);
        NEXT_MARK(c3);
        if (timestamps) {
            NEXT_MARK(c4);
            if (*c3 != sep || *c4 != '\n') break;
        } else {
            c4 = c3;
            if (*c3 != '\n') break;
        }
        if (*c1 != sep || *c2 != sep) break;
        const int user_length = (int)(c1 - p), item_length = (int)(c2 - c1 - 1), rating_length = (int)(c3 - c2 - 1);
        const int time_length = (int)(c4 - c3 - 1);
        if (user_length < 1 || user_length > 8 || item_length < 1 || item_length > 8) break;
        if (timestamps && (time_length < 1 || time_length > 16)) break;
        uint64_t bad = 0;
        const uint64_t u = digits_of_length(p, user_length, &bad);
        const uint64_t it = digits_of_length(c1 + 1, item_length, &bad);
        uint64_t t = 0;
        if (timestamps) {
            t = time_length <= 8 ? digits_of_length(c3 + 1, time_length, &bad)
                : digits_of_length(c3 + 1, 8, &bad) * powers_of_ten[time_length - 8] + digits_of_length(c3 + 9, time_length - 8, &bad);
        }
        const uint8_t *r = c2 + 1;
        const uint8_t d0 = (uint8_t)(r[0] - '0'), d2 = (uint8_t)(r[2] - '0');
        float rating;
        if (rating_length == 3 && d0 <= 9 && r[1] == '.' && d2 <= 9) rating = s->rating_table[d0 * 10 + d2];
        else if (rating_length == 1 && d0 <= 9) rating = s->rating_table[d0 * 10];
        else break;
        if (bad || (user_length > 1 && *p == '0') || (item_length > 1 && c1[1] == '0') || !(rating >= s->low && rating <= s->high)) break;
        s->users[rows] = (int32_t)u;
        s->items[rows] = (int32_t)it;
        s->ratings[rows] = rating;
        if (timestamps) s->times[rows] = (int64_t)t;
        if ((int32_t)u > max_user) max_user = (int32_t)u;
        if ((int32_t)it > max_item) max_item = (int32_t)it;
        rows++;
        p = c4 + 1;
    }
done:
#undef NEXT_MARK
    s->p = p;
    s->rows = rows;
    s->max_user = max_user;
    s->max_item = max_item;
}
#endif

void ck_parse_rating_lines(ck_rating_lines *s) {
#if defined(__SSE2__)
    // The structured loop takes the lines it can; the line loop takes the next 64 lines after a
    // line the structured loop left (so a file of unusual lines is not tried twice per line),
    // and the lines near the end.
    for (;;) {
        structured_lines(s);
        if (s->p >= s->end || s->rows >= s->capacity) return;
        const uint8_t *before = s->p;
        scalar_lines(s, 64);
        if (s->p == before || s->p >= s->end || s->rows >= s->capacity) return;
    }
#else
    scalar_lines(s, PTRDIFF_MAX);
#endif
}
