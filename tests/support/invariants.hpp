#pragma once
// The invariant (consistency) suite: random valid queries, each checked for the promises every
// answer makes — the verdict, exit code and headroom agree; plans add up and fit within every
// device; every recommendation, solver answer and alternative re-runs from its own arguments to
// the same verdict and figures; memory never falls as context, batch or precision grows; more
// cards never turn a fit into a non-fit; unknown figures are null, never 0.

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace vramcalc::test {

/// Counts of a run: queries, refusals (exit 2), coverage, and the violations found.
struct InvariantStats {
  std::size_t queries = 0;
  std::size_t refused = 0;
  std::size_t reruns = 0;  ///< answers re-run from their own arguments
  /// "engine | strategy | question" -> queries.
  std::map<std::string, std::size_t> coverage;
  std::map<std::string, std::size_t> refusals;  ///< by the error's first words
  std::vector<std::string> violations;          ///< "command: what broke"
};

/// Random valid query arguments over the catalog, the GPU database, engines, precisions,
/// card counts and layouts, context, batch, offload, margin and solvers. Deterministic for a
/// seed.
class QueryGenerator {
 public:
  explicit QueryGenerator(std::uint64_t seed);
  [[nodiscard]] std::vector<std::string> next();

 private:
  std::mt19937_64 m_rng;
  std::vector<std::string> m_models;
  std::vector<std::string> m_gpus;
};

/// Runs one query in process (the command line's own parser and the library) and checks every
/// invariant, adding to `stats`.
void check_invariants(const std::vector<std::string>& args, InvariantStats& stats);

/// The coverage table: queries per engine x strategy x question, and the refused share.
[[nodiscard]] std::string coverage_table(const InvariantStats& stats);

}  // namespace vramcalc::test
