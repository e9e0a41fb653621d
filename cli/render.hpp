#pragma once
// Renderers: a Report (or the GPU list) as a text report or as one JSON document.

#include <string>

#include "query_argv.hpp"
#include "terminal.hpp"
#include "vramcalc/gpu.hpp"
#include "vramcalc/report.hpp"

namespace vramcalc::cli {

[[nodiscard]] std::string render_text(const Report& report, const ArgvContext& argv,
                                      const Painter& paint);
[[nodiscard]] std::string render_json(const Report& report, const ArgvContext& argv);

[[nodiscard]] std::string render_gpus_text(const std::vector<const GpuSpec*>& gpus,
                                           const Painter& paint);
/// The cards as database entries ({"schema_version": 1, "gpus": [...]}): a --gpu-db file.
[[nodiscard]] std::string render_gpus_json(const std::vector<const GpuSpec*>& gpus);

/// Names used in text and JSON.
[[nodiscard]] const char* provenance_name(Provenance provenance);
[[nodiscard]] const char* usable_source_name(UsableMemorySource source);
[[nodiscard]] const char* model_source_name(ModelSource source);
[[nodiscard]] const char* attention_kind_name(AttentionKind kind);
[[nodiscard]] const char* attachment_kind_name(AttachmentKind kind);

}  // namespace vramcalc::cli
