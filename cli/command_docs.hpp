#pragma once
// The command line described as plain data, read from the CLI11 apps that parse it: the man
// page and the shell completions are written from this, so they list exactly the flags that
// `--help` shows (hidden flags excluded) and cannot drift from them.

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace vramcalc::cli {

/// One flag (or positional argument) as --help shows it.
struct FlagDoc {
  std::vector<std::string> names;  ///< "-c", "--ctx-size"; a positional: its name ("file")
  std::string value;               ///< the value's name ("TOKENS"); empty for a switch
  bool value_optional = false;     ///< the value may be left out (--offload[=KIND])
  bool takes_path = false;         ///< the value names a file or folder (PATH, FILE)
  bool positional = false;
  std::string group;               ///< the --help heading ("Model", "Hardware", ...)
  std::string help;
};

/// One command: the top level (the estimate, `name` empty) or a subcommand.
struct CommandDoc {
  std::string name;         ///< "" for the top level, else "gpus", "train", ...
  std::string description;  ///< the one-line summary --help prints first
  std::string footer;       ///< examples and notes after the flags (may be empty)
  std::vector<FlagDoc> flags;  ///< in --help order, grouped; positionals last
};

/// The top level first, then each subcommand in the order it was declared.
[[nodiscard]] std::vector<CommandDoc> describe_commands(const CLI::App& app);

/// The man page vramcalc.1 (roff, man macros) of the commands.
[[nodiscard]] std::string man_page(const std::vector<CommandDoc>& commands,
                                   const std::string& version);

/// The completion script for `shell` ("bash", "zsh" or "fish"). Throws vramcalc::Error (usage)
/// for any other shell.
[[nodiscard]] std::string completion_script(const std::vector<CommandDoc>& commands,
                                            const std::string& shell);

}  // namespace vramcalc::cli
