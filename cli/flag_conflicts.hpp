#pragma once
// Flags of the estimate command that cannot be given together: refused with a hint rather
// than one of them silently answered or ignored.

#include "estimate_command.hpp"

namespace vramcalc::cli {

/// Throws vramcalc::Error (kind usage): --max-context with --max-batch (each answer holds the
/// other at its given value, so together they read as one workload that does not fit), and
/// standard input ("-") named by more than one of --config and --gpu-db.
void check_flag_conflicts(const EstimateCommandOptions& options);

}  // namespace vramcalc::cli
