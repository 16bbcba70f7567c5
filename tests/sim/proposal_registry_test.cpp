// The proposal catalogue: every proposal file registers itself on the generic registry
// (emulator/registry/named_registry.hpp); ProposalRegistry lists them baseline first, then by
// name, and parses command-line specs.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulator/registry/named_registry.hpp"
#include "proposals/proposal.hpp"

namespace codesim::proposals {
namespace {

std::vector<std::string> names(const std::vector<const Proposal*>& all) {
  std::vector<std::string> out;
  for (const Proposal* p : all) out.push_back(p->name());
  return out;
}

TEST(ProposalRegistry, ListsBaselineFirstThenByName) {
  const auto all = names(ProposalRegistry::instance().all());
  ASSERT_GE(all.size(), 4U);
  EXPECT_EQ(all.front(), "baseline");
  EXPECT_TRUE(std::is_sorted(all.begin() + 1, all.end()));
  for (const char* n : {"tc-full-accum", "tc-accum-bits", "tc-group-scaling"})
    EXPECT_NE(std::find(all.begin(), all.end(), n), all.end()) << n;
}

TEST(ProposalRegistry, IsAViewOfTheGenericRegistry) {
  const auto& kinds = registry::NamedRegistry<ProposalKind>::instance();
  EXPECT_EQ(kinds.all().size(), ProposalRegistry::instance().all().size());
  for (const ProposalKind* k : kinds.all()) {
    EXPECT_EQ(k->name, k->proposal->name());
    EXPECT_EQ(ProposalRegistry::instance().find(k->name), k->proposal.get()) << k->name;
  }
  EXPECT_EQ(ProposalRegistry::instance().find("tc-magic"), nullptr);
}

TEST(ProposalRegistry, ParsesSpecsWithDefaultsAndChecksValues) {
  const auto& r = ProposalRegistry::instance();
  const auto defaults = r.parse("tc-accum-bits");
  EXPECT_EQ(defaults.values.at("bits"), "16");
  EXPECT_EQ(r.parse("tc-accum-bits:20").values.at("bits"), "20");
  EXPECT_EQ(r.parse("tc-accum-bits:bits=20").spec(), "tc-accum-bits:bits=20");
  EXPECT_THROW((void)r.parse("tc-accum-bits:99"), std::invalid_argument);
  EXPECT_THROW((void)r.parse("tc-accum-bits:width=20"), std::invalid_argument);
  try {
    (void)r.parse("tc-magic");
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("unknown proposal 'tc-magic' (known: baseline, "), std::string::npos) << m;
  }
}

TEST(ProposalRegistry, ADuplicateNameIsRefused) {
  struct Copy final : Proposal {
    std::string name() const override { return "baseline"; }
    std::string summary() const override { return ""; }
    std::string source() const override { return ""; }
  };
  EXPECT_THROW(registry::NamedRegistry<ProposalKind>::instance().add(ProposalKind{std::make_unique<Copy>()}),
               std::logic_error);
  EXPECT_FALSE(ProposalRegistry::instance().all().front()->summary().empty());  // the original stays
}

}  // namespace
}  // namespace codesim::proposals
