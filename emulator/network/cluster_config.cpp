#include "emulator/network/cluster_config.hpp"

#include <string>

#include "emulator/io/data_catalogue.hpp"
#include "emulator/io/json_fields.hpp"

namespace codesim::network {

using io::DataFileError;
using io::JsonObjectReader;

namespace {

/// data/clusters, or $CODESIM_CLUSTER_DATA: names and paths resolve as devices' do.
const io::DataCatalogue& cluster_catalogue() {
  static const io::DataCatalogue catalogue{"cluster", "CODESIM_CLUSTER_DATA", CODESIM_CLUSTER_DATA_DEFAULT};
  return catalogue;
}

}  // namespace

ClusterConfig ClusterConfig::with_calibration(const NetworkCalibrationValues& values) const {
  ClusterConfig c = *this;
  c.calibration.values = values;
  for (auto& p : c.calibration.parameters) p.value = get(values, p.name);
  return c;
}

ClusterConfig load_cluster_file(const std::filesystem::path& file) {
  const auto json = io::read_json_file(file);
  JsonObjectReader r(json, file.string(), "");
  ClusterConfig c;
  c.file = file;
  (void)r.choice("schema", {"codesim.cluster/1"});
  c.name = r.string("name");
  if (c.name.empty() || io::DataCatalogue::is_path(c.name))
    r.fail("name", "must be a non-empty cluster name without '/' or \".json\"");
  c.description = r.string("description");
  c.source = r.string("source");
  c.device_name = r.string("device");
  try {
    // A device given as a bare name is looked up in the device folder; a path (as the
    // catalogue tells them apart) is relative to the cluster file, so a cluster and its GPU
    // can travel together.
    std::string device = c.device_name;
    if (io::DataCatalogue::is_path(device) && std::filesystem::path(device).is_relative())
      device = (file.parent_path() / device).string();
    c.device = hw::load_device(device);
  } catch (const DataFileError& e) {
    r.fail("device", std::string("cannot be loaded: ") + e.what());
  }
  c.nodes = r.int_field("nodes", 1, 1 << 20);
  c.gpus_per_node = r.int_field("gpus_per_node", 1, 64);
  {
    auto p = r.object("pcie");
    c.pcie_gbps = p.number("bandwidth_gbps_per_direction", 0.1, 1e4);
    (void)p.string("source");
    p.finish();
  }
  {
    auto n = r.object("nic");
    c.nic_model = n.string("model");
    c.nic_gbitps = n.number("line_rate_gbitps", 1.0, 1e5);
    (void)n.string("source");
    n.finish();
  }
  {
    auto f = r.object("fabric");
    (void)f.choice("topology", {"multi-plane-fat-tree"});
    c.fabric.planes = f.int_field("planes", 1, 64);
    c.fabric.layers = f.int_field("layers", 2, 2);
    c.fabric.switch_ports = f.int_field("switch_ports", 2, 4096);
    if (c.fabric.switch_ports % 2 != 0) f.fail("switch_ports", "a fat-tree switch splits its ports evenly up and down");
    c.fabric.link_gbitps = f.number("link_gbitps", 1.0, 1e5);
    (void)f.string("source");
    if (c.gpus_per_node % c.fabric.planes != 0)
      f.fail("planes", "GPU i of a node is on plane i: the planes must divide gpus_per_node (" +
                           std::to_string(c.gpus_per_node) + ")");
    const long long per_plane = static_cast<long long>(c.nodes) * (c.gpus_per_node / c.fabric.planes);
    if (per_plane > c.fabric.endpoints_per_plane())
      JsonObjectReader::fail_at(file.string(), "/nodes", std::to_string(c.nodes),
                                "needs " + std::to_string(per_plane) + " NICs per plane; a two-layer fat-tree of " +
                                    std::to_string(c.fabric.switch_ports) + "-port switches holds at most " +
                                    std::to_string(c.fabric.endpoints_per_plane()));
    f.finish();
  }
  {
    auto l = r.object("latency_us");
    c.latency.nvlink_us = l.number("nvlink", 0.0, 1000.0);
    c.latency.ib_same_leaf_us = l.number("ib_same_leaf", 0.0, 1000.0);
    c.latency.ib_cross_leaf_us = l.number("ib_cross_leaf", 0.0, 1000.0);
    if (c.latency.ib_cross_leaf_us < c.latency.ib_same_leaf_us)
      l.fail("ib_cross_leaf", "crossing a spine cannot be faster than staying under one leaf");
    (void)l.string("source");
    l.finish();
  }
  c.calibration = read_network_calibration(r.object("calibration"));
  if (c.device.nvlink_gbps <= 0.0)
    r.fail("device", "the device file gives no NVLink bandwidth (nvlink_gbps_per_direction)");
  r.finish();
  return c;
}

std::filesystem::path cluster_folder() { return cluster_catalogue().folder(); }

std::vector<std::string> cluster_names() { return cluster_catalogue().names(); }

ClusterConfig load_cluster(const std::string& name_or_path) {
  return cluster_catalogue().load(name_or_path, load_cluster_file);
}

}  // namespace codesim::network
