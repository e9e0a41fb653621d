#pragma once
/// What a deployment serves beside the language model: a vision projector (the encoder that
/// turns an image into tokens), a draft model for speculative decoding, LoRA adapters. Each is
/// sized here for a workload and an engine; the planner places it (plan.hpp) and reports it as
/// its own component. Formulas and sources: docs/formulas.md, "Beside the language model".

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vramcalc/dtype.hpp"
#include "vramcalc/engine.hpp"
#include "vramcalc/estimate.hpp"
#include "vramcalc/model.hpp"
#include "vramcalc/workload.hpp"

namespace vramcalc {

/// A vision encoder with its projector: read from an mmproj GGUF file (llama.cpp's --mmproj)
/// or described by a config.json's vision_config.
struct ProjectorSpec {
  std::string source;              ///< the mmproj file, or "vision_config"
  std::uint64_t weight_bytes = 0;  ///< the encoder's and projector's weights
  bool weights_exact = false;      ///< summed from the file's tensor table
  VisionTower tower;               ///< its shape (heads and widths size the compute)
  /// Patches of one image the encoder attends over (its compute grows with them): --image-tokens,
  /// else (image_size / patch_size)^2 from the file or config.
  std::uint64_t image_tokens = 0;
};

/// A second, smaller model that proposes tokens (llama.cpp -md, vLLM/SGLang speculative
/// decoding with a draft model): its own weights and KV cache for the same sequences.
struct DraftSpec {
  std::shared_ptr<const ModelSpec> model;
  WeightFormat format;
  std::string source;  ///< as given: catalog id, file or Hub repo
};

/// LoRA adapters served beside the base model.
struct LoraSpec {
  std::string source;          ///< the adapter file, or empty when only a rank is given
  std::uint32_t rank = 16;     ///< rank (vLLM --max-lora-rank; default 16 as vLLM's)
  std::uint32_t max_loras = 1; ///< adapters held on the GPU at once (vLLM --max-loras, default 1)
  /// Stored bytes of the adapter file's tensors (llama.cpp --lora FILE loads them as they are).
  std::optional<std::uint64_t> file_bytes;
};

/// Everything beside the language model; empty by default.
struct Attachments {
  std::optional<ProjectorSpec> projector;
  std::optional<DraftSpec> draft;
  std::optional<LoraSpec> lora;
  [[nodiscard]] bool empty() const { return !projector && !draft && !lora; }
};

enum class AttachmentKind { projector, draft, lora };

/// What one attachment needs for a workload under an engine, by component.
struct AttachmentMemory {
  AttachmentKind kind = AttachmentKind::projector;
  std::string name;    ///< e.g. "vision projector (mmproj-F16.gguf)"
  Component weights;
  Component kv_cache;  ///< the draft's KV for the workload (pool engines: see kv_bytes_per_token)
  Component compute;   ///< the encoder's compute buffer for one image; the draft's activations
  /// Pool engines keep the draft's KV in the same pool as the target's: bytes per token it adds
  /// to every pooled token (the pool then holds fewer tokens). 0 for other kinds.
  std::uint64_t kv_bytes_per_token = 0;
  [[nodiscard]] std::uint64_t total_bytes() const;
};

/// Each attachment of `attachments` sized for `workload` under `engine`, beside `base`.
/// Throws vramcalc::Error (kind usage) when an engine cannot serve it (a projector under
/// the generic profile is fine; LoRA with a rank above the base model's width is not).
[[nodiscard]] std::vector<AttachmentMemory> attachment_memory(const Attachments& attachments,
                                                              const ModelSpec& base,
                                                              const Workload& workload,
                                                              const EngineSettings& engine);

/// The projector an mmproj GGUF file holds: its tensors' exact bytes and the clip.vision.*
/// shape keys. Throws vramcalc::Error (kind file) for a file that is not a CLIP projector.
[[nodiscard]] ProjectorSpec read_mmproj(const std::string& path);

/// The projector of a multimodal model read from a config.json (ModelSpec::vision), its
/// weights derived from the shape at 16 bits; nullopt when the model has none.
[[nodiscard]] std::optional<ProjectorSpec> config_projector(const ModelSpec& model);

/// Parameters of a vision encoder and its projector of the shape `tower`: ViT blocks (q, k, v,
/// o with biases, a two-matrix MLP, two norms), the patch embedding, position embeddings and
/// a two-layer merger to the text width.
[[nodiscard]] std::uint64_t vision_tower_params(const VisionTower& tower);

/// Stored bytes of the tensors of a LoRA adapter file (GGUF or safetensors).
[[nodiscard]] std::uint64_t lora_file_bytes(const std::string& path);

}  // namespace vramcalc
