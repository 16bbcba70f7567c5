#include "emulator/network/cluster_config.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "emulator/io/json_fields.hpp"

namespace codesim::network {

using io::DataFileError;
using io::JsonObjectReader;

namespace {

bool is_path(const std::string& s) {
  return s.find('/') != std::string::npos || (s.size() > 5 && s.ends_with(".json"));
}

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
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
  c.description = r.string("description");
  c.source = r.string("source");
  c.device_name = r.string("device");
  try {
    // A device given as a bare name is looked up in the device folder; a relative path is
    // relative to the cluster file, so a cluster and its GPU can travel together.
    std::string device = c.device_name;
    if (device.find('/') != std::string::npos && !std::filesystem::path(device).is_absolute())
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

std::filesystem::path cluster_folder() {
  if (const char* env = std::getenv("CODESIM_CLUSTER_DATA"); env != nullptr && *env != '\0') return env;
  return CODESIM_CLUSTER_DATA_DEFAULT;
}

std::vector<std::string> cluster_names() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(cluster_folder(), ec))
    if (entry.is_regular_file() && entry.path().extension() == ".json") out.push_back(entry.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

ClusterConfig load_cluster(const std::string& name_or_path) {
  if (is_path(name_or_path)) return load_cluster_file(std::filesystem::path(name_or_path));
  const auto folder = cluster_folder();
  const auto file = folder / (name_or_path + ".json");
  if (!std::filesystem::exists(file))
    throw DataFileError("unknown cluster '" + name_or_path + "' in " + folder.string() + " (known: " +
                        joined(cluster_names()) + "; or give a path to a cluster file)");
  ClusterConfig c = load_cluster_file(file);
  if (c.name != file.stem().string())
    JsonObjectReader::fail_at(file.string(), "/name", "\"" + c.name + "\"",
                              "must equal the file name '" + file.stem().string() + "'");
  return c;
}

}  // namespace codesim::network
