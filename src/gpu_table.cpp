// The built-in cards from the generated table (gpu_table.hpp).
#include "gpu_table.hpp"

#include <algorithm>
#include <cmath>

#include "gpu_entry.hpp"
#include "vramcalc/bytes.hpp"

namespace vramcalc::gpu_table {

namespace {

std::vector<std::string> strings(const char* const* list) {
  std::vector<std::string> out;
  for (; list != nullptr && *list != nullptr; ++list) {
    out.emplace_back(*list);
  }
  return out;
}

std::string text(const char* value) {
  return value == nullptr ? std::string() : std::string(value);
}

std::optional<double> number(double value) {
  return value < 0 ? std::nullopt : std::optional<double>(value);
}

}  // namespace

// The card as gpu_db::apply_entry makes it from the same entry of data/gpus.json (checked
// field by field by tests/unit/gpu_table_test.cpp).
GpuSpec card(const CardRow& row, bool documented) {
  GpuSpec gpu;
  gpu.id = row.id;
  gpu.name = row.name != nullptr ? row.name : row.id;
  gpu.vendor = text(row.vendor);
  if (documented) {
    gpu.aliases = strings(row.aliases);
    gpu.default_for = strings(row.default_for);
    gpu.sources = strings(row.sources);
    gpu.notes = strings(row.notes);
  }
  gpu.architecture = text(row.architecture);
  gpu.form = text(row.form);
  if (row.launch_year > 0) {
    gpu.launch_year = static_cast<int>(row.launch_year);
  }
  gpu.memory_bytes = gpu_db::gib_to_bytes(row.memory_gb);
  gpu.ecc_reserve = row.ecc_reserve == 1;
  gpu.usable_fraction = number(row.usable_fraction);
  if (row.usable_mib >= 0) {
    gpu.usable_bytes = static_cast<std::uint64_t>(std::llround(row.usable_mib)) * k_mib;
    gpu.usable_source = UsableMemorySource::driver;
  } else {
    gpu.usable_bytes =
        gpu_db::derived_usable_bytes(gpu.memory_bytes, gpu.ecc_reserve, gpu.usable_fraction);
    gpu.usable_source = UsableMemorySource::derived;
  }
  gpu.memory_type = text(row.memory_type);
  gpu.bandwidth_gb_s = std::max(row.bandwidth_gb_s, 0.0);
  gpu.fp16_tflops = number(row.fp16_tflops);
  gpu.fp8_tflops = number(row.fp8_tflops);
  gpu.int8_tops = number(row.int8_tops);
  gpu.interconnect = text(row.interconnect);
  gpu.interconnect_gb_s = std::max(row.interconnect_gb_s, 0.0);
  gpu.pcie = text(row.pcie);
  gpu.native_formats = strings(row.native_formats);
  gpu.origin = "built-in";
  return gpu;
}

bool answers_to(const CardRow& row, std::string_view key) {
  for (const char* const* k = row.keys; *k != nullptr; ++k) {
    if (key == *k) {
      return true;
    }
  }
  return false;
}

}  // namespace vramcalc::gpu_table
