#pragma once
// The flags for what is served beside the language model: --mmproj, --image-tokens, --draft,
// --draft-dtype, --lora, --max-loras, --max-lora-rank (vramcalc/attachments.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vramcalc/attachments.hpp"
#include "vramcalc/engine.hpp"
#include "vramcalc/model.hpp"

namespace vramcalc::cli {

class Flags;

struct AttachmentOptions {
  std::string mmproj;                         ///< --mmproj FILE (a GGUF projector)
  std::optional<std::uint64_t> image_tokens;  ///< --image-tokens N
  bool text_only = false;                     ///< --text-only: no projector from vision_config
  std::string draft;                          ///< --draft MODEL (catalog name or file)
  std::string draft_dtype;                    ///< --draft-dtype TYPE
  std::string lora;                           ///< --lora RANK|FILE
  std::optional<std::uint32_t> max_loras;     ///< --max-loras N (vLLM)
  std::optional<std::uint32_t> max_lora_rank; ///< --max-lora-rank R (vLLM)
};

/// Declares the flags (group "Beside the model").
void add_attachment_options(Flags& flags, AttachmentOptions& options);

/// The attachments the flags name for `model` under `engine`, loading the projector and draft
/// files; a multimodal config's own vision encoder unless --text-only or --mmproj. Notes what
/// it assumed into `notes`. Throws vramcalc::Error on bad input.
[[nodiscard]] Attachments make_attachments(const AttachmentOptions& options,
                                           const ModelSpec& model, EngineKind engine,
                                           std::vector<std::string>& notes);

}  // namespace vramcalc::cli
