#ifndef CPREFETCH_H
#define CPREFETCH_H
/// Software prefetch of the four 64-byte cache lines starting at `p` (a 256-byte factor row)
/// into all cache levels. Swift has no prefetch intrinsic; gathers of factor rows in the iALS
/// solves are latency-bound without it.
static inline void recommender_prefetch256(const void *p) {
    const char *c = (const char *)p;
    __builtin_prefetch(c, 0, 3);
    __builtin_prefetch(c + 64, 0, 3);
    __builtin_prefetch(c + 128, 0, 3);
    __builtin_prefetch(c + 192, 0, 3);
}
#endif
