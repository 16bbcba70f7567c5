// codesim proposals list
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "emulator/cli/commands.hpp"
#include "proposals/proposal.hpp"

namespace codesim::cli {
namespace {

void list_proposals(bool json) {
  const auto all = proposals::ProposalRegistry::instance().all();
  if (json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto* p : all) {
      nlohmann::ordered_json j;
      j["name"] = p->name();
      j["summary"] = p->summary();
      j["source"] = p->source();
      j["parameters"] = nlohmann::ordered_json::array();
      for (const auto& prm : p->parameters())
        j["parameters"].push_back(
            {{"name", prm.name}, {"description", prm.description}, {"default", prm.default_value}, {"range", prm.range}});
      const auto recipe = p->gemm_recipe(proposals::ProposalRegistry::instance().parse(p->name()).values);
      if (recipe) j["gemm_recipe"] = recipe->name;
      out.push_back(j);
    }
    std::cout << out.dump(2) << "\n";
    return;
  }
  for (const auto* p : all) {
    fmt::print("{}\n", p->name());
    for (const auto& prm : p->parameters())
      fmt::print("  parameter {} ({}; default {}; {})\n", prm.name, prm.range, prm.default_value, prm.description);
    const auto recipe = p->gemm_recipe(proposals::ProposalRegistry::instance().parse(p->name()).values);
    if (recipe) fmt::print("  GEMM recipe (defaults): {}\n", recipe->name);
    fmt::print("  {}\n  source: {}\n\n", p->summary(), p->source());
  }
}

}  // namespace

void add_proposals_commands(CLI::App& app) {
  CLI::App* proposals = app.add_subcommand("proposals", "Registered hardware proposals");
  proposals->require_subcommand(1);
  auto json = std::make_shared<bool>(false);
  CLI::App* list = proposals->add_subcommand("list", "Lists every proposal with its summary and parameters");
  list->add_flag("--json", *json, "print JSON");
  list->callback([json] { list_proposals(*json); });
}

}  // namespace codesim::cli
