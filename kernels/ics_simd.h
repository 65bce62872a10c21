/* Vector-width clones of elementwise loops. The build targets the x86-64 baseline (SSE2, two
 * doubles per instruction); functions marked ICS_SIMD_CLONES are also compiled for x86-64-v3
 * (AVX2) and x86-64-v4 (AVX-512), and the dynamic loader picks the widest the CPU supports.
 * The values do not depend on the clone: the loops are elementwise (no reassociated sums) and
 * ISO C mode keeps floating-point contraction off, so no clone fuses a multiply and an add. */
#ifndef ICS_SIMD_H
#define ICS_SIMD_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ICS_SIMD_CLONES                                                                       \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define ICS_SIMD_CLONES
#endif

#endif
