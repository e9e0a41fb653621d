#include "flag_conflicts.hpp"

#include "gpu_db_loading.hpp"
#include "vramcalc/error.hpp"

namespace vramcalc::cli {

void check_flag_conflicts(const EstimateCommandOptions& options) {
  if (options.request.solve_max_context && options.request.solve_max_batch) {
    throw Error(ErrorKind::usage,
                "--max-context and --max-batch cannot be asked together: the largest context "
                "depends on the batch, and the largest batch on the context",
                "ask one question: --max-context at --batch N, or --max-batch at --context N");
  }
  std::vector<std::string> inputs = options.output.gpu_db_files;
  inputs.push_back(options.source.config);
  check_stdin_read_once(inputs);
}

}  // namespace vramcalc::cli
