#pragma once
// Part of DeepEP's normal kernels (normal_kernels.cpp): the combine on a unified network with
// no SMs and no co-processor. Nothing in a node can sum its GPUs' partials, so each GPU
// holding a token's expert sends its output straight to the token's GPU (one vector per token
// and GPU instead of one per token and node); with switch_reduce a remote node's switch sums
// them (one vector per token and node again).
#include "emulator/network/collective.hpp"

namespace codesim::network {

/// Lays out the combine's flows from `t0` (s) on ctx.net.
void start_direct_combine(CollectiveContext& c, double t0);

}  // namespace codesim::network
