#pragma once
// `vramcalc check FILE`: many deployments in one step. The file lists deployments, each the
// estimate command's own arguments; every row is planned as `vramcalc ARGS` would plan it and
// judged, and the exit code is the worst row's (0 all fit, 1 one does not fit, 2 an error).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vramcalc::cli {

class Flags;

/// Most bytes of a check file, and of one of its lines.
inline constexpr std::uint64_t k_check_max_bytes = 16ULL * 1024 * 1024;
inline constexpr std::uint64_t k_check_max_line_bytes = 1024ULL * 1024;
/// Most deployments in one file, and arguments in one deployment.
inline constexpr std::size_t k_check_max_rows = 10'000;
inline constexpr std::size_t k_check_max_args = 1'000;

struct CheckCommandOptions {
  std::string file;             ///< the file of deployments; "-" for standard input
  std::string format = "text";  ///< --format text|json|markdown
  std::string color = "auto";   ///< --color auto|always|never
};

void setup_check(Flags& flags, CheckCommandOptions& options);

/// One deployment as the file gives it: its name and the arguments that ask for it, or why
/// the row cannot be used (then `args` is empty and `error` says why).
struct CheckRowInput {
  std::string name;                              ///< "name", else "row N"
  std::optional<std::vector<std::string>> args;  ///< the estimate command's arguments
  std::string error;                             ///< non-empty: the row is malformed
  std::string hint;
};

/// Reads the text of a check file: JSON Lines (one object per line; blank lines skipped) or
/// one JSON array of objects. A row is {"name": "...", "args": ["--model", ...]}, and may give
/// flags as keys too ({"gpu": "L4", "gpus": 2, "offload": true}; a list repeats the flag:
/// "gpu": ["4090", "3090"]), appended after "args" in the order written. A row that is JSON but
/// not such an object comes back with its error; text that is not JSON, a key repeated in one
/// object, nesting deeper than 8 levels, no rows at all, a line over 1 MiB or more than
/// k_check_max_rows rows throw vramcalc::Error naming `origin` and the line.
[[nodiscard]] std::vector<CheckRowInput> parse_check_rows(std::string_view text,
                                                          const std::string& origin);

enum class CheckStatus { fits, does_not_fit, error };

/// One deployment judged.
struct CheckRow {
  std::string name;
  std::optional<std::vector<std::string>> argv;  ///< as given; none when the row is malformed
  CheckStatus status = CheckStatus::error;
  int exit_code = 2;  ///< what `vramcalc ARGV` exits with
  // Known when the row was planned (status fits or does_not_fit):
  std::string model;                              ///< the model's display name
  std::string hardware;                           ///< "2 x NVIDIA L4", "CPU only"
  std::string engine;
  std::string dtype;
  std::optional<std::uint64_t> per_gpu_bytes;     ///< the fullest card's need
  std::optional<std::uint64_t> capacity_bytes;    ///< that card's usable memory less margin
  std::optional<std::int64_t> headroom_bytes;     ///< the plan's least headroom
  std::optional<std::uint64_t> total_bytes;       ///< the whole deployment
  /// The deciding device's need and room (the fullest GPU; host RAM for --cpu-only).
  std::uint64_t need_bytes = 0;
  std::uint64_t room_bytes = 0;
  std::string error;  ///< status error: what went wrong
  std::string hint;
};

/// Plans and judges one row, as `vramcalc ARGS` would. Never throws for a bad row: its error
/// is in the result. Solver flags (--max-context, --max-batch, --min-gpus, --which-gpus) and
/// rows without hardware are errors: a check judges deployments on named cards.
[[nodiscard]] CheckRow check_row(const CheckRowInput& input);

/// Every row judged, and the worst exit code.
struct CheckResult {
  std::string file;  ///< as named ("-" for standard input)
  std::vector<CheckRow> rows;
  std::size_t fits = 0;
  std::size_t does_not_fit = 0;
  std::size_t errors = 0;
  int exit_code = 0;
};

/// Judges every row of `inputs`.
[[nodiscard]] CheckResult check_rows(const std::string& file,
                                     const std::vector<CheckRowInput>& inputs);

/// Runs the command; returns the exit code. Throws vramcalc::Error for a bad file or flag.
[[nodiscard]] int run_check(const CheckCommandOptions& options);

/// Renderers: one table, one JSON document (schema docs/schema/check.schema.json), or a
/// Markdown table for a pull-request comment.
[[nodiscard]] std::string render_check_text(const CheckResult& result, bool color);
[[nodiscard]] std::string render_check_json(const CheckResult& result);
[[nodiscard]] std::string render_check_markdown(const CheckResult& result);

}  // namespace vramcalc::cli
