// Chooses the kernel table once, at load time, from the CPU's features.
#include "CKernels.h"
#include <stdlib.h>
#include <string.h>

extern const ck_kernels ck_table_baseline;
#if defined(__x86_64__)
extern const ck_kernels ck_table_avx2;
extern const ck_kernels ck_table_avx512;
#endif

int ck_detected_level(void) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma")) return CK_LEVEL_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return CK_LEVEL_AVX2;
#endif
    return CK_LEVEL_BASELINE;
}

const ck_kernels *ck_kernels_for_level(int level) {
    int detected = ck_detected_level();
    if (level > detected) level = detected;
#if defined(__x86_64__)
    if (level >= CK_LEVEL_AVX512) return &ck_table_avx512;
    if (level == CK_LEVEL_AVX2) return &ck_table_avx2;
#endif
    return &ck_table_baseline;
}

/// The baseline until the constructor below runs (always correct, only slower).
const ck_kernels *ck_active = &ck_table_baseline;

__attribute__((constructor)) static void ck_choose(void) {
    int level = ck_detected_level();
    const char *requested = getenv("RECOMMENDER_KERNELS");
    if (requested != NULL) {
        if (strcmp(requested, "baseline") == 0) level = CK_LEVEL_BASELINE;
        else if (strcmp(requested, "avx2") == 0 && level > CK_LEVEL_AVX2) level = CK_LEVEL_AVX2;
    }
    ck_active = ck_kernels_for_level(level);
}
