#include "command_docs.hpp"

#include <utility>

#include "cli11.hpp"

namespace vramcalc::cli {

namespace {

FlagDoc describe_flag(const CLI::Option& option) {
  FlagDoc flag;
  flag.positional = !option.nonpositional();
  if (flag.positional) {
    flag.names.push_back(option.get_name(true, false));
  }
  for (const auto& name : option.get_snames()) {
    flag.names.push_back("-" + name);
  }
  for (const auto& name : option.get_lnames()) {
    flag.names.push_back("--" + name);
  }
  if (option.get_type_size() != 0) {
    flag.value = option.get_type_name();
    // "[KIND]": CLI11 prints the brackets; the optionality is told by value_optional.
    if (flag.value.size() > 2 && flag.value.front() == '[' && flag.value.back() == ']') {
      flag.value = flag.value.substr(1, flag.value.size() - 2);
    }
    flag.value_optional = option.get_expected_min() == 0;
    flag.takes_path = flag.value == "PATH" || flag.value == "FILE";
  }
  flag.group = option.get_group();
  flag.help = option.get_description();
  return flag;
}

CommandDoc describe_command(const CLI::App& app, std::string name) {
  CommandDoc command;
  command.name = std::move(name);
  command.description = app.get_description();
  command.footer = app.get_footer();
  // As --help lists them: group by group in the order the groups were first used, then the
  // positionals. Options without a group are hidden from --help and from these.
  for (const std::string& group : app.get_groups()) {
    if (group.empty()) {
      continue;
    }
    for (const CLI::Option* option : app.get_options()) {
      if (option->get_group() == group && option->nonpositional()) {
        command.flags.push_back(describe_flag(*option));
      }
    }
  }
  for (const CLI::Option* option : app.get_options()) {
    if (!option->get_group().empty() && !option->nonpositional()) {
      command.flags.push_back(describe_flag(*option));
    }
  }
  return command;
}

}  // namespace

std::vector<CommandDoc> describe_commands(const CLI::App& app) {
  std::vector<CommandDoc> commands{describe_command(app, "")};
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    commands.push_back(describe_command(*sub, sub->get_name()));
  }
  return commands;
}

}  // namespace vramcalc::cli
