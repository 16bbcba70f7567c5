#pragma once
#include <ostream>

namespace codesim::reference::probe {

/// cublaslt_numerics' built-in check (cublaslt_numerics_self_test.cu): every mode on small exact
/// cases against the CPU. Unsupported modes are reported to `log` and do not fail; returns false
/// when any supported mode gives a wrong value.
bool run_cublaslt_self_test(std::ostream& log);

}  // namespace codesim::reference::probe
