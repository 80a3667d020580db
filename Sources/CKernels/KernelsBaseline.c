// The portable kernels: plain multiply and add on x86-64 (SSE2), fused on arm64 (which always
// has FMA).
#include "CKernels.h"

#define CK_SUFFIX baseline
#define CK_LEVEL CK_LEVEL_BASELINE
#define CK_NAME "baseline"
#if defined(__aarch64__) || defined(__FMA__)
#define CK_FUSED 1
#else
#define CK_FUSED 0
#endif
#include "KernelBody.h"
