// One GPU database entry: every key known, every value of its type and range, and the card
// that results consistent (usable memory within the card's memory, and enough to run on).
#include "gpu_entry.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <string_view>

#include "vramcalc/bytes.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/spelling.hpp"

namespace vramcalc::gpu_db {

namespace {

using nlohmann::json;

// GDDR cards that run with ECC on (datacenter GDDR parts) lose 1/16 of their memory to it:
// nvidia-smi shows 23034 MiB of 24576 on an L4, 46068 of 49152 on an L40S, 15360 of 16384 on
// a T4 (nvidia-smi totals in the sources of data/gpus.json).
constexpr std::uint64_t k_ecc_keep_numerator = 15;
constexpr std::uint64_t k_ecc_keep_denominator = 16;
// A marketed size bigger than any accelerator that exists (4 TB), to catch unit mistakes.
constexpr double k_max_memory_gb = 4096;
// Bandwidths and throughputs far above any accelerator (H200: 4,800 GB/s and ~990 dense fp16
// TFLOPS, data/gpus.json): a larger figure is a unit mistake.
constexpr double k_max_rate = 1e6;
// Longest name-like string (id, name, vendor, ...): the built-in ones are at most 51 bytes.
constexpr std::size_t k_max_name_bytes = 256;
// Longest source or note: the built-in ones are at most 216 bytes.
constexpr std::size_t k_max_text_bytes = 4096;
// Most items of a list (aliases, sources, notes, default_for): the built-in ones hold at most 7.
constexpr std::size_t k_max_list_items = 64;

// Every key an entry may have (data/gpus.json); anything else is most likely a typo that would
// otherwise be ignored ("usable_mb").
constexpr std::array<std::string_view, 25> k_known_keys = {
    "id",           "name",        "vendor",        "aliases",          "memory_gb",
    "usable_mib",   "usable_fraction", "ecc_reserve", "memory_type",    "bandwidth_gb_s",
    "fp16_tflops",  "fp8_tflops",  "int8_tops",     "interconnect",     "interconnect_gb_s",
    "pcie",         "default_for", "sources",       "notes",            "native_formats",
    "architecture", "form",        "launch_year",   "price_per_hour",   "currency"};
// Written by `vramcalc gpus --format json` beside the entry's own keys and ignored when the
// listing is read back as a database: what the figures above come to.
constexpr std::array<std::string_view, 3> k_listing_keys = {"usable_bytes", "usable_source",
                                                            "origin"};

std::string quoted_key(const char* key) {
  return std::string("'") + key + "'";
}

void check_keys(const json& entry, const std::string& origin, const std::string& id) {
  for (const auto& [key, value] : entry.items()) {
    if (std::find(k_known_keys.begin(), k_known_keys.end(), key) != k_known_keys.end() ||
        std::find(k_listing_keys.begin(), k_listing_keys.end(), key) != k_listing_keys.end()) {
      continue;
    }
    const std::vector<std::string> known(k_known_keys.begin(), k_known_keys.end());
    const auto suggestion = closest_name(key, known);
    entry_error(origin, id,
                "unknown key '" + key + "'" +
                    (suggestion ? " (did you mean '" + *suggestion + "'?)" : std::string()));
  }
}

std::string string_field(const json& entry, const char* key, const std::string& origin,
                         const std::string& id, std::size_t max_bytes = k_max_name_bytes) {
  const auto it = entry.find(key);
  if (it == entry.end() || it->is_null()) {
    return {};
  }
  if (!it->is_string()) {
    entry_error(origin, id, quoted_key(key) + " must be a string");
  }
  const auto& text = it->get_ref<const std::string&>();
  if (text.size() > max_bytes) {
    entry_error(origin, id,
                quoted_key(key) + " is " + std::to_string(text.size()) + " bytes, over the limit of " +
                    std::to_string(max_bytes));
  }
  return text;
}

std::optional<double> number_field(const json& entry, const char* key, const std::string& origin,
                                   const std::string& id) {
  const auto it = entry.find(key);
  if (it == entry.end() || it->is_null()) {
    return std::nullopt;
  }
  if (!it->is_number()) {
    entry_error(origin, id, quoted_key(key) + " must be a number");
  }
  const double value = it->get<double>();
  if (!std::isfinite(value) || value < 0) {
    entry_error(origin, id, quoted_key(key) + " must be a non-negative number");
  }
  return value;
}

// A figure that is unknown when absent or null, and positive and sane when given.
std::optional<double> rate_field(const json& entry, const char* key, const std::string& origin,
                                 const std::string& id) {
  const auto value = number_field(entry, key, origin, id);
  if (value && (*value <= 0 || *value > k_max_rate)) {
    entry_error(origin, id,
                quoted_key(key) + " must be positive and at most 1e6 (null when unknown)");
  }
  return value;
}

std::vector<std::string> strings_field(const json& entry, const char* key,
                                       const std::string& origin, const std::string& id,
                                       std::size_t max_bytes = k_max_name_bytes) {
  std::vector<std::string> values;
  const auto it = entry.find(key);
  if (it == entry.end() || it->is_null()) {
    return values;
  }
  if (!it->is_array() || it->size() > k_max_list_items) {
    entry_error(origin, id,
                quoted_key(key) + " must be a list of strings (at most " +
                    std::to_string(k_max_list_items) + ")");
  }
  for (const auto& item : *it) {
    if (!item.is_string()) {
      entry_error(origin, id, quoted_key(key) + " must be a list of strings");
    }
    if (item.get_ref<const std::string&>().size() > max_bytes) {
      entry_error(origin, id,
                  "an item of " + quoted_key(key) + " is over the limit of " +
                      std::to_string(max_bytes) + " bytes");
    }
    values.push_back(item.get<std::string>());
  }
  return values;
}


void apply_names(GpuSpec& gpu, const json& entry, const std::string& origin) {
  const std::string& id = gpu.id;
  if (auto name = string_field(entry, "name", origin, id); !name.empty()) {
    gpu.name = std::move(name);
  }
  if (auto vendor = string_field(entry, "vendor", origin, id); !vendor.empty()) {
    gpu.vendor = std::move(vendor);
  }
  if (entry.contains("aliases")) {
    gpu.aliases = strings_field(entry, "aliases", origin, id);
  }
  if (auto type = string_field(entry, "memory_type", origin, id); !type.empty()) {
    gpu.memory_type = std::move(type);
  }
  if (auto link = string_field(entry, "interconnect", origin, id); !link.empty()) {
    gpu.interconnect = std::move(link);
  }
  if (auto pcie = string_field(entry, "pcie", origin, id); !pcie.empty()) {
    gpu.pcie = std::move(pcie);
  }
  if (entry.contains("default_for")) {
    gpu.default_for = strings_field(entry, "default_for", origin, id);
  }
  if (entry.contains("sources")) {
    gpu.sources = strings_field(entry, "sources", origin, id, k_max_text_bytes);
  }
  if (entry.contains("native_formats") && !entry["native_formats"].is_null()) {
    gpu.native_formats = strings_field(entry, "native_formats", origin, id);
  }
  if (entry.contains("notes")) {
    gpu.notes = strings_field(entry, "notes", origin, id, k_max_text_bytes);
  }
  if (auto arch = string_field(entry, "architecture", origin, id); !arch.empty()) {
    gpu.architecture = std::move(arch);
  }
  if (auto form = string_field(entry, "form", origin, id); !form.empty()) {
    if (std::find(std::begin(k_gpu_forms), std::end(k_gpu_forms), form) == std::end(k_gpu_forms)) {
      entry_error(origin, id,
                  "'form' is '" + form +
                      "'; use consumer, laptop, workstation, datacenter or unified");
    }
    gpu.form = std::move(form);
  }
  if (const auto year = number_field(entry, "launch_year", origin, id)) {
    if (*year < 1990 || *year > 2100 || *year != std::floor(*year)) {
      entry_error(origin, id, "'launch_year' must be a whole year between 1990 and 2100");
    }
    gpu.launch_year = static_cast<int>(*year);
  }
}

// price_per_hour and currency: user-supplied prices, for --sort cost.
void apply_price(GpuSpec& gpu, const json& entry, const std::string& origin) {
  const std::string& id = gpu.id;
  if (entry.contains("price_per_hour")) {
    gpu.price_per_hour = rate_field(entry, "price_per_hour", origin, id);
  }
  if (auto currency = string_field(entry, "currency", origin, id); !currency.empty()) {
    gpu.currency = std::move(currency);
  }
  if (gpu.price_per_hour && gpu.currency.empty()) {
    gpu.currency = "USD";
  }
}

// memory_gb, usable_mib, usable_fraction and ecc_reserve into memory and usable bytes.
void apply_memory(GpuSpec& gpu, const json& entry, const std::string& origin) {
  const std::string& id = gpu.id;
  const auto memory_gb = number_field(entry, "memory_gb", origin, id);
  const auto usable_mib = number_field(entry, "usable_mib", origin, id);
  const auto fraction = number_field(entry, "usable_fraction", origin, id);
  const auto ecc = entry.find("ecc_reserve");
  if (ecc != entry.end() && !ecc->is_null() && !ecc->is_boolean()) {
    entry_error(origin, id, "'ecc_reserve' must be true or false");
  }
  if (memory_gb) {
    if (*memory_gb <= 0 || *memory_gb > k_max_memory_gb) {
      entry_error(origin, id, "'memory_gb' must be between 0 and 4096");
    }
    gpu.memory_bytes = gib_to_bytes(*memory_gb);
  }
  if (ecc != entry.end() && ecc->is_boolean()) {
    gpu.ecc_reserve = ecc->get<bool>();
  }
  if (fraction) {
    if (*fraction <= 0 || *fraction > 1) {
      entry_error(origin, id, "'usable_fraction' must be in (0, 1]");
    }
    gpu.usable_fraction = fraction;
  }
  if (usable_mib) {
    if (*usable_mib <= 0 || *usable_mib > k_max_memory_gb * 1024) {
      entry_error(origin, id, "'usable_mib' must be between 0 and 4194304");
    }
    gpu.usable_bytes = static_cast<std::uint64_t>(std::llround(*usable_mib)) * k_mib;
    gpu.usable_source = UsableMemorySource::driver;
    return;
  }
  if (!memory_gb && !fraction && ecc == entry.end()) {
    return;
  }
  // No driver total: marketed memory, less ECC's share on GDDR, times the unified-memory
  // share the OS gives the GPU.
  gpu.usable_bytes = derived_usable_bytes(gpu.memory_bytes, gpu.ecc_reserve, gpu.usable_fraction);
  gpu.usable_source = UsableMemorySource::derived;
}

// The field that set the usable memory, for messages.
std::string usable_field(const json& entry) {
  for (const char* key : {"usable_mib", "usable_fraction", "ecc_reserve", "memory_gb"}) {
    if (entry.contains(key)) {
      return quoted_key(key) + " " + entry[key].dump();
    }
  }
  return "the card it overrides";
}

void check_card(const GpuSpec& gpu, const json& entry, const std::string& origin) {
  if (gpu.usable_bytes < k_min_usable_bytes) {
    entry_error(origin, gpu.id,
                usable_field(entry) + " leaves " + std::to_string(gpu.usable_bytes) +
                    " bytes usable, less than 64 MiB: no model runs on that");
  }
  if (gpu.usable_bytes > gpu.memory_bytes) {
    entry_error(origin, gpu.id,
                "usable memory (" + usable_field(entry) + ": " +
                    std::to_string(gpu.usable_bytes / k_mib) + " MiB) is more than the card's "
                    "memory ('memory_gb': " + std::to_string(gpu.memory_bytes / k_mib) + " MiB)");
  }
}

}  // namespace

std::uint64_t gib_to_bytes(double gib) {
  return static_cast<std::uint64_t>(std::llround(gib * static_cast<double>(k_mib))) * k_kib;
}

std::uint64_t derived_usable_bytes(std::uint64_t memory_bytes, bool ecc_reserve,
                                   std::optional<double> usable_fraction) {
  std::uint64_t usable = memory_bytes;
  if (ecc_reserve) {
    usable = usable / k_ecc_keep_denominator * k_ecc_keep_numerator;
  }
  if (usable_fraction) {
    usable = static_cast<std::uint64_t>(static_cast<long double>(usable) * *usable_fraction);
  }
  return usable;
}

void entry_error(const std::string& origin, const std::string& id, const std::string& what) {
  throw Error(ErrorKind::data, "GPU database " + origin + ": entry '" + id + "': " + what,
              "fix the entry (see data/gpus.json for the format)");
}

const std::string& entry_id(const json& entry, std::size_t index, const std::string& origin) {
  const auto it = entry.is_object() ? entry.find("id") : entry.end();
  if (!entry.is_object() || it == entry.end() || !it->is_string() ||
      it->get_ref<const std::string&>().empty()) {
    entry_error(origin, "#" + std::to_string(index), "every entry needs a non-empty string 'id'");
  }
  const auto& id = it->get_ref<const std::string&>();
  if (id.size() > k_max_name_bytes) {
    entry_error(origin, "#" + std::to_string(index),
                "'id' is " + std::to_string(id.size()) + " bytes, over the limit of " +
                    std::to_string(k_max_name_bytes));
  }
  return id;
}

void apply_entry(GpuSpec& gpu, const json& entry, const std::string& origin, bool is_new) {
  check_keys(entry, origin, gpu.id);
  apply_names(gpu, entry, origin);
  apply_memory(gpu, entry, origin);
  apply_price(gpu, entry, origin);
  if (auto bw = rate_field(entry, "bandwidth_gb_s", origin, gpu.id)) {
    gpu.bandwidth_gb_s = *bw;
  }
  if (entry.contains("fp16_tflops")) {
    gpu.fp16_tflops = rate_field(entry, "fp16_tflops", origin, gpu.id);
  }
  if (entry.contains("fp8_tflops")) {
    gpu.fp8_tflops = rate_field(entry, "fp8_tflops", origin, gpu.id);
  }
  if (entry.contains("int8_tops")) {
    gpu.int8_tops = rate_field(entry, "int8_tops", origin, gpu.id);
  }
  if (auto link_bw = rate_field(entry, "interconnect_gb_s", origin, gpu.id)) {
    gpu.interconnect_gb_s = *link_bw;
  }
  gpu.origin = origin;
  if (is_new) {
    if (gpu.memory_bytes == 0 && gpu.usable_bytes == 0) {
      entry_error(origin, gpu.id, "a new card needs 'memory_gb' or 'usable_mib'");
    }
    if (gpu.memory_bytes == 0) {
      gpu.memory_bytes = gpu.usable_bytes;
    }
    if (gpu.name.empty()) {
      gpu.name = gpu.id;
    }
  }
  check_card(gpu, entry, origin);
}

}  // namespace vramcalc::gpu_db
