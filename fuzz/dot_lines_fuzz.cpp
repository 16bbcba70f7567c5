// `numerics dot` input: the first line names the model and optionally the input and output
// formats as the command's --model, --in and --out would ("hopper-fp8 e5m2 fp32"); the rest is
// the command's text input, fed to the function the command runs on it. Options the command
// would refuse are skipped: the target is the line parser, not CLI11.
#include <algorithm>
#include <sstream>

#include "emulator/cli/cli_error.hpp"
#include "emulator/cli/numerics_text.hpp"
#include "fuzz/support/input_errors.hpp"
#include "fuzz/support/scratch_folder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace codesim;
  auto parts = fuzz::options_and_text(fuzz::as_text(data, size));
  if (!parts) return 0;
  auto& options = parts->options;
  std::string model_name, in_name, out_name = "fp32";
  options >> model_name >> in_name >> out_name;
  const auto cfg = numerics::block_fma_preset(model_name);
  if (!cfg) return 0;
  if (in_name.empty()) in_name = cfg->input_formats.front();
  if (std::find(cfg->input_formats.begin(), cfg->input_formats.end(), in_name) == cfg->input_formats.end()) return 0;
  if (out_name != "fp32" && !(out_name == "fp16" && cfg->fp16_output)) return 0;
  const numerics::FloatFormat in = *numerics::parse_format(in_name);
  const numerics::BlockFmaModel model(*cfg, in,
                                      out_name == "fp16" ? numerics::OutputFormat::kFp16 : numerics::OutputFormat::kFp32);
  auto& text = parts->text;
  fuzz::expect_input_errors<cli::InputError>([&] {
    cli::LineReader reader(text, "stdin");
    (void)cli::dot_product_lines(reader, model, in);
  });
  return 0;
}
