#include "reference_gpu/common/atomic_write.hpp"

#include <stdexcept>
#include <system_error>

#include "emulator/io/atomic_file.hpp"

namespace codesim::reference {

void write_file_atomically(const std::filesystem::path& file, std::string_view bytes) {
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  if (ec) throw std::runtime_error(file.string() + ": cannot create its folder: " + ec.message());
  io::write_file_atomically(file, bytes);  // temporary in the same folder, fsync, rename
}

}  // namespace codesim::reference
