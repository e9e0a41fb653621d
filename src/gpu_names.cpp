#include "gpu_names.hpp"

#include <cctype>

#include "vramcalc/gpu.hpp"

namespace vramcalc {

std::string normalize_gpu_name(std::string_view name) {
  std::string key;
  for (const char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return key;
}

namespace gpu_names {

namespace {

// Vendor and brand words that people add or leave out: "NVIDIA GeForce RTX 4090" = "RTX 4090".
constexpr std::string_view k_brand_prefixes[] = {"nvidia", "geforce", "tesla", "quadro", "amd",
                                                 "radeon", "instinct", "apple", "intel"};

}  // namespace

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

std::set<std::string> lookup_keys(std::string_view id, std::string_view name,
                                  const std::vector<std::string>& aliases) {
  std::set<std::string> keys;
  const auto add = [&](std::string_view text) {
    std::string key = normalize_gpu_name(text);
    if (!key.empty()) {
      keys.insert(strip_brands(key));
      keys.insert(std::move(key));
    }
  };
  add(id);
  add(name);
  for (const auto& alias : aliases) {
    add(alias);
  }
  return keys;
}

}  // namespace gpu_names

}  // namespace vramcalc
