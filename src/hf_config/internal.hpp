#pragma once
// The config reader's entry point for an already parsed object (internal header): the model
// catalog keeps each model's config.json keys in its own JSON and reads them through this,
// the same code path as a config file.

#include <string>

#include <nlohmann/json.hpp>

#include "vramcalc/hf_config.hpp"

namespace vramcalc::hf {

/// read_hf_config for a parsed document. Throws vramcalc::Error (kind file) as it does.
[[nodiscard]] HfConfigReading read_config_object(const nlohmann::json& top,
                                                 const std::string& origin);

}  // namespace vramcalc::hf
