#include "reference_gpu/common/atomic_write.hpp"

#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>

namespace codesim::reference {

void write_file_atomically(const std::filesystem::path& file, std::string_view bytes) {
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  if (ec) throw std::runtime_error(file.string() + ": cannot create its folder: " + ec.message());
  auto tmp = file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::filesystem::remove(tmp, ec);
      throw std::runtime_error(file.string() + ": cannot write");
    }
  }
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw std::runtime_error(file.string() + ": cannot rename the temporary file into place");
  }
}

}  // namespace codesim::reference
