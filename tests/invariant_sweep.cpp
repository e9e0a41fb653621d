// vramcalc_invariants: the invariant suite over many random queries (docs/invariants.md).
//   vramcalc_invariants [--count N] [--seed S] [--train]
// Prints the coverage table, the run time and every violation; exits 1 when there is one.
// --train sweeps `vramcalc train` queries (training_invariants.hpp) instead.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "invariants.hpp"
#include "training_invariants.hpp"

int main(int argc, char** argv) {
  std::size_t count = 10000;
  std::uint64_t seed = 1;
  bool train = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--train") == 0) {
      train = true;
    } else if (i + 1 < argc && std::strcmp(argv[i], "--count") == 0) {
      count = std::strtoull(argv[++i], nullptr, 10);
    } else if (i + 1 < argc && std::strcmp(argv[i], "--seed") == 0) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    }
  }
  using namespace vramcalc::test;
  const auto start = std::chrono::steady_clock::now();
  InvariantStats stats;
  if (train) {
    TrainingQueryGenerator generator(seed);
    for (std::size_t i = 0; i < count; ++i) {
      check_training_invariants(generator.next(), stats);
    }
  } else {
    QueryGenerator generator(seed);
    for (std::size_t i = 0; i < count; ++i) {
      check_invariants(generator.next(), stats);
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fputs(coverage_table(stats).c_str(), stdout);
  std::printf("seed %llu, %.1f s\n", static_cast<unsigned long long>(seed), seconds);
  for (const auto& violation : stats.violations) {
    std::printf("VIOLATION %s\n", violation.c_str());
  }
  return stats.violations.empty() ? 0 : 1;
}
