// io::read_json_file and JsonObjectReader at the edges of their input: a repeated key, nesting
// past the documented limit (quickly, without exhausting the stack), a number beyond a double,
// a wrong type, and messages that repeat only a bounded prefix of a bad value. Every error is a
// DataFileError naming the file and the field path (exit status 2 on the command line).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <string>

#include "emulator/io/csv_table.hpp"
#include "emulator/io/json_fields.hpp"
#include "tests/support/temp_folder.hpp"

namespace codesim::io {
namespace {

void expect_names(const std::string& message, std::initializer_list<std::string> parts) {
  for (const auto& p : parts) EXPECT_NE(message.find(p), std::string::npos) << "'" << message << "' lacks '" << p << "'";
}

class JsonFiles : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& text) const {
    const auto p = dir_.file("data.json");
    std::ofstream(p) << text;
    return p;
  }
  /// The error reading `text` gives ("" if it parsed).
  std::string error_of(const std::string& text) const {
    try {
      (void)read_json_file(write(text));
    } catch (const DataFileError& e) {
      return e.what();
    }
    return "";
  }
  codesim::testing::TempFolder dir_{"codesim-json-fields"};
};

TEST_F(JsonFiles, ARepeatedKeyIsRefusedWithItsPath) {
  expect_names(error_of(R"({"name": "a", "name": "b"})"), {"data.json", "field /name", "appears twice"});
  expect_names(error_of(R"({"hbm": {"bandwidth_gbps": 1, "latency_ns": 2, "bandwidth_gbps": 3}})"),
               {"data.json", "field /hbm/bandwidth_gbps", "appears twice"});
  expect_names(error_of(R"({"list": [{"a": 1}, {"b": 1, "b": 2}]})"), {"field /list/1/b", "appears twice"});
}

TEST_F(JsonFiles, TheSameKeyInDifferentObjectsIsFine) {
  EXPECT_EQ(error_of(R"({"a": {"x": 1}, "b": {"x": 2}, "c": [{"x": 1}, {"x": 2}], "x": 0})"), "");
  const auto j = read_json_file(write(R"({"a": {"x": 1}, "b": [[1, 2], {"x": [3]}]})"));
  EXPECT_EQ(j["b"][1]["x"][0].get<int>(), 3);
}

std::string nested(int depth) { return std::string(static_cast<std::size_t>(depth), '[') + std::string(static_cast<std::size_t>(depth), ']'); }

TEST_F(JsonFiles, NestingUpToTheLimitIsReadAndDeeperIsRefused) {
  // The top-level object is one level: the value of "v" may nest kMaxJsonDepth - 1 more.
  EXPECT_EQ(error_of("{\"v\": " + nested(kMaxJsonDepth - 1) + "}"), "");
  expect_names(error_of("{\"v\": " + nested(kMaxJsonDepth) + "}"),
               {"data.json", "field /v/0/0", "nested deeper than " + std::to_string(kMaxJsonDepth)});
  expect_names(error_of(nested(kMaxJsonDepth + 1)), {"data.json", "nested deeper than"});
}

TEST_F(JsonFiles, HundredThousandLevelsAreRefusedQuickly) {
  // This once overflowed the stack while the error message printed the value.
  const auto start = std::chrono::steady_clock::now();
  const std::string message = error_of("{\"name\": " + nested(100'000) + "}");
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  expect_names(message, {"data.json", "field /name/0", "nested deeper than"});
  EXPECT_LT(message.size(), 400U) << message;
  EXPECT_LT(seconds, 2.0);
}

TEST_F(JsonFiles, ANumberBeyondADoubleNamesTheFieldAndValue) {
  expect_names(error_of(R"({"hbm": {"bandwidth_gbps": 1e999}})"),
               {"data.json", "field /hbm/bandwidth_gbps = 1e999", "beyond the range of a double"});
  expect_names(error_of(R"({"range": [0, -1e400]})"), {"field /range/1 = -1e400", "beyond the range"});
  // A long run of digits is quoted in part only.
  const std::string digits = "1" + std::string(5000, '0') + "e999";
  const std::string message = error_of("{\"x\": " + digits + "}");
  expect_names(message, {"field /x = 1000", "(5005 characters)"});
  EXPECT_LT(message.size(), 300U);
}

TEST_F(JsonFiles, MalformedTextGivesLineColumnAndABoundedToken) {
  expect_names(error_of("{\n  \"a\": 1,\n  \"b\": tru\n}"), {"data.json:3:", "malformed JSON", "field /b"});
  const std::string message = error_of("{\"a\": \"" + std::string(100'000, 'x'));  // an unterminated string
  expect_names(message, {"data.json:1:", "malformed JSON"});
  EXPECT_LT(message.size(), 600U) << message.substr(0, 600);
}

TEST(BoundedQuote, ShortTextIsUnchangedLongTextIsCutAndCounted) {
  EXPECT_EQ(bounded_quote("abc"), "abc");
  EXPECT_EQ(bounded_quote(std::string(kMaxQuotedChars, 'a')), std::string(kMaxQuotedChars, 'a'));
  EXPECT_EQ(bounded_quote(std::string(200, 'a')), std::string(kMaxQuotedChars, 'a') + "... (200 characters)");
  // "é" is two bytes; a cut through it backs up to the character's start.
  const std::string accents = "a" + std::string("\xC3\xA9\xC3\xA9\xC3\xA9");
  EXPECT_EQ(bounded_quote(accents, 2), "a... (7 characters)");
}

TEST(BoundedMessage, KeepsHeadAndTailAndCountsWhatIsLeftOut) {
  EXPECT_EQ(bounded_message("short"), "short");
  const std::string exact(kMaxMessageChars, 'm');
  EXPECT_EQ(bounded_message(exact), exact);
  // 482 kept at each end of a 1024-character budget: head "--x " + a's, tail b's + ": why".
  const std::string long_message = "--x " + std::string(50'000, 'a') + std::string(50'000, 'b') + ": why";
  const std::string m = bounded_message(long_message);
  EXPECT_LE(m.size(), kMaxMessageChars);
  EXPECT_EQ(m.substr(0, 4), "--x ");
  EXPECT_EQ(m.substr(m.size() - 5), ": why");
  EXPECT_NE(m.find(" ... (" + std::to_string(long_message.size() - 2 * 482) + " characters left out) ... "),
            std::string::npos)
      << m.substr(0, 200);
  // Cuts fall between UTF-8 sequences: no kept part starts or ends inside "é" (two bytes).
  std::string accents;
  for (int i = 0; i < 2000; ++i) accents += "\xC3\xA9";
  const std::string cut = bounded_message(accents, 101);
  const std::size_t marker = cut.find(" ... (");
  ASSERT_NE(marker, std::string::npos);
  EXPECT_EQ(marker % 2, 0U);
  EXPECT_EQ((cut.size() - cut.find(") ... ") - 6) % 2, 0U);
}

TEST(JsonObjectReader, AHugeValueOfTheWrongTypeIsQuotedInPart) {
  const nlohmann::json j = {{"name", std::string(10'000'000, 'x')}};
  JsonObjectReader r(j, "big.json", "");
  try {
    (void)r.number("name", 0, 1);
    FAIL() << "no error";
  } catch (const DataFileError& e) {
    const std::string m = e.what();
    expect_names(m, {"big.json: field /name = \"xxx", "(10000002 characters)", "must be a number"});
    EXPECT_LT(m.size(), 300U);
  }
}

TEST(JsonObjectReader, AStringOrNullWhereANumberIsExpectedNamesTheField) {
  const nlohmann::json j = {{"a", "3"}, {"b", nullptr}, {"c", 3.5}};
  JsonObjectReader r(j, "f.json", "/x");
  try {
    (void)r.number("a", 0, 10);
    FAIL() << "no error";
  } catch (const DataFileError& e) {
    expect_names(e.what(), {"f.json: field /x/a = \"3\": must be a number"});
  }
  try {
    (void)r.integer("b", 0, 10);
    FAIL() << "no error";
  } catch (const DataFileError& e) {
    expect_names(e.what(), {"f.json: field /x/b = null: must be a whole number"});
  }
  EXPECT_DOUBLE_EQ(r.number("c", 0, 10), 3.5);
}

TEST(JsonObjectReader, NonFiniteNumbersFailEveryRange) {
  // JSON text cannot spell NaN, but a value built in code can; a range check written as
  // `x < lo || x > hi` would let it through.
  const nlohmann::json j = {{"nan", std::numeric_limits<double>::quiet_NaN()},
                            {"inf", std::numeric_limits<double>::infinity()},
                            {"list", {0.5, std::numeric_limits<double>::quiet_NaN()}}};
  JsonObjectReader r(j, "f.json", "");
  EXPECT_THROW((void)r.number("nan", -1e308, 1e308), DataFileError);
  EXPECT_THROW((void)r.number("inf", -1e308, std::numeric_limits<double>::infinity()), DataFileError);
  EXPECT_THROW((void)r.number_array("list", 2, 0.0, 1.0), DataFileError);
}

TEST(CsvTable, NonFiniteCellsAreRefused) {
  codesim::testing::TempFolder dir{"codesim-csv-finite"};
  const auto file = dir.file("t.csv");
  std::ofstream(file) << "m,time_us\n1,nan\n2,inf\n3,-NAN\n4,5\n";
  const auto t = read_csv(file);
  ASSERT_EQ(t.rows.size(), 4U);
  for (std::size_t i = 0; i < 3; ++i) {
    try {
      (void)t.number(t.rows[i], "time_us", 0.0, 1e9);
      FAIL() << "row " << i << " accepted";
    } catch (const DataFileError& e) {
      expect_names(e.what(), {"t.csv: line " + std::to_string(i + 2), "column time_us"});
    }
  }
  EXPECT_DOUBLE_EQ(t.number(t.rows[3], "time_us", 0.0, 1e9), 5.0);
}

}  // namespace
}  // namespace codesim::io
