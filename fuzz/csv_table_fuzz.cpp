// The CSV reader of the published measurement tables (emulator/io/csv_table): the table, then
// every cell through each accessor the table readers use (text, number, integer).
#include <cstdint>

#include "emulator/io/csv_table.hpp"
#include "emulator/io/json_fields.hpp"
#include "fuzz/support/input_errors.hpp"
#include "fuzz/support/scratch_folder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace codesim;
  const std::string text(fuzz::as_text(data, size));
  fuzz::expect_input_errors<io::DataFileError>([&] {
    const auto table = io::parse_csv_text(text, "table.csv");
    for (const auto& row : table.rows) {
      for (const auto& name : table.header) {
        (void)table.text(row, name);
        fuzz::expect_input_errors<io::DataFileError>([&] { (void)table.number(row, name, -1e9, 1e9); });
        fuzz::expect_input_errors<io::DataFileError>([&] { (void)table.integer(row, name, 1, std::int64_t{1} << 24); });
      }
    }
  });
  return 0;
}
