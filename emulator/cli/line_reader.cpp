#include "emulator/cli/line_reader.hpp"

#include <iostream>
#include <sstream>
#include <utility>

#include "emulator/cli/cli_error.hpp"
#include "emulator/io/input_file.hpp"
#include "emulator/io/json_fields.hpp"

namespace codesim::cli {

LineReader::LineReader(const std::string& path) : in_(&std::cin), source_("stdin") {
  if (!path.empty() && path != "-") {
    // Checked before opening: a FIFO with no writer would block the open itself.
    if (const auto problem = io::input_file_problem(path, io::kMaxTextInputBytes); !problem.empty())
      throw InputError(path + ": " + problem);
    file_ = std::make_unique<std::ifstream>(path);
    if (!*file_) throw InputError(path + ": cannot open input file");
    in_ = file_.get();
    source_ = path;
  }
}

LineReader::LineReader(std::istream& in, std::string source) : in_(&in), source_(std::move(source)) {}

bool LineReader::next(std::vector<std::string>& fields) {
  // Read by hand rather than with std::getline, which would hold a line of any length (all of
  // /dev/zero) in memory; standard input is bounded in total as a file is by its size.
  std::string line;
  std::streambuf* in = in_->rdbuf();
  bool any = false;
  for (int c = in->sbumpc(); c != std::char_traits<char>::eof(); c = in->sbumpc()) {
    any = true;
    if (++bytes_ > io::kMaxTextInputBytes)
      throw InputError(source_ + ": more than " + std::to_string(io::kMaxTextInputBytes >> 20) +
                       " MiB of input, the most a text input may have");
    if (c == '\n') break;
    if (line.size() >= kMaxLineBytes)
      throw InputError(source_ + ":" + std::to_string(line_ + 1) + ": line longer than " +
                       std::to_string(kMaxLineBytes) + " bytes, the most one input line may have");
    line.push_back(static_cast<char>(c));
  }
  if (!any) return false;
  ++line_;
  fields.clear();
  std::istringstream ls(line);
  std::string f;
  while (ls >> f) fields.push_back(f);
  return true;
}

std::string LineReader::where() const { return source_ + ":" + std::to_string(line_) + ": "; }

std::uint32_t parse_hex32(const LineReader& r, std::string_view field, std::size_t field_number,
                          std::string_view role) {
  std::uint32_t v = 0;
  bool ok = field.size() == 8;
  for (const char ch : field) {
    int d = -1;
    if (ch >= '0' && ch <= '9') d = ch - '0';
    else if (ch >= 'a' && ch <= 'f') d = ch - 'a' + 10;
    else if (ch >= 'A' && ch <= 'F') d = ch - 'A' + 10;
    if (d < 0) ok = false;
    v = (v << 4) | static_cast<std::uint32_t>(d < 0 ? 0 : d);
  }
  if (!ok)
    throw InputError(r.where() + "field " + std::to_string(field_number) + " (" + std::string(role) + "): '" +
                     io::bounded_quote(field) + "' is not 8 hex digits of a binary32 bit pattern");
  return v;
}

}  // namespace codesim::cli
