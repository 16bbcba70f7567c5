// Cluster files (data/clusters/*.json, `--cluster FILE`). load_cluster_file takes a path and
// lies in emulator/network, so the input is written to a scratch file. A device named in the
// file is loaded as the command would: by name from data/devices, or by path.
#include "emulator/io/json_fields.hpp"
#include "emulator/network/cluster_config.hpp"
#include "fuzz/support/input_errors.hpp"
#include "fuzz/support/scratch_folder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace codesim;
  const auto file = fuzz::write_file(fuzz::fresh_scratch_folder(), "cluster.json", fuzz::as_text(data, size));
  fuzz::expect_input_errors<io::DataFileError>([&] { (void)network::load_cluster_file(file); });
  return 0;
}
