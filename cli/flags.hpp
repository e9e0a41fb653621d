#pragma once
// How a command declares its flags, and which of them a run builds.
//
// CLI11 (2.1) spends ~10,000 instructions building each flag and then compares it with every
// flag built before it, copying their names: the ~70 flags of `vramcalc` cost 2 M
// instructions, more than the whole estimate. So a run builds the flags its arguments name and
// no other: nothing changes for the parse, which only ever looks up the flags it is given.
// Every flag is built where all of them show (--help, the man page, the completions) and where
// an error may name another flag (a parse that fails is run again with every flag, so its
// message and its "did you mean" are the same as ever).

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "cli11.hpp"

namespace vramcalc::cli {

class FlagSelection {
public:
  /// Every flag.
  [[nodiscard]] static FlagSelection every();
  /// The flags `args` name: "--name" and "--name=value" name --name, "-x..." names -x. Help
  /// (-h, --help, --help-all) anywhere selects every flag.
  [[nodiscard]] static FlagSelection named_in(const std::vector<std::string>& args);

  /// Whether a flag of these names ("-c,--ctx-size") is built.
  [[nodiscard]] bool wants(std::string_view names) const;
  [[nodiscard]] bool is_every() const noexcept { return m_every; }

private:
  bool m_every = true;
  std::vector<std::string> m_names; // as written in the arguments, "--gpu", "-c"
};

/// Parses one value of a flag, throwing vramcalc::Error when it is bad.
using Parser = std::function<void(const std::string&)>;

/// Declares flags on one command's CLI11 app, each in one call: names, value name, help group,
/// help text and what it sets. A flag the selection does not want is not built, and the call
/// returns nullptr; otherwise the CLI11 option, for the rare setting beyond these.
class Flags {
public:
  /// Keeps a reference to `selection`, which must outlive it (a temporary does not compile).
  Flags(CLI::App& app, const FlagSelection& selection) : m_app(app), m_selection(selection) {}
  Flags(CLI::App& app, FlagSelection&& selection) = delete;

  /// A flag with a value, handed to `parse`. No `type`: CLI11's own value name.
  CLI::Option* value(const std::string& names, const char* type, const char* group,
                     const std::string& help, Parser parse);

  /// A flag whose value is kept as written in `target` (a string, or a list for a repeatable
  /// flag). No `type`: CLI11's own value name.
  template <class Target>
  CLI::Option* text(const std::string& names, Target& target, const char* type, const char* group,
                    const std::string& help) {
    if (!m_selection.wants(names)) {
      return nullptr;
    }
    CLI::Option* option = m_app.add_option(names, target, help)->group(group);
    if (type != nullptr) {
      option->type_name(type);
    }
    return option;
  }

  /// A flag without a value that sets `target`.
  CLI::Option* toggle(const std::string& names, bool& target, const char* group,
                      const std::string& help);

  /// A flag without a value that calls `action`.
  CLI::Option* action(const std::string& names, const char* group, const std::string& help,
                      std::function<void()> action);

  /// A positional argument: always built.
  CLI::Option* positional(const std::string& name, std::string& target, const char* type,
                          const std::string& help);

private:
  CLI::App& m_app;
  const FlagSelection& m_selection;
};

/// Parses `args` (in order) into fresh options with the flags they name, and when that fails,
/// again with every flag, so that a failure is reported as the whole command line reports it.
/// CLI11's exceptions (CLI::ParseError; --help's CLI::Success) and the parsers' pass on.
template <class Options>
Options parse_flags(const std::vector<std::string>& args, void (*setup)(Flags&, Options&)) {
  const std::vector<std::string> reversed(args.rbegin(), args.rend());
  const FlagSelection named = FlagSelection::named_in(args);
  if (!named.is_every()) {
    try {
      CLI::App app;
      Options options;
      Flags flags(app, named);
      setup(flags, options);
      std::vector<std::string> consumed = reversed;
      app.parse(consumed);
      return options;
    } catch (const CLI::ParseError&) {
      // Again with every flag, below.
    }
  }
  CLI::App app;
  Options options;
  const FlagSelection every = FlagSelection::every();
  Flags flags(app, every);
  setup(flags, options);
  std::vector<std::string> consumed = reversed;
  app.parse(consumed);
  return options;
}

} // namespace vramcalc::cli
