#include "vramcalc/workload.hpp"

#include <string>

#include "vramcalc/error.hpp"

namespace vramcalc {

void validate_workload(const Workload& workload) {
  if (workload.context == 0 || workload.context > k_max_context_tokens) {
    throw Error(ErrorKind::input,
                "context of " + std::to_string(workload.context) + " tokens is out of range",
                "use 1 to " + std::to_string(k_max_context_tokens) + " tokens, e.g. --context 8k");
  }
  if (workload.batch == 0 || workload.batch > k_max_batch) {
    throw Error(ErrorKind::input,
                "batch of " + std::to_string(workload.batch) + " sequences is out of range",
                "use 1 to " + std::to_string(k_max_batch) + " sequences, e.g. --batch 4");
  }
}

}  // namespace vramcalc
