#pragma once
// How GPU names are compared: the keys a card answers to (internal header). Shared by the
// library and the build-time table generator (tools/gpu_table_gen.cpp), so that the keys
// compiled into the built-in table are the ones a --gpu-db card gets at run time.

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace vramcalc::gpu_names {

/// `key` without the vendor and brand words people add or leave out: "nvidiageforcertx4090"
/// -> "rtx4090".
[[nodiscard]] std::string strip_brands(std::string key);

/// Every normalized key a card answers to: its id, name and aliases (normalize_gpu_name), each
/// also without brand words.
[[nodiscard]] std::set<std::string> lookup_keys(std::string_view id, std::string_view name,
                                                const std::vector<std::string>& aliases);

}  // namespace vramcalc::gpu_names
