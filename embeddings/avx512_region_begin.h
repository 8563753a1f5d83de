// Opens a region of AVX-512 code: the functions up to the matching
// embeddings/avx512_region_end.h are compiled for avx512f, avx2 and fma, whatever the
// build's baseline, and called only after a run-time check (SimdLevel::kAvx512:
// embeddings/simd_kernels.h). No include guard: a file may open several regions.
// GCC takes the target from the pragma; clang ignores it and needs the attribute on each function.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#endif
// GCC 12's avx512fintrin.h trips -Wuninitialized on its own _mm512_undefined_* (GCC bug 105593)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
