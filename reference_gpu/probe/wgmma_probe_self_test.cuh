#pragma once
#include <ostream>

namespace codesim::reference::probe {

/// The probe's built-in checks (wgmma_probe_self_test.cu): the exact encoders on the host, then for
/// E4M3, E5M2 and BF16, every N, with and without c, and 1, 3 and 9 chained instructions, dot
/// products whose exact results the CPU knows, compared bit for bit with the GPU, together with
/// CTA 0's whole accumulator tile. Writes one line per failing case (first wrong rows and elements)
/// to `log`; returns whether everything passed.
bool run_wgmma_self_test(std::ostream& log);

}  // namespace codesim::reference::probe
