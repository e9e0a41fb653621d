#include "vramcalc/gpu.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "io/json_nesting.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/spelling.hpp"

namespace vramcalc {

namespace embedded {
extern const std::string_view gpus_json;
}

namespace {

using nlohmann::json;

// GDDR cards that run with ECC on (datacenter GDDR parts) lose 1/16 of their memory to it:
// nvidia-smi shows 23034 MiB of 24576 on an L4, 46068 of 49152 on an L40S, 15360 of 16384 on
// a T4 (shared/reference/gpus.json notes).
constexpr std::uint64_t k_ecc_keep_numerator = 15;
constexpr std::uint64_t k_ecc_keep_denominator = 16;
// A marketed size bigger than any accelerator that exists (4 TB), to catch unit mistakes.
constexpr double k_max_memory_gb = 4096;

// Vendor and brand words that people add or leave out: "NVIDIA GeForce RTX 4090" = "RTX 4090".
constexpr std::string_view k_brand_prefixes[] = {"nvidia", "geforce", "tesla", "quadro", "amd",
                                                 "radeon", "instinct", "apple", "intel"};

std::string strip_brands(std::string key) {
  bool stripped = true;
  while (stripped) {
    stripped = false;
    for (const auto prefix : k_brand_prefixes) {
      if (key.size() > prefix.size() && key.compare(0, prefix.size(), prefix) == 0) {
        key.erase(0, prefix.size());
        stripped = true;
      }
    }
  }
  return key;
}

[[noreturn]] void entry_error(const std::string& origin, const std::string& id,
                              const std::string& what) {
  throw Error(ErrorKind::data, "GPU database " + origin + ": entry '" + id + "': " + what,
              "fix the entry (see data/gpus.json for the format)");
}

std::string string_field(const json& entry, const char* key, const std::string& origin,
                         const std::string& id) {
  const auto it = entry.find(key);
  if (it == entry.end() || it->is_null()) {
    return {};
  }
  if (!it->is_string()) {
    entry_error(origin, id, std::string("'") + key + "' must be a string");
  }
  return it->get<std::string>();
}

std::optional<double> number_field(const json& entry, const char* key, const std::string& origin,
                                   const std::string& id) {
  const auto it = entry.find(key);
  if (it == entry.end() || it->is_null()) {
    return std::nullopt;
  }
  if (!it->is_number()) {
    entry_error(origin, id, std::string("'") + key + "' must be a number");
  }
  const double value = it->get<double>();
  if (!std::isfinite(value) || value < 0) {
    entry_error(origin, id, std::string("'") + key + "' must be a non-negative number");
  }
  return value;
}

std::vector<std::string> strings_field(const json& entry, const char* key,
                                       const std::string& origin, const std::string& id) {
  std::vector<std::string> values;
  const auto it = entry.find(key);
  if (it == entry.end() || it->is_null()) {
    return values;
  }
  if (!it->is_array()) {
    entry_error(origin, id, std::string("'") + key + "' must be a list of strings");
  }
  for (const auto& item : *it) {
    if (!item.is_string()) {
      entry_error(origin, id, std::string("'") + key + "' must be a list of strings");
    }
    values.push_back(item.get<std::string>());
  }
  return values;
}

std::uint64_t gib_to_bytes(double gib) {
  return static_cast<std::uint64_t>(std::llround(gib * static_cast<double>(k_mib))) * k_kib;
}

// Applies the fields present in `entry` to `gpu` (a new card, or one being overridden).
void apply_entry(GpuSpec& gpu, const json& entry, const std::string& origin) {
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
  const auto memory_gb = number_field(entry, "memory_gb", origin, id);
  const auto usable_mib = number_field(entry, "usable_mib", origin, id);
  const auto fraction = number_field(entry, "usable_fraction", origin, id);
  if (memory_gb) {
    if (*memory_gb <= 0 || *memory_gb > k_max_memory_gb) {
      entry_error(origin, id, "'memory_gb' must be between 0 and 4096");
    }
    gpu.memory_bytes = gib_to_bytes(*memory_gb);
  }
  if (usable_mib) {
    if (*usable_mib <= 0 || *usable_mib > k_max_memory_gb * 1024) {
      entry_error(origin, id, "'usable_mib' must be between 0 and 4194304");
    }
    gpu.usable_bytes = static_cast<std::uint64_t>(std::llround(*usable_mib)) * k_mib;
    gpu.usable_source = UsableMemorySource::driver;
  } else if (memory_gb || fraction || entry.contains("ecc_reserve")) {
    // No driver total: marketed memory, less ECC's share on GDDR, times the unified-memory
    // share the OS gives the GPU.
    const auto ecc = entry.find("ecc_reserve");
    if (ecc != entry.end() && !ecc->is_null() && !ecc->is_boolean()) {
      entry_error(origin, id, "'ecc_reserve' must be true or false");
    }
    std::uint64_t usable = gpu.memory_bytes;
    if (ecc != entry.end() && ecc->is_boolean() && ecc->get<bool>()) {
      usable = usable / k_ecc_keep_denominator * k_ecc_keep_numerator;
    }
    if (fraction) {
      if (*fraction <= 0 || *fraction > 1) {
        entry_error(origin, id, "'usable_fraction' must be in (0, 1]");
      }
      usable = static_cast<std::uint64_t>(static_cast<long double>(usable) * *fraction);
    }
    gpu.usable_bytes = usable;
    gpu.usable_source = UsableMemorySource::derived;
  }
  if (auto type = string_field(entry, "memory_type", origin, id); !type.empty()) {
    gpu.memory_type = std::move(type);
  }
  if (auto bw = number_field(entry, "bandwidth_gb_s", origin, id)) {
    gpu.bandwidth_gb_s = *bw;
  }
  if (entry.contains("fp16_tflops")) {
    gpu.fp16_tflops = number_field(entry, "fp16_tflops", origin, id);
  }
  if (entry.contains("fp8_tflops")) {
    gpu.fp8_tflops = number_field(entry, "fp8_tflops", origin, id);
  }
  if (entry.contains("int8_tops")) {
    gpu.int8_tops = number_field(entry, "int8_tops", origin, id);
  }
  if (auto link = string_field(entry, "interconnect", origin, id); !link.empty()) {
    gpu.interconnect = std::move(link);
  }
  if (auto link_bw = number_field(entry, "interconnect_gb_s", origin, id)) {
    gpu.interconnect_gb_s = *link_bw;
  }
  if (auto pcie = string_field(entry, "pcie", origin, id); !pcie.empty()) {
    gpu.pcie = std::move(pcie);
  }
  if (entry.contains("default_for")) {
    gpu.default_for = strings_field(entry, "default_for", origin, id);
  }
  if (entry.contains("sources")) {
    gpu.sources = strings_field(entry, "sources", origin, id);
  }
  if (entry.contains("native_formats") && !entry["native_formats"].is_null()) {
    gpu.native_formats = strings_field(entry, "native_formats", origin, id);
  }
  gpu.origin = origin;
}

// Every normalized key a card answers to: id, name, aliases, each also without brand words.
std::set<std::string> lookup_keys(const GpuSpec& gpu) {
  std::set<std::string> keys;
  const auto add = [&](std::string_view name) {
    const std::string key = normalize_gpu_name(name);
    if (!key.empty()) {
      keys.insert(key);
      keys.insert(strip_brands(key));
    }
  };
  add(gpu.id);
  add(gpu.name);
  for (const auto& alias : gpu.aliases) {
    add(alias);
  }
  return keys;
}

std::string describe(const GpuSpec& gpu) {
  return gpu.id + " (" + std::to_string(gpu.usable_bytes / k_mib) + " MiB)";
}

}  // namespace

std::string normalize_gpu_name(std::string_view name) {
  std::string key;
  for (const char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return key;
}

GpuDatabase GpuDatabase::built_in() {
  GpuDatabase database;
  database.merge_json(embedded::gpus_json, "built-in");
  return database;
}

void GpuDatabase::merge_json(std::string_view json_text, const std::string& origin) {
  // The database nests three levels ({"gpus": [{...}]}); 32 leaves room and refuses a hostile
  // file before the parser recurses into it.
  constexpr std::size_t k_max_nesting = 32;
  if (detail::json_nesting_depth(json_text, k_max_nesting) > k_max_nesting) {
    throw Error(ErrorKind::file,
                "GPU database " + origin + " nests JSON more than " +
                    std::to_string(k_max_nesting) + " levels deep",
                "an entry is a flat object: {\"id\": ..., \"memory_gb\": ...}");
  }
  json document;
  try {
    document = json::parse(json_text.begin(), json_text.end());
  } catch (const json::exception& e) {  // syntax errors, and numbers out of range
    throw Error(ErrorKind::file, "GPU database " + origin + " is not valid JSON: " + e.what(),
                "check the file with a JSON validator (e.g. jq . FILE)");
  }
  const json* entries = &document;
  if (document.is_object()) {
    const auto it = document.find("gpus");
    if (it == document.end()) {
      throw Error(ErrorKind::data, "GPU database " + origin + " has no \"gpus\" list",
                  "write {\"gpus\": [{\"id\": ..., \"memory_gb\": ...}]} or a plain list");
    }
    entries = &*it;
  }
  if (!entries->is_array()) {
    throw Error(ErrorKind::data, "GPU database " + origin + ": \"gpus\" must be a list",
                "write {\"gpus\": [{\"id\": ..., \"memory_gb\": ...}]}");
  }

  std::set<std::string> seen;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const json& entry = (*entries)[i];
    if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_string() ||
        entry["id"].get<std::string>().empty()) {
      entry_error(origin, "#" + std::to_string(i), "every entry needs a non-empty string 'id'");
    }
    const std::string id = entry["id"].get<std::string>();
    if (!seen.insert(id).second) {
      entry_error(origin, id, "the id appears twice in this file");
    }
    auto existing = std::find_if(m_gpus.begin(), m_gpus.end(),
                                 [&](const GpuSpec& gpu) { return gpu.id == id; });
    if (existing != m_gpus.end()) {
      apply_entry(*existing, entry, origin);
      continue;
    }
    GpuSpec gpu;
    gpu.id = id;
    apply_entry(gpu, entry, origin);
    if (gpu.memory_bytes == 0 && gpu.usable_bytes == 0) {
      entry_error(origin, id, "a new card needs 'memory_gb' or 'usable_mib'");
    }
    if (gpu.memory_bytes == 0) {
      gpu.memory_bytes = gpu.usable_bytes;
    }
    if (gpu.name.empty()) {
      gpu.name = id;
    }
    m_gpus.push_back(std::move(gpu));
  }
  std::sort(m_gpus.begin(), m_gpus.end(),
            [](const GpuSpec& a, const GpuSpec& b) { return a.id < b.id; });
}

GpuMatch GpuDatabase::resolve(std::string_view name) const {
  const std::string key = strip_brands(normalize_gpu_name(name));
  if (key.empty()) {
    throw Error(ErrorKind::input, "GPU name '" + std::string(name) + "' is empty",
                "name a card, e.g. --gpu L4; 'vramcalc gpus' lists them");
  }
  // An exact id wins outright.
  for (const auto& gpu : m_gpus) {
    if (gpu.id == name) {
      return {&gpu, {}};
    }
  }
  std::vector<const GpuSpec*> matches;
  for (const auto& gpu : m_gpus) {
    if (lookup_keys(gpu).count(key) != 0) {
      matches.push_back(&gpu);
    }
  }
  if (matches.size() == 1) {
    return {matches.front(), {}};
  }
  if (matches.empty()) {
    std::vector<std::string> names;
    for (const auto& gpu : m_gpus) {
      names.push_back(gpu.id);
      names.insert(names.end(), gpu.aliases.begin(), gpu.aliases.end());
    }
    const auto suggestion = closest_name(name, names);
    throw Error(ErrorKind::input, "unknown GPU '" + std::string(name) + "'",
                (suggestion ? "did you mean '" + *suggestion + "'? " : std::string()) +
                    "'vramcalc gpus' lists the known cards; --vram SIZE stands for any other");
  }
  const bool same_memory = std::all_of(matches.begin(), matches.end(), [&](const GpuSpec* gpu) {
    return gpu->usable_bytes == matches.front()->usable_bytes;
  });
  if (same_memory) {
    for (const GpuSpec* gpu : matches) {
      for (const auto& covered : gpu->default_for) {
        if (normalize_gpu_name(covered) == key) {
          GpuMatch match{gpu, {}};
          for (const GpuSpec* other : matches) {
            if (other != gpu) {
              match.variants.push_back(other);
            }
          }
          return match;
        }
      }
    }
  }
  std::string listing;
  for (const GpuSpec* gpu : matches) {
    listing += (listing.empty() ? "" : ", ") + describe(*gpu);
  }
  throw Error(ErrorKind::input,
              "GPU name '" + std::string(name) + "' is ambiguous: it covers " + listing,
              "name one of them, e.g. --gpu " + matches.front()->id);
}

GpuSpec custom_gpu(std::uint64_t usable_bytes) {
  GpuSpec gpu;
  gpu.id = "custom";
  gpu.name = "custom card (--vram)";
  gpu.memory_bytes = usable_bytes;
  gpu.usable_bytes = usable_bytes;
  gpu.usable_source = UsableMemorySource::user;
  gpu.origin = "command line";
  return gpu;
}

}  // namespace vramcalc
