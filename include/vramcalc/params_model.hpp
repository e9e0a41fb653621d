#pragma once
/// A model from a bare parameter count: the weights come from the count, the shape (which
/// sizes the KV cache and activations) from the nearest real reference model.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "vramcalc/model.hpp"

namespace vramcalc {

/// A real dense decoder whose shape stands for a bare parameter count.
struct ReferenceShape {
  std::string_view model;     ///< e.g. "Llama-3.1-8B"
  std::uint64_t params;       ///< released parameter count
  std::uint32_t layers;
  std::uint32_t hidden;
  std::uint32_t heads;
  std::uint32_t kv_heads;
  std::uint32_t head_dim;
  std::uint32_t intermediate;  ///< MLP width
  std::uint32_t vocab;
  bool tied_embeddings;
  std::string_view source;     ///< where the figures come from
};

/// The reference models, smallest first.
[[nodiscard]] const std::vector<ReferenceShape>& reference_shapes();

/// The reference model nearest to `params` on a logarithmic scale.
[[nodiscard]] const ReferenceShape& nearest_reference_shape(std::uint64_t params);

/// Shape fields the user may set instead of the reference model's.
struct ShapeOverrides {
  std::optional<std::uint32_t> layers;
  std::optional<std::uint32_t> hidden;
  std::optional<std::uint32_t> heads;
  std::optional<std::uint32_t> kv_heads;
  std::optional<std::uint32_t> head_dim;  ///< default: hidden / heads
  std::optional<std::uint32_t> vocab;
  [[nodiscard]] bool any() const {
    return layers || hidden || heads || kv_heads || head_dim || vocab;
  }
};

/// Largest parameter count accepted (10^15): above it no real model exists.
inline constexpr std::uint64_t k_max_params = 1'000'000'000'000'000ULL;

/// The model for `params` parameters with the nearest reference shape and `overrides` applied.
/// Throws vramcalc::Error (kind input) when heads are not divisible by kv-heads, hidden is not
/// divisible by heads and no head-dim is given, or a field is zero or absurd.
[[nodiscard]] ModelSpec model_from_params(std::uint64_t params, const ShapeOverrides& overrides);

}  // namespace vramcalc
