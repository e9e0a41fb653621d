#pragma once
// The built-in GPU database as constant data, generated at build time from data/gpus.json
// (tools/gpu_table_gen.cpp), so that start-up parses no JSON (internal header).

#include <cstddef>
#include <string_view>
#include <vector>

#include "vramcalc/gpu.hpp"

namespace vramcalc::gpu_table {

/// One entry as data/gpus.json writes it, and the names it answers to. Numbers: -1
/// (launch_year 0) when absent or null; lists: null-terminated (native_formats: nullptr when
/// null, i.e. unknown).
struct CardRow {
  const char* id;
  const char* name;
  const char* vendor;
  const char* const* aliases;
  const char* architecture;
  const char* form;
  double launch_year;
  double memory_gb;
  double usable_mib;
  int ecc_reserve;  ///< -1 absent, 0 false, 1 true
  double usable_fraction;
  const char* memory_type;
  double bandwidth_gb_s;
  double fp16_tflops;
  double fp8_tflops;
  double int8_tops;
  const char* interconnect;
  double interconnect_gb_s;
  const char* pcie;
  const char* const* native_formats;
  const char* const* default_for;
  const char* const* sources;
  const char* const* notes;
  const char* const* keys;  ///< gpu_names::lookup_keys of the entry, sorted
};

/// Sorted by id, as a database keeps its cards.
extern const CardRow k_rows[];
extern const std::size_t k_row_count;

/// Row `row` as merge_json would make its card from data/gpus.json; without its aliases,
/// default_for, sources and notes unless `documented`.
[[nodiscard]] GpuSpec card(const CardRow& row, bool documented = true);

/// Whether the row answers to `key` (a normalized name, brand words stripped).
[[nodiscard]] bool answers_to(const CardRow& row, std::string_view key);

}  // namespace vramcalc::gpu_table
