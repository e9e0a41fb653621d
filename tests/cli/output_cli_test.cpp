// End-to-end: the one writer of standard output (issue 9 case 5). A write that fails is exit 2
// with "cannot write output: ..." in every command; a reader that went away ends the program
// by SIGPIPE with nothing on stderr.
#include <csignal>

#include "catch.hpp"
#include "cli_checks.hpp"
#include "gguf_writer.hpp"
#include "run_cli.hpp"

using namespace vramcalc::test;

namespace {

// Every command and every kind of output: estimate (text and JSON), gpus, models, inspect,
// check, help, version, the man page and a completion script.
std::vector<std::vector<std::string>> every_command() {
  const std::string dir = temp_dir();
  write_gguf(dir + "/m.gguf", small_model());
  write_file(dir + "/rows.jsonl", R"({"name": "a", "args": ["--params", "7B", "--gpu", "L4"]})"
                                  "\n");
  return {{"--params", "7B", "--gpu", "L4"},
          {"--params", "7B", "--gpu", "L4", "--format", "json"},
          {"--params", "70B", "--gpu", "L4"},  // does not fit: exit 1 when written
          {"gpus"},
          {"models", "--format", "json"},
          {"inspect", dir + "/m.gguf"},
          {"check", dir + "/rows.jsonl", "--format", "markdown"},
          {"--help"},
          {"gpus", "--help"},
          {"--version"},
          {"--generate-man"},
          {"--generate-completion", "bash"}};
}

}  // namespace

TEST_CASE("output: a full disk is exit 2 with cannot write output") {
  // Issue 9 case 5: vramcalc --params 7B --gpu L4 > /dev/full exited 0.
  CliSetup full;
  full.stdout_path = "/dev/full";
  for (const auto& args : every_command()) {
    INFO(args.front() << " " << args.back());
    check_input_error(run_cli_with(args, full), "cannot write output: No space left on device");
  }
}

TEST_CASE("output: a closed stdout is exit 2 with cannot write output") {
  CliSetup closed;
  closed.close_stdout = true;
  for (const auto& args : every_command()) {
    INFO(args.front() << " " << args.back());
    check_input_error(run_cli_with(args, closed), "cannot write output: standard output is closed");
  }
}

TEST_CASE("output: a reader that went away ends the program by SIGPIPE without a message") {
  CliSetup gone;
  gone.stdout_to_closed_pipe = true;
  for (const auto& args : every_command()) {
    INFO(args.front() << " " << args.back());
    const auto r = run_cli_with(args, gone);
    CHECK(r.exit_code == 128 + SIGPIPE);
    CHECK(r.err.empty());
  }
}

TEST_CASE("output: errors go to stderr even when stdout cannot be written") {
  CliSetup full;
  full.stdout_path = "/dev/full";
  check_input_error(run_cli_with({"--params", "7X"}, full), "unknown unit 'X'");
}
