#pragma once
// Whether this compiler builds the AVX-512 (x86-64-v4) versions of the multiversioned routing
// functions. They use GCC's function multiversioning on "arch=x86-64-v4" and GCC vector
// built-ins (__builtin_shuffle) that clang 14 does not have; the clang build (the libFuzzer
// build of fuzz/, which needs routing only for its registered names) keeps the baseline
// version only (plain functions: clang warns that multiversioned functions in an anonymous
// namespace are unused), which computes exactly the same results.
#if defined(__clang__)
#define CODESIM_AVX512_VERSIONS 0
#else
#define CODESIM_AVX512_VERSIONS 1
#endif
