#pragma once
// Raw sm_90a wgmma PTX for the probe: one warpgroup, both operands in shared memory (SS), K-major,
// FP32 accumulators in registers. Written by hand (no CUTLASS) so that exactly one instruction
// shape is issued per call and the register-to-element mapping is the documented one.
//
// Shared-memory matrix descriptor (PTX ISA, "Matrix Descriptor Format" for wgmma; the same fields as
// CUTLASS cute::GmmaDescriptor in cute/arch/mma_sm90_desc.hpp):
//   bits  0-13  start address >> 4
//   bits 16-29  leading-dimension byte offset >> 4 (LBO)
//   bits 32-45  stride-dimension byte offset >> 4 (SBO)
//   bits 49-51  base offset (swizzled modes only; 0 here)
//   bits 62-63  swizzle mode: 0 = none ("interleave"), 1 = 128B, 2 = 64B, 3 = 32B
// With no swizzle, a K-major operand is made of 8-row x 16-byte core matrices, each 128 contiguous
// bytes (row r of the core matrix at r*16). For K-major, LBO is the byte distance between the two
// core matrices that are adjacent along K, and SBO the distance between core matrices adjacent along
// M (or N), i.e. between consecutive groups of 8 rows (PTX ISA: "leading dimension byte offset ...
// between two adjacent core matrices in the K dimension"; CUTLASS make_gmma_desc<Major::K>, layout
// INTERLEAVE: ((8,m),(T,2)):((1T,SBO),(1,LBO))). One instruction reads 32 bytes of K per row (k32
// for FP8, k16 for BF16), i.e. exactly two core matrices along K.
#include <cstdint>

#include "reference_gpu/probe/exact_formats.cuh"

namespace codesim::reference::probe {

/// The probe's shared-memory tile layout (bytes), used by both the fill code and the descriptors.
inline constexpr std::uint32_t kCoreMatrixBytes = 128;               // 8 rows x 16 bytes
inline constexpr std::uint32_t kLeadingByteOffset = kCoreMatrixBytes;  // next 16 bytes of K
inline constexpr std::uint32_t kStrideByteOffset = 2 * kCoreMatrixBytes;  // next 8 rows
inline constexpr std::uint32_t kStepBytesPerRow = 32;                // K bytes one instruction reads per row

/// Byte offset of (row, 16-byte half of the instruction's K) inside one operand tile.
__host__ __device__ constexpr std::uint32_t tile_offset(std::uint32_t row, std::uint32_t k_half) {
  return (row / 8) * kStrideByteOffset + k_half * kLeadingByteOffset + (row % 8) * 16;
}

/// No-swizzle K-major descriptor for a tile starting at shared-memory address `smem_address`.
__host__ __device__ constexpr std::uint64_t make_smem_descriptor(std::uint32_t smem_address) {
  return static_cast<std::uint64_t>((smem_address & 0x3FFFF) >> 4) |
         (static_cast<std::uint64_t>(kLeadingByteOffset >> 4) << 16) |
         (static_cast<std::uint64_t>(kStrideByteOffset >> 4) << 32);
  // bits 49-51 (base offset) and 62-63 (swizzle) stay 0: no swizzle.
}

// The accumulator fragment of m64nNk* with FP32 D (PTX ISA "Register Fragments" for wgmma D; CUTLASS
// CLayout_64xN): warp w of the warpgroup owns rows 16w..16w+15; register j of lane l holds
//   row    16w + l/4 + 8*((j/2)%2)
//   column (j/4)*8 + (l%4)*2 + (j%2)
__host__ __device__ constexpr int fragment_row(int warp, int lane, int j) { return 16 * warp + lane / 4 + 8 * ((j / 2) % 2); }
__host__ __device__ constexpr int fragment_col(int lane, int j) { return (j / 4) * 8 + (lane % 4) * 2 + (j % 2); }

/// Orders this warpgroup's register accesses before the next wgmma (wgmma.fence); needed before the
/// first wgmma and after the accumulators were written by ordinary instructions.
__device__ __forceinline__ void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmma_wait_all() { asm volatile("wgmma.wait_group.sync.aligned 0;\n" ::: "memory"); }
/// Shared memory written with ordinary stores becomes visible to the tensor core's (async proxy) reads.
__device__ __forceinline__ void fence_proxy_async_shared() {
  asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
}
/// Keeps the compiler from moving accesses to an accumulator register across the wgmma boundary
/// (the asm claims to read and write it), as CUTLASS's warpgroup_fence_operand does.
__device__ __forceinline__ void fence_operand(float& r) { asm volatile("" : "+f"(r)::"memory"); }

/// D = A * B^T + (scale_d ? D : 0) for one instruction of shape m64nNk{32|16}; d holds this thread's
/// N/2 accumulators in fragment order.
template <OperandFormat F, int N>
struct Wgmma;

// Register lists "%0, ..., %(R-1)" for R accumulator registers, and the matching "+f" operands.
#define PROBE_WGMMA_REGS_4 "%0, %1, %2, %3"
#define PROBE_WGMMA_REGS_8 PROBE_WGMMA_REGS_4 ", %4, %5, %6, %7"
#define PROBE_WGMMA_REGS_16 PROBE_WGMMA_REGS_8 ", %8, %9, %10, %11, %12, %13, %14, %15"
#define PROBE_WGMMA_REGS_32                                                                                    \
  PROBE_WGMMA_REGS_16 ", %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31"
#define PROBE_WGMMA_REGS_64                                                                                    \
  PROBE_WGMMA_REGS_32 ", %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47"    \
                      ", %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63"
#define PROBE_WGMMA_REGS_128                                                                                   \
  PROBE_WGMMA_REGS_64 ", %64, %65, %66, %67, %68, %69, %70, %71, %72, %73, %74, %75, %76, %77, %78, %79"    \
                      ", %80, %81, %82, %83, %84, %85, %86, %87, %88, %89, %90, %91, %92, %93, %94, %95"    \
                      ", %96, %97, %98, %99, %100, %101, %102, %103, %104, %105, %106, %107, %108, %109"    \
                      ", %110, %111, %112, %113, %114, %115, %116, %117, %118, %119, %120, %121, %122"      \
                      ", %123, %124, %125, %126, %127"
#define PROBE_WGMMA_OPERANDS_4(i) "+f"(d[i]), "+f"(d[i + 1]), "+f"(d[i + 2]), "+f"(d[i + 3])
#define PROBE_WGMMA_OPERANDS_8(i) PROBE_WGMMA_OPERANDS_4(i), PROBE_WGMMA_OPERANDS_4(i + 4)
#define PROBE_WGMMA_OPERANDS_16(i) PROBE_WGMMA_OPERANDS_8(i), PROBE_WGMMA_OPERANDS_8(i + 8)
#define PROBE_WGMMA_OPERANDS_32(i) PROBE_WGMMA_OPERANDS_16(i), PROBE_WGMMA_OPERANDS_16(i + 16)
#define PROBE_WGMMA_OPERANDS_64(i) PROBE_WGMMA_OPERANDS_32(i), PROBE_WGMMA_OPERANDS_32(i + 32)
#define PROBE_WGMMA_OPERANDS_128(i) PROBE_WGMMA_OPERANDS_64(i), PROBE_WGMMA_OPERANDS_64(i + 64)

// One specialisation. R = N/2 registers; DESC_A, DESC_B and SCALE_D are the operand numbers after the
// R accumulators. The immediates after the predicate are imm-scale-a = imm-scale-b = 1 (no
// negation); BF16 also takes imm-trans-a = imm-trans-b = 0 (both K-major), FP8 takes none (it is
// K-major only).
#define PROBE_DEFINE_WGMMA(FORMAT, TYPES, K, TRANSPOSE, N, R, DESC_A, DESC_B, SCALE_D)                        \
  template <>                                                                                                \
  struct Wgmma<OperandFormat::FORMAT, N> {                                                                   \
    static __device__ __forceinline__ void mma(float (&d)[R], std::uint64_t desc_a, std::uint64_t desc_b,    \
                                               int scale_d) {                                                \
      asm volatile(                                                                                          \
          "{\n.reg .pred p;\nsetp.ne.b32 p, %" #SCALE_D ", 0;\n"                                             \
          "wgmma.mma_async.sync.aligned.m64n" #N "k" #K ".f32." TYPES " {" PROBE_WGMMA_REGS_##R "}, %" #DESC_A \
          ", %" #DESC_B ", p, 1, 1" TRANSPOSE ";\n}\n"                                                       \
          : PROBE_WGMMA_OPERANDS_##R(0)                                                                      \
          : "l"(desc_a), "l"(desc_b), "r"(scale_d));                                                        \
    }                                                                                                        \
  };

#define PROBE_DEFINE_WGMMA_ALL_N(FORMAT, TYPES, K, TRANSPOSE)        \
  PROBE_DEFINE_WGMMA(FORMAT, TYPES, K, TRANSPOSE, 8, 4, 4, 5, 6)     \
  PROBE_DEFINE_WGMMA(FORMAT, TYPES, K, TRANSPOSE, 16, 8, 8, 9, 10)   \
  PROBE_DEFINE_WGMMA(FORMAT, TYPES, K, TRANSPOSE, 32, 16, 16, 17, 18) \
  PROBE_DEFINE_WGMMA(FORMAT, TYPES, K, TRANSPOSE, 64, 32, 32, 33, 34) \
  PROBE_DEFINE_WGMMA(FORMAT, TYPES, K, TRANSPOSE, 128, 64, 64, 65, 66) \
  PROBE_DEFINE_WGMMA(FORMAT, TYPES, K, TRANSPOSE, 256, 128, 128, 129, 130)

PROBE_DEFINE_WGMMA_ALL_N(e4m3, "e4m3.e4m3", 32, "")
PROBE_DEFINE_WGMMA_ALL_N(e5m2, "e5m2.e5m2", 32, "")
PROBE_DEFINE_WGMMA_ALL_N(bf16, "bf16.bf16", 16, ", 0, 0")

#undef PROBE_DEFINE_WGMMA_ALL_N
#undef PROBE_DEFINE_WGMMA
#undef PROBE_WGMMA_OPERANDS_128
#undef PROBE_WGMMA_OPERANDS_64
#undef PROBE_WGMMA_OPERANDS_32
#undef PROBE_WGMMA_OPERANDS_16
#undef PROBE_WGMMA_OPERANDS_8
#undef PROBE_WGMMA_OPERANDS_4
#undef PROBE_WGMMA_REGS_128
#undef PROBE_WGMMA_REGS_64
#undef PROBE_WGMMA_REGS_32
#undef PROBE_WGMMA_REGS_16
#undef PROBE_WGMMA_REGS_8
#undef PROBE_WGMMA_REGS_4

}  // namespace codesim::reference::probe
