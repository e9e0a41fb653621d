#pragma once
/// The reverse question: which catalog models fit these cards, and at which precision. Every
/// answer is a Plan of the one planner (plan.hpp) for the model at the highest precision that
/// fits — its own precision first, then lower_precisions (recommend.hpp) for the engine — so
/// re-running the plan's deployment for that model gives the same fit.

#include <optional>
#include <string>
#include <vector>

#include "vramcalc/catalog.hpp"
#include "vramcalc/plan.hpp"
#include "vramcalc/report.hpp"

namespace vramcalc {

/// One catalog model that fits.
struct FitsOnRow {
  const CatalogEntry* entry = nullptr;
  /// The request that plans it: the catalog model, its checkpoint's own quantization, and the
  /// deployment as asked with the precision that fits (what re-runs it).
  Request request;
  Plan plan;  ///< fits; plan.deployment.format is the best precision that does
};

/// Every catalog entry that fits `base` (its cards, workload, engine settings, margin; the
/// format is chosen per model), in catalog order, each at the highest precision that fits.
/// `context_given`: base.workload.context was asked for; otherwise each model gets the
/// default build_report gives it (4096 tokens, at most its trained length). `entries` limits
/// the search (empty: the whole catalog). Models the planner refuses for this deployment (a
/// context beyond the trained length under vLLM, a tensor-parallel degree that does not divide
/// the heads) are left out. Throws vramcalc::Error (usage) when `base` names no card.
[[nodiscard]] std::vector<FitsOnRow> fits_on(const Deployment& base, bool context_given,
                                             const std::vector<const CatalogEntry*>& entries = {});

}  // namespace vramcalc
