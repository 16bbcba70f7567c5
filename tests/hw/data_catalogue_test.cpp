// io::DataCatalogue, the named-JSON-file catalogue behind devices, models and scenarios:
// folder from an environment variable or the default, names, name-or-path resolution, and
// the error for an unknown name.
#include "emulator/io/data_catalogue.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "emulator/io/json_fields.hpp"
#include "tests/support/temp_folder.hpp"

namespace codesim::io {
namespace {

namespace fs = std::filesystem;

constexpr const char* kEnv = "CODESIM_TEST_CATALOGUE_DATA";

struct Entry {
  std::string name;
  fs::path file;
};

Entry load_entry(const fs::path& file) {
  const auto j = read_json_file(file);
  return {j.at("name").get<std::string>(), file};
}

class DataCatalogueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv(kEnv);
    fs::create_directories(dir_.file("things"));
    write("things/beta.json", "beta");
    write("things/alpha.json", "alpha");
    write("things/renamed.json", "alpha");
    std::ofstream(dir_.file("things/notes.txt")) << "not a catalogue file";
  }
  void TearDown() override { ::unsetenv(kEnv); }
  void write(const std::string& relative, const std::string& name) const {
    std::ofstream(dir_.file(relative)) << "{\"name\": \"" << name << "\"}";
  }
  codesim::testing::TempFolder dir_{"codesim-data-catalogue"};
  DataCatalogue catalogue_{"thing", kEnv, dir_.path(), "things"};
};

TEST_F(DataCatalogueTest, ListsTheJsonFilesOfItsFolderSorted) {
  EXPECT_EQ(catalogue_.root(), dir_.path());
  EXPECT_EQ(catalogue_.folder(), dir_.file("things"));
  EXPECT_EQ(catalogue_.names(), (std::vector<std::string>{"alpha", "beta", "renamed"}));
  const DataCatalogue flat{"thing", kEnv, dir_.file("things")};
  EXPECT_EQ(flat.folder(), dir_.file("things"));
}

// A folder that does not exist is an error naming it, not an empty catalogue (issue 15: a
// mistyped data variable listed nothing and exited 0).
TEST_F(DataCatalogueTest, AFolderThatDoesNotExistIsAnError) {
  const DataCatalogue missing{"thing", kEnv, dir_.file("absent")};
  try {
    (void)missing.names();
    FAIL() << "no error";
  } catch (const DataFileError& e) {
    EXPECT_NE(std::string(e.what()).find(dir_.file("absent").string() + ": no such folder of thing files"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(DataCatalogueTest, TheEnvironmentVariableOverridesTheDefaultFolder) {
  const codesim::testing::TempFolder other("codesim-data-catalogue-other");
  fs::create_directories(other.file("things"));
  std::ofstream(other.file("things/gamma.json")) << "{\"name\": \"gamma\"}";
  ::setenv(kEnv, other.path().c_str(), 1);
  EXPECT_EQ(catalogue_.folder(), other.file("things"));
  EXPECT_EQ(catalogue_.names(), std::vector<std::string>{"gamma"});
  ::setenv(kEnv, "", 1);  // empty: the default
  EXPECT_EQ(catalogue_.folder(), dir_.file("things"));
}

TEST_F(DataCatalogueTest, ResolvesNamesAndPaths) {
  EXPECT_EQ(catalogue_.resolve("alpha"), dir_.file("things/alpha.json"));
  EXPECT_TRUE(DataCatalogue::is_path("x/y"));
  EXPECT_TRUE(DataCatalogue::is_path("y.json"));
  EXPECT_FALSE(DataCatalogue::is_path("h800"));
  EXPECT_FALSE(DataCatalogue::is_path(".json"));
  EXPECT_EQ(catalogue_.resolve("elsewhere/x.json"), fs::path("elsewhere/x.json"));
  EXPECT_EQ(catalogue_.resolve("x.json", "/base"), fs::path("/base/x.json"));
  EXPECT_EQ(catalogue_.resolve("/abs/x.json", "/base"), fs::path("/abs/x.json"));
}

TEST_F(DataCatalogueTest, AnUnknownNameListsTheKnownOnes) {
  try {
    (void)catalogue_.resolve("delta");
    FAIL() << "no error";
  } catch (const DataFileError& e) {
    EXPECT_EQ(std::string(e.what()), "unknown thing 'delta' in " + dir_.file("things").string() +
                                         " (known: alpha, beta, renamed; or give a path to a thing file)");
  }
}

TEST_F(DataCatalogueTest, LoadChecksThatACatalogueFileCarriesItsName) {
  EXPECT_EQ(catalogue_.load("beta", load_entry).file, dir_.file("things/beta.json"));
  try {
    (void)catalogue_.load("renamed", load_entry);
    FAIL() << "no error";
  } catch (const DataFileError& e) {
    const std::string m = e.what();
    for (const char* part : {"renamed.json", "/name", "\"alpha\"", "must equal the file name 'renamed'"})
      EXPECT_NE(m.find(part), std::string::npos) << m;
  }
  // By path, a file may carry any name.
  EXPECT_EQ(catalogue_.load(dir_.file("things/renamed.json").string(), load_entry).name, "alpha");
}

}  // namespace
}  // namespace codesim::io
