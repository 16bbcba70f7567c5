#pragma once
// A cluster as data: nodes of GPUs on an NVSwitch, one NIC per GPU behind PCIe, and the
// scale-out fabric (a multi-plane two-layer fat-tree: GPU i of every node on plane i), loaded
// from a cluster file (data/clusters/<name>.json) and validated on load. The GPU itself,
// NVLink port included, is the cluster's device file (data/devices/), so a cluster of H100s
// differs from one of H800s only in the GPUs it names.
#include <filesystem>
#include <string>
#include <vector>

#include "emulator/hw/device_config.hpp"
#include "emulator/network/network_calibration.hpp"

namespace codesim::network {

struct FabricConfig {
  int planes = 1;         ///< independent networks; GPU i of a node is on plane i % planes
  int layers = 2;         ///< switch layers (a two-layer fat-tree: leaves and spines)
  int switch_ports = 64;  ///< radix of every switch
  double link_gbitps = 400.0;
  /// NICs (nodes) one leaf switch serves: half its ports, the other half go up.
  [[nodiscard]] int nics_per_leaf() const { return switch_ports / 2; }
  /// Endpoints one plane can hold: k^2 / 2 for a two-layer fat-tree of radix k.
  [[nodiscard]] long long endpoints_per_plane() const {
    return static_cast<long long>(switch_ports) * switch_ports / 2;
  }
};

/// End-to-end latency of a small message on each kind of path ([ISCA] Table 5, 64 B).
struct LatencyConfig {
  double nvlink_us = 0.0;
  double ib_same_leaf_us = 0.0;
  double ib_cross_leaf_us = 0.0;
};

struct ClusterConfig {
  std::string name;
  std::string description;
  std::string source;
  std::filesystem::path file;
  std::string device_name;
  hw::DeviceConfig device;   ///< the GPU (and its NVLink port)
  int nodes = 1;
  int gpus_per_node = 8;
  double pcie_gbps = 64.0;   ///< GPU <-> NIC, per direction (GB/s)
  std::string nic_model;
  double nic_gbitps = 400.0; ///< line rate per direction
  FabricConfig fabric;
  LatencyConfig latency;
  NetworkCalibration calibration;

  [[nodiscard]] int gpus() const { return nodes * gpus_per_node; }
  [[nodiscard]] int node_of(int gpu) const { return gpu / gpus_per_node; }
  [[nodiscard]] int local_of(int gpu) const { return gpu % gpus_per_node; }
  [[nodiscard]] int plane_of(int gpu) const { return local_of(gpu) % fabric.planes; }
  /// NICs each node puts on each plane.
  [[nodiscard]] int nics_per_node_and_plane() const { return gpus_per_node / fabric.planes; }
  /// A GPU's NIC's position among the NICs of its plane, node by node.
  [[nodiscard]] int plane_port_of(int gpu) const {
    return node_of(gpu) * nics_per_node_and_plane() + local_of(gpu) / fabric.planes;
  }
  /// The leaf switch (of its plane) a GPU's NIC hangs from: nics_per_leaf() NICs per leaf.
  [[nodiscard]] int leaf_of(int gpu) const { return plane_port_of(gpu) / fabric.nics_per_leaf(); }
  /// Leaf switches per plane that the first `gpus` GPUs reach.
  [[nodiscard]] int leaves_for(int gpus) const {
    const int nodes_used = (gpus + gpus_per_node - 1) / gpus_per_node;
    return (nodes_used * nics_per_node_and_plane() + fabric.nics_per_leaf() - 1) / fabric.nics_per_leaf();
  }
  [[nodiscard]] double nvlink_gbps() const { return device.nvlink_gbps; }
  [[nodiscard]] double nic_gbps() const { return nic_gbitps / 8.0; }
  /// This cluster with other calibration values (a member of the consistent set, a fit's trial).
  [[nodiscard]] ClusterConfig with_calibration(const NetworkCalibrationValues& values) const;
};

/// Loads a cluster by name (a file in the cluster folder, whose "name" must be that name) or
/// by path (anything containing '/' or ending in ".json"), through io::DataCatalogue as
/// devices are. The cluster's "device" is a device name, or a path relative to the cluster
/// file. Throws io::DataFileError naming the file, field and value.
[[nodiscard]] ClusterConfig load_cluster(const std::string& name_or_path);
[[nodiscard]] ClusterConfig load_cluster_file(const std::filesystem::path& file);
/// The cluster folder: $CODESIM_CLUSTER_DATA if set, else the build's default (data/clusters).
[[nodiscard]] std::filesystem::path cluster_folder();
[[nodiscard]] std::vector<std::string> cluster_names();

}  // namespace codesim::network
