// The AVX2 + FMA kernels (x86-64 only), compiled for that target whatever the build flags.
#include "CKernels.h"

#if defined(__x86_64__)
#define CK_SUFFIX avx2
#define CK_LEVEL CK_LEVEL_AVX2
#define CK_NAME "avx2"
#define CK_FUSED 1
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#include "KernelBody.h"
#pragma clang attribute pop
#endif
