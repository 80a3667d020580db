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

void ck_parse_rating_lines(ck_rating_lines *s) {
    const uint8_t *p = s->p;
    const uint8_t *const end = s->end;
    const uint8_t sep = s->separator;
    const int timestamps = s->times != NULL;
    ptrdiff_t rows = s->rows;
    int32_t max_user = s->max_user, max_item = s->max_item;
    while (p < end && rows < s->capacity) {
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
