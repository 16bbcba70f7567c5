#pragma once
// The workload as JSON, the form the emulator and other tools consume. Sparse traffic lists
// ([src, dst, bytes] for every non-zero pair) keep large clusters readable.
#include <nlohmann/json.hpp>

#include "workloads/moe_layer/moe_layer_workload.hpp"

namespace codesim::workloads {

inline constexpr const char* kWorkloadSchema = "codesim.workload/1";

[[nodiscard]] nlohmann::ordered_json workload_json(const MoeLayerWorkload& workload);
[[nodiscard]] nlohmann::ordered_json operator_json(const Operator& op);

}  // namespace codesim::workloads
