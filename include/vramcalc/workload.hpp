#pragma once
/// What the model is asked to do: how many tokens per sequence, how many sequences at once,
/// and how the KV cache stores its elements.

#include <cstdint>

#include "vramcalc/dtype.hpp"

namespace vramcalc {

/// Upper bounds that keep every product of the memory model inside 64 bits.
inline constexpr std::uint64_t k_max_context_tokens = 100'000'000ULL;  ///< 10^8 tokens
inline constexpr std::uint64_t k_max_batch = 1'000'000ULL;             ///< 10^6 sequences

struct Workload {
  std::uint64_t context = 4096;  ///< tokens per sequence (prompt + generated). Default: 4096
  std::uint64_t batch = 1;       ///< sequences served at once. Default: 1
  KvType kv_key = default_kv_type();    ///< storage of cached keys. Default: f16
  KvType kv_value = default_kv_type();  ///< storage of cached values. Default: f16
};

/// Throws vramcalc::Error (kind input) unless 1 <= context <= k_max_context_tokens and
/// 1 <= batch <= k_max_batch.
void validate_workload(const Workload& workload);

}  // namespace vramcalc
