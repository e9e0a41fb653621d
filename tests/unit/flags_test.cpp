// Which flags a run builds (cli/flags.hpp): the ones its arguments name, all of them for help;
// and a parse over the named flags gives what a parse over every flag gives.
#include <algorithm>

#include "catch.hpp"
#include "estimate_command.hpp"
#include "flags.hpp"
#include "vramcalc/error.hpp"

using namespace vramcalc;
using namespace vramcalc::cli;

TEST_CASE("a flag selection holds the flags the arguments name") {
  const FlagSelection named =
      FlagSelection::named_in({"--params", "7B", "--gpu=L4", "-c8192", "--", "x"});
  CHECK_FALSE(named.is_every());
  CHECK(named.wants("--params"));
  CHECK(named.wants("--gpu"));
  CHECK(named.wants("-c,--ctx-size"));  // by its short name
  CHECK(named.wants("--tp,--tensor-parallel-size") == false);
  CHECK_FALSE(named.wants("--gpus"));  // --gpu=L4 names --gpu only
  CHECK_FALSE(named.wants("--dtype"));
}

TEST_CASE("help anywhere selects every flag") {
  for (const char* help : {"-h", "--help", "--help-all"}) {
    const FlagSelection selection = FlagSelection::named_in({"--params", "7B", help});
    CHECK(selection.is_every());
    CHECK(selection.wants("--dtype"));
  }
  CHECK(FlagSelection::every().wants("--anything"));
}

TEST_CASE("a query parsed over the flags it names equals one parsed over every flag") {
  const std::vector<std::string> args = {"--params", "7B",        "--gpu",    "L4",
                                         "--context", "32k",      "--kv-dtype", "q8_0",
                                         "-tp",      "2",         "--gpus",   "2"};
  const auto parse_with = [&](const FlagSelection& selection) {
    CLI::App app;
    EstimateCommandOptions options;
    Flags flags(app, selection);
    setup_estimate(flags, options);
    std::vector<std::string> reversed = with_engine_spellings(args);
    std::reverse(reversed.begin(), reversed.end());
    app.parse(reversed);
    return options;
  };
  const EstimateCommandOptions named =
      parse_with(FlagSelection::named_in(with_engine_spellings(args)));
  const EstimateCommandOptions every = parse_with(FlagSelection::every());
  CHECK(named.source.params == every.source.params);
  CHECK(named.gpu == every.gpu);
  CHECK(named.gpus == every.gpus);
  CHECK(named.request.deployment.workload.context == 32768);
  CHECK(named.request.deployment.workload.context == every.request.deployment.workload.context);
  CHECK(named.request.deployment.workload.kv_key.name == "q8_0");
  CHECK(named.request.deployment.tensor_parallel == 2);
  CHECK(named.request.deployment.tensor_parallel == every.request.deployment.tensor_parallel);
}

TEST_CASE("a bad flag is reported as the whole command line reports it") {
  // parse_query parses over the named flags, then again over every flag when that fails.
  try {
    (void)parse_query({"--params", "7B", "--gpuu", "L4"});
    FAIL("an unknown flag was accepted");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("--gpuu") != std::string::npos);
  }
}
