#pragma once
/// The one exception type of vramcalc: thrown only by functions that parse, load, resolve or
/// validate input at the edges of the pipeline; caught once by the command line.

#include <stdexcept>
#include <string>

namespace vramcalc {

/// What kind of input was wrong. All of them map to exit code 2 in the CLI.
enum class ErrorKind {
  usage,  ///< a flag, or a combination of flags, that makes no sense
  input,  ///< a value (number, name, size) that cannot be understood
  file,   ///< a file that cannot be read or is malformed
  data,   ///< a database (GPU or model catalog) that is inconsistent
};

class Error : public std::runtime_error {
 public:
  /// `message` says what is wrong and why; `hint` says how to fix it (may be empty).
  Error(ErrorKind kind, const std::string& message, std::string hint = {})
      : std::runtime_error(message), m_kind(kind), m_hint(std::move(hint)) {}

  [[nodiscard]] ErrorKind kind() const noexcept { return m_kind; }
  [[nodiscard]] const std::string& hint() const noexcept { return m_hint; }

 private:
  ErrorKind m_kind;
  std::string m_hint;
};

}  // namespace vramcalc
