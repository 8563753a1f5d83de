// Closes a region opened by embeddings/avx512_region_begin.h. No include guard.
#pragma GCC diagnostic pop
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
