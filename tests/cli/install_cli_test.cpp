// What `cmake --install` ships beside the binary: the man page and the bash, zsh and fish
// completions, written at build time by `vramcalc --generate-man` and
// `--generate-completion SHELL` from the flags --help shows. Every flag of every subcommand
// that --help lists must be in each of them; -V/--version and the program name in --help.
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "cli_checks.hpp"
#include "run_cli.hpp"
#include "vramcalc/version.hpp"

using vramcalc::test::check_input_error;
using vramcalc::test::run_cli;
using vramcalc::test::temp_dir;
using vramcalc::test::write_file;

namespace {

std::string generated(const std::string& name) {
  std::ifstream in(std::string(VRAMCALC_GENERATED_DIR) + "/" + name, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

std::vector<std::string> help_args(const std::string& command) {
  std::vector<std::string> args;
  if (!command.empty()) {
    args.push_back(command);
  }
  args.emplace_back("--help");
  return args;
}

// Every name in --help's option column ("  -c,--ctx-size TOKENS   ..."), not the flags that
// descriptions mention.
std::vector<std::string> help_flags(const std::string& command) {
  const auto help = run_cli(help_args(command));
  REQUIRE(help.exit_code == 0);
  std::vector<std::string> flags;
  for (const std::string& line : lines_of(help.out)) {
    if (line.rfind("  -", 0) != 0) {
      continue;
    }
    std::istringstream column(line.substr(2, line.find(' ', 2) - 2));
    for (std::string name; std::getline(column, name, ',');) {
      flags.push_back(name);
    }
  }
  return flags;
}

// The subcommands the top-level --help lists.
std::vector<std::string> help_subcommands() {
  const auto help = run_cli({"--help"});
  REQUIRE(help.exit_code == 0);
  std::vector<std::string> names;
  bool in_list = false;
  for (const std::string& line : lines_of(help.out)) {
    if (line == "Subcommands:") {
      in_list = true;
    } else if (in_list && line.rfind("  ", 0) == 0 && line.size() > 2 && line[2] != ' ') {
      names.push_back(line.substr(2, line.find(' ', 2) - 2));
    } else if (in_list && line.empty()) {
      break;
    }
  }
  return names;
}

std::vector<std::string> every_command() {
  std::vector<std::string> commands{""};
  for (const auto& name : help_subcommands()) {
    commands.push_back(name);
  }
  return commands;
}

// The part of `text` from `begin` to the first `end` after it (or the end of the text).
std::string section(const std::string& text, const std::string& begin,
                    const std::vector<std::string>& ends) {
  const auto start = text.find(begin);
  REQUIRE(start != std::string::npos);
  auto stop = std::string::npos;
  for (const auto& end : ends) {
    stop = std::min(stop, text.find(end, start + begin.size()));
  }
  return text.substr(start, stop == std::string::npos ? std::string::npos : stop - start);
}

std::string roff_escaped(const std::string& flag) {
  std::string out;
  for (const char c : flag) {
    out += c == '-' ? std::string("\\-") : std::string(1, c);
  }
  return out;
}

std::string run_shell(const std::string& shell, const std::string& script) {
  const std::string dir = temp_dir();
  write_file(dir + "/script", script);
  FILE* pipe = popen((shell + " " + dir + "/script 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
    out += buffer;
  }
  const int status = pclose(pipe);
  INFO(out);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  return out;
}

bool have_program(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

// What bash offers after `vramcalc [command] -`, by running the completion function.
std::set<std::string> bash_offers(const std::string& command) {
  const std::string words = command.empty() ? "vramcalc -" : "vramcalc " + command + " -";
  const std::string script = "source '" + std::string(VRAMCALC_GENERATED_DIR) +
                             "/vramcalc.bash'\n"
                             "COMP_WORDS=(" + words + ")\n"
                             "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
                             "_vramcalc\n"
                             "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
  std::set<std::string> offers;
  for (const auto& line : lines_of(run_shell("bash", script))) {
    offers.insert(line);
  }
  return offers;
}

}  // namespace

TEST_CASE("install: -V and --version print vramcalc and the version") {
  for (const char* flag : {"-V", "--version"}) {
    INFO(flag);
    const auto result = run_cli({flag});
    CHECK(result.exit_code == 0);
    CHECK(result.out == "vramcalc " + std::string(vramcalc::version()) + "\n");
    CHECK(result.err.empty());
  }
}

TEST_CASE("install: --help names the program vramcalc and each subcommand under it") {
  CHECK(run_cli({"--help"}).out.find("Usage: vramcalc [OPTIONS] [SUBCOMMAND]\n") !=
        std::string::npos);
  for (const auto& command : help_subcommands()) {
    INFO(command);
    CHECK(run_cli({command, "--help"}).out.find("Usage: vramcalc " + command + " [OPTIONS]") !=
          std::string::npos);
  }
  // The build path of the binary never shows.
  CHECK(run_cli({"--help"}).out.find(VRAMCALC_CLI_PATH) == std::string::npos);
}

TEST_CASE("install: the installed man page and completions are what the binary prints") {
  const auto man = run_cli({"--generate-man"});
  CHECK(man.exit_code == 0);
  CHECK(man.err.empty());
  CHECK(man.out.find(".TH VRAMCALC 1 \"\" \"vramcalc " + std::string(vramcalc::version())) !=
        std::string::npos);
  CHECK(man.out == generated("vramcalc.1"));
  const std::pair<const char*, const char*> shells[] = {
      {"bash", "vramcalc.bash"}, {"zsh", "_vramcalc"}, {"fish", "vramcalc.fish"}};
  for (const auto& [shell, file] : shells) {
    INFO(shell);
    const auto script = run_cli({"--generate-completion", shell});
    CHECK(script.exit_code == 0);
    CHECK(script.out == generated(file));
    CHECK(run_cli({std::string("--generate-completion=") + shell}).out == script.out);
  }
  CHECK(generated("_vramcalc").rfind("#compdef vramcalc\n", 0) == 0);
}

TEST_CASE("install: the generators refuse other shells and other arguments") {
  check_input_error(run_cli({"--generate-completion", "powershell"}), "unknown shell 'powershell'");
  check_input_error(run_cli({"--generate-completion"}), "--generate-completion takes one shell");
  check_input_error(run_cli({"--generate-completion", "bash", "--params", "7B"}),
                    "--generate-completion takes one shell");
  check_input_error(run_cli({"--generate-man", "--params", "7B"}),
                    "--generate-man takes no other argument");
  // Only as the whole command line: after other flags it is an unknown flag, as before.
  check_input_error(run_cli({"--params", "7B", "--generate-man"}), "--generate-man");
}

TEST_CASE("install: every subcommand is listed and every flag of each is in the man page") {
  const auto commands = every_command();
  CHECK(commands == std::vector<std::string>{"", "gpus", "models", "inspect", "train", "check"});
  const std::string man = generated("vramcalc.1");
  for (const auto& command : commands) {
    const std::string part =
        command.empty() ? section(man, "\n.SH OPTIONS\n", {"\n.SH "})
                        : section(man, "\n.SS \"vramcalc " + command + "\"\n",
                                  {"\n.SS \"vramcalc ", "\n.SH "});
    const auto flags = help_flags(command);
    CHECK(flags.size() > 3);
    for (const auto& flag : flags) {
      INFO("vramcalc " << command << " " << flag);
      CHECK(part.find("\\fB" + roff_escaped(flag) + "\\fR") != std::string::npos);
    }
  }
  // Renders: groff is not needed to build, but where it is the page has no roff warnings.
  if (have_program("groff")) {
    const std::string dir = temp_dir();
    write_file(dir + "/vramcalc.1", man);
    const std::string warnings = run_shell(
        "sh", "groff -man -Tutf8 -ww -z '" + dir + "/vramcalc.1'\n");
    CHECK(warnings.empty());
  }
}

TEST_CASE("install: bash completion offers every flag of every subcommand") {
  for (const auto& command : every_command()) {
    const auto offers = bash_offers(command);
    for (const auto& flag : help_flags(command)) {
      INFO("vramcalc " << command << " " << flag);
      CHECK(offers.count(flag) == 1);
    }
  }
  // The subcommands at the first word; a path option completes files.
  const std::string dir = temp_dir();
  write_file(dir + "/model.gguf", "");
  const std::string script = "source '" + std::string(VRAMCALC_GENERATED_DIR) +
                             "/vramcalc.bash'\n"
                             "COMP_WORDS=(vramcalc ''); COMP_CWORD=1; _vramcalc\n"
                             "printf '%s\\n' \"${COMPREPLY[@]}\"\n"
                             "COMP_WORDS=(vramcalc --gguf '" + dir + "/mo'); COMP_CWORD=2\n"
                             "_vramcalc; printf '%s\\n' \"${COMPREPLY[@]}\"\n";
  const std::string out = run_shell("bash", script);
  for (const char* expected : {"gpus\n", "models\n", "inspect\n", "train\n", "/model.gguf\n"}) {
    INFO(expected);
    CHECK(out.find(expected) != std::string::npos);
  }
}

TEST_CASE("install: zsh completion has every flag of every subcommand") {
  const std::string zsh = generated("_vramcalc");
  for (const auto& command : every_command()) {
    const std::string function = command.empty() ? "estimate" : command;
    const std::string part = section(zsh, "\n_vramcalc_" + function + "() {\n", {"\n}\n"});
    for (const auto& flag : help_flags(command)) {
      INFO("vramcalc " << command << " " << flag);
      const bool found = part.find("'" + flag + "[") != std::string::npos ||
                         part.find("'" + flag + "=[") != std::string::npos ||
                         part.find("'" + flag + "=-[") != std::string::npos ||
                         part.find("'" + flag + "+[") != std::string::npos;
      CHECK(found);
    }
  }
  if (have_program("zsh")) {
    run_shell("zsh -n", zsh);
  }
}

TEST_CASE("install: fish completion has every flag of every subcommand") {
  const std::string fish = generated("vramcalc.fish");
  const auto commands = every_command();
  std::string others;
  for (std::size_t i = 1; i < commands.size(); ++i) {
    others += (i == 1 ? "" : " ") + commands[i];
  }
  for (const auto& command : commands) {
    const std::string condition = command.empty()
                                      ? "-n 'not __fish_seen_subcommand_from " + others + "'"
                                      : "-n '__fish_seen_subcommand_from " + command + "'";
    std::string part;
    for (const auto& line : lines_of(fish)) {
      if (line.find(condition) != std::string::npos) {
        part += line + "\n";
      }
    }
    for (const auto& flag : help_flags(command)) {
      INFO("vramcalc " << command << " " << flag);
      const std::string option =
          flag.rfind("--", 0) == 0 ? " -l " + flag.substr(2) + " " : " -s " + flag.substr(1) + " ";
      CHECK(part.find(option) != std::string::npos);
    }
  }
  if (have_program("fish")) {
    run_shell("fish -n", fish);
  }
}
