#pragma once
// Engine profiles (internal): one function per engine, each in its own file, plus the pieces
// they share. estimate() in estimate.cpp dispatches here.

#include <string>

#include "vramcalc/estimate.hpp"

namespace vramcalc::engines {

struct EngineInput {
  const ModelSpec& model;
  const WeightFormat& format;
  const Workload& workload;
  const EstimateOptions& options;
};

[[nodiscard]] MemoryEstimate estimate_generic(const EngineInput& input);
[[nodiscard]] MemoryEstimate estimate_llama_cpp(const EngineInput& input);
[[nodiscard]] MemoryEstimate estimate_ollama(const EngineInput& input);
[[nodiscard]] MemoryEstimate estimate_vllm(const EngineInput& input);
[[nodiscard]] MemoryEstimate estimate_sglang(const EngineInput& input);
[[nodiscard]] MemoryEstimate estimate_transformers(const EngineInput& input);

/// The engine-neutral activation peak (generic.cpp), reused by engines that run the same
/// PyTorch forward pass.
[[nodiscard]] std::uint64_t generic_activation_bytes(const ModelSpec& model,
                                                     const Workload& workload);

/// The runtime overhead component: --overhead when given, else the calibrated constant.
[[nodiscard]] Component runtime_overhead(const EstimateOptions& options);

/// Fills weights (component and per-layer/embedding/head bytes) from weight_breakdown.
void fill_weights(MemoryEstimate& result, const EngineInput& input);

/// Sums the device components into total_bytes and the band into total_low/high_bytes.
void finish_totals(MemoryEstimate& result);

/// Adds a setting to result.engine.settings.
void add_setting(MemoryEstimate& result, std::string name, std::uint64_t value);
void add_setting(MemoryEstimate& result, std::string name, double value);
void add_setting(MemoryEstimate& result, std::string name, std::string value);

}  // namespace vramcalc::engines
