#include "flags.hpp"

#include <algorithm>

namespace vramcalc::cli {

FlagSelection FlagSelection::every() {
  return FlagSelection();
}

FlagSelection FlagSelection::named_in(const std::vector<std::string>& args) {
  FlagSelection selection;
  selection.m_every = false;
  for (const std::string& arg : args) {
    if (arg == "-h" || arg == "--help" || arg == "--help-all") {
      return every();
    }
    if (arg.size() > 2 && arg.compare(0, 2, "--") == 0) {
      selection.m_names.push_back(arg.substr(0, arg.find('=')));
    } else if (arg.size() > 1 && arg[0] == '-' && arg[1] != '-') {
      selection.m_names.push_back(arg.substr(0, 2)); // CLI11: -xVALUE is -x with a value
    }
  }
  return selection;
}

bool FlagSelection::wants(std::string_view names) const {
  if (m_every) {
    return true;
  }
  while (!names.empty()) {
    const std::size_t comma = names.find(',');
    const std::string_view name = names.substr(0, comma);
    if (std::find(m_names.begin(), m_names.end(), name) != m_names.end()) {
      return true;
    }
    names = comma == std::string_view::npos ? std::string_view() : names.substr(comma + 1);
  }
  return false;
}

CLI::Option* Flags::value(const std::string& names, const char* type, const char* group,
                          const std::string& help, Parser parse) {
  if (!m_selection.wants(names)) {
    return nullptr;
  }
  CLI::Option* option =
      m_app.add_option_function<std::string>(names, std::move(parse), help)->group(group);
  if (type != nullptr) {
    option->type_name(type);
  }
  return option;
}

CLI::Option* Flags::toggle(const std::string& names, bool& target, const char* group,
                           const std::string& help) {
  if (!m_selection.wants(names)) {
    return nullptr;
  }
  return m_app.add_flag(names, target, help)->group(group);
}

CLI::Option* Flags::action(const std::string& names, const char* group, const std::string& help,
                           std::function<void()> action) {
  if (!m_selection.wants(names)) {
    return nullptr;
  }
  return m_app.add_flag_callback(names, std::move(action), help)->group(group);
}

CLI::Option* Flags::positional(const std::string& name, std::string& target, const char* type,
                               const std::string& help) {
  return m_app.add_option(name, target, help)->type_name(type);
}

} // namespace vramcalc::cli
