#pragma once
// DeepSeek-V3's gate for its own router shape (8 groups of 32 experts, 4 groups kept, k <= 8),
// sixteen lanes at a time on AVX-512 machines; deepseek_v3_gate.cpp falls back to its
// baseline code where this declines.
#include <cstddef>
#include <cstdint>

namespace codesim::workloads {

/// experts[t * k, t * k + k) for tokens t < tokens, whose 256 logits are x[256 t, 256 t + 256);
/// done[t] false where the generic code must decide (equal values, group scores too close for
/// the estimate, many candidates). Returns false, touching nothing, where the processor lacks
/// AVX-512 (x86-64-v4).
bool choose_deepseek_v3_8x32(const float* x, std::size_t tokens, int k, int* experts, std::uint8_t* done);

}  // namespace codesim::workloads
