#pragma once
// One entry of a GPU database file, validated field by field and applied to a card (internal
// header of gpu_database.cpp).

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "vramcalc/gpu.hpp"

namespace vramcalc::gpu_db {

/// memory_gb (GiB, as marketed: GPU memory is binary) in bytes, rounded to whole KiB.
[[nodiscard]] std::uint64_t gib_to_bytes(double gib);

/// Usable memory without a driver total: the memory, less ECC's 1/16 on GDDR cards that ship
/// with it on, times the unified-memory share the OS gives the GPU.
[[nodiscard]] std::uint64_t derived_usable_bytes(std::uint64_t memory_bytes, bool ecc_reserve,
                                                 std::optional<double> usable_fraction);

/// Throws vramcalc::Error (kind data): "GPU database <origin>: entry '<id>': <what>".
[[noreturn]] void entry_error(const std::string& origin, const std::string& id,
                              const std::string& what);

/// The entry's id: a non-empty string of at most 256 bytes. `index` names the entry when it
/// has none.
[[nodiscard]] const std::string& entry_id(const nlohmann::json& entry, std::size_t index,
                                          const std::string& origin);

/// Applies the fields present in `entry` (an object with a valid id) to `gpu`, a new card
/// (`is_new`) or one being overridden, and checks the card that results: a new card has
/// memory; usable memory is at most the card's memory and at least k_min_usable_bytes.
/// Throws naming the field at fault.
void apply_entry(GpuSpec& gpu, const nlohmann::json& entry, const std::string& origin,
                 bool is_new);

}  // namespace vramcalc::gpu_db
