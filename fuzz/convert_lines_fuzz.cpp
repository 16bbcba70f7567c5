// `numerics convert` input: the first line is the --to format (a preset or any eXmY, parsed by
// numerics::parse_format as the command does), then optionally "rz" and "saturate"; the rest
// is the command's text input, fed to the function the command runs on it.
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
  std::string to_name, word;
  options >> to_name;
  const auto to = numerics::parse_format(to_name);
  if (!to) return 0;  // the command refuses it with exit 2 before reading any input
  numerics::Rounding rounding = numerics::Rounding::kNearestEven;
  bool saturate = false;
  while (options >> word) {
    if (word == "rz") rounding = numerics::Rounding::kTowardZero;
    if (word == "saturate") saturate = true;
  }
  auto& text = parts->text;
  fuzz::expect_input_errors<cli::InputError>([&] {
    cli::LineReader reader(text, "stdin");
    (void)cli::converted_lines(reader, *to, rounding, saturate);
  });
  return 0;
}
