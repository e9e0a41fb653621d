// libFuzzer target for the GPU database loader (--gpu-db files, VRAMCALC_GPU_DB): any bytes
// merged over the built-in database must either give a consistent database or throw
// vramcalc::Error. Every card the input adds or overrides must keep the library's invariants
// (invariants.hpp): usable memory of at least 64 MiB and at most the card's memory, and a
// report on it whose verdict agrees with its headroom. Seeds: fuzz/corpus/gpu_db, written by
// the structure-aware generator in tests/unit/gpu_db_seeds_test.cpp (overrides of built-in
// cards, every field at and past its limits); dictionary: fuzz/gpu_db.dict.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "invariants.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/gpu.hpp"
#include "vramcalc/params_model.hpp"

namespace {

using vramcalc::fuzz::require;

// Cards checked through a whole report per input: enough to see overrides and new cards, few
// enough to keep the fuzzer fast.
constexpr int k_reports_per_input = 4;

const vramcalc::GpuDatabase& built_in() {
  static const vramcalc::GpuDatabase database = vramcalc::GpuDatabase::built_in();
  return database;
}

const vramcalc::ModelSpec& model_7b() {
  static const vramcalc::ModelSpec model = vramcalc::model_from_params(7'000'000'000, {});
  return model;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  vramcalc::GpuDatabase database = built_in();
  try {
    database.merge_json(text, "fuzz.json");
  } catch (const vramcalc::Error&) {
    return 0;  // rejected input: fine
  }
  int reports = 0;
  for (const auto& gpu : database.gpus()) {
    if (gpu.origin != "fuzz.json") {
      continue;
    }
    vramcalc::fuzz::check_card(gpu);
    // Looking a card up by its id finds that card (a binary search: every card).
    require(database.resolve(gpu.id).gpu->id == gpu.id);
    if (reports++ >= k_reports_per_input) {
      continue;  // a name lookup scans every card: a few per input keep it linear
    }
    try {
      (void)database.resolve(gpu.name);
    } catch (const vramcalc::Error&) {
      // Two cards may share a name: ambiguous is a fine answer.
    }
    vramcalc::fuzz::check_report(model_7b(), gpu);
  }
  return 0;
}
