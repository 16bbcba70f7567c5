#pragma once
// Output files appear whole or not at all: written to a temporary beside the target, then renamed.
#include <filesystem>
#include <string_view>

namespace codesim::reference {

/// emulator/io's write_file_atomically (temporary file, fsync, rename), creating the parent
/// folder first. Throws std::runtime_error naming the file on failure.
void write_file_atomically(const std::filesystem::path& file, std::string_view bytes);

}  // namespace codesim::reference
