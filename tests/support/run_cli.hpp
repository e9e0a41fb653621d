#pragma once
// Runs the vramcalc binary as a user would, capturing exit code, stdout and stderr.

#include <map>
#include <string>
#include <vector>

namespace vramcalc::test {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs the built binary with `args`; `env` entries are set (an empty value unsets the
/// variable) on top of the test's environment, with NO_COLOR, FORCE_COLOR, CLICOLOR_FORCE and
/// VRAMCALC_GPU_DB cleared unless given.
CliResult run_cli(const std::vector<std::string>& args,
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
