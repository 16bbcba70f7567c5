#pragma once
// codesim validate | calibrate, network half: DeepEP's published all-to-all rows predicted by
// the cluster's network model (with the bands of its consistent set), and the calibration of
// a cluster file's network parameters on them.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "emulator/network/cluster_config.hpp"

namespace codesim::cli {

/// DeepEP's rows of a --published folder (deepep_alltoall.csv); throws InputError if absent.
[[nodiscard]] std::filesystem::path deepep_rows_file(const std::string& published);

/// Prints the rows (predicted with band on `cluster`, measured, error) and their MAPE against
/// the targets; with `json`, returns them instead of printing.
nlohmann::ordered_json validate_deepep_rows(const std::string& published, const network::ClusterConfig& cluster,
                                            bool json);

/// Fits the cluster's fitted network parameters on the rows and writes the cluster file with
/// its new calibration section to `out`.
void calibrate_cluster_network(const std::string& published, const std::string& cluster, const std::string& out,
                               std::size_t points, double threshold);

}  // namespace codesim::cli
