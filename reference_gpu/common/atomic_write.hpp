#pragma once
// Output files appear whole or not at all: written to a temporary beside the target, then renamed.
#include <filesystem>
#include <string_view>

namespace codesim::reference {

/// Writes `bytes` to `file` via `file`.tmp and rename; creates the parent folder. Throws
/// std::runtime_error naming the file on failure (the temporary is removed).
void write_file_atomically(const std::filesystem::path& file, std::string_view bytes);

}  // namespace codesim::reference
