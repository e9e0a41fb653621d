#pragma once
// Runs the vramcalc binary as a user would, capturing exit code, stdout and stderr.

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vramcalc::test {

struct CliResult {
  int exit_code = -1;  ///< 128 + the signal when a signal ended it
  std::string out;
  std::string err;
  bool timed_out = false;  ///< killed after CliSetup::timeout_s
};

/// Where the binary's standard streams go, and how long it may run.
struct CliSetup {
  /// Standard input: a file opened read-only ("/dev/null" by default); empty: closed.
  std::string stdin_path = "/dev/null";
  /// Standard input from a pipe fed with these bytes and then closed (overrides stdin_path).
  std::optional<std::string> stdin_data;
  /// Standard output to this file instead of being captured (e.g. "/dev/full").
  std::string stdout_path;
  /// Standard output closed.
  bool close_stdout = false;
  /// Standard output a pipe whose reader has gone away (as `| head` after head exits).
  bool stdout_to_closed_pipe = false;
  /// Killed (SIGKILL) after this many seconds; the result then says timed_out.
  int timeout_s = 120;
};

/// Runs the built binary with `args`; `env` entries are set (an empty value unsets the
/// variable) on top of the test's environment, with NO_COLOR, FORCE_COLOR, CLICOLOR_FORCE and
/// VRAMCALC_GPU_DB cleared unless given.
CliResult run_cli(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env = {});

/// As run_cli, with the standard streams and time limit of `setup`.
CliResult run_cli_with(const std::vector<std::string>& args, const CliSetup& setup,
                       const std::map<std::string, std::string>& env = {});

/// Path of the built binary.
std::string cli_path();

/// A fresh empty directory for the calling test (removed at exit of the test process).
std::string temp_dir();

/// Writes `content` to `path` (binary).
void write_file(const std::string& path, const std::string& content);

/// Source directory of the tests (for tests/data files).
std::string test_data_dir();

}  // namespace vramcalc::test
