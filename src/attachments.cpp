// Beside the language model: projectors, draft models, LoRA adapters (attachments.hpp).
#include "vramcalc/attachments.hpp"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "engines/pool.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/gguf.hpp"
#include "vramcalc/safetensors.hpp"

namespace vramcalc {

namespace {

bool llama_family(EngineKind engine) {
  return engine == EngineKind::llama_cpp || engine == EngineKind::ollama;
}

std::string file_name(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

// The encoder's compute for one image of T patches, after llama.cpp's clip graph
// (tools/mtmd/clip.cpp, build_vit at b6000): activations are f32; the live peak of a block is
// the MLP's intermediate [T, ffn] beside Q, K and V [T, hidden] each; without flash attention
// the attention scores [heads, T, T] (f32) as well. The other engines run the encoder in 16
// bits with fused attention (transformers SDPA, vLLM's ViT attention), so 2-byte elements and
// no T x T term. Checked against llama.cpp's own report of the clip compute buffer for gemma3
// (SigLIP 896 px / patch 14 = 4096 patches; "[mtmd] adding N MiB to fit_params_target",
// MI300X): 121 MiB with flash attention and 1132 MiB without, where this gives 121.3 and
// 1145.3 MiB (https://github.com/gpustack/gguf-parser-go/issues/44) —
// tests/unit/attachments_test.cpp.
Component projector_compute(const ProjectorSpec& p, const EngineSettings& engine) {
  const VisionTower& t = p.tower;
  const std::uint64_t tokens = p.image_tokens;
  const bool llama = llama_family(engine.kind);
  const std::uint64_t element = llama ? 4 : 2;
  std::uint64_t bytes = checked_mul(
      checked_mul(tokens, std::uint64_t{t.ffn} + 3ULL * t.hidden, "projector compute"), element,
      "projector compute");
  const bool flash = !engine.flash_attn || *engine.flash_attn != FlashAttention::off;
  std::string basis = fmt::format("{} patches x (ffn {} + 3 x hidden {}) x {} B", tokens, t.ffn,
                                  t.hidden, element);
  if (llama && !flash) {
    bytes = checked_add(bytes,
                        checked_mul(checked_mul(t.heads, checked_mul(tokens, tokens, "scores"),
                                                "scores"),
                                    4, "scores"),
                        "projector compute");
    basis += fmt::format(" + {} heads x {}^2 x 4 B (attention without flash)", t.heads, tokens);
  }
  return make_component(bytes, Provenance::heuristic,
                        basis + " (one image; llama.cpp tools/mtmd/clip.cpp)", 25, 25);
}

AttachmentMemory projector_memory(const ProjectorSpec& p, const EngineSettings& engine) {
  AttachmentMemory m;
  m.kind = AttachmentKind::projector;
  m.name = "vision projector (" + (p.source == "vision_config" ? p.source : file_name(p.source)) + ")";
  m.weights = p.weights_exact
                  ? make_component(p.weight_bytes, Provenance::exact,
                                   "tensor bytes of " + file_name(p.source))
                  : make_component(p.weight_bytes, Provenance::derived,
                                   "vision_config: ViT blocks + patch/position embeddings + "
                                   "merger, 16-bit",
                                   15, 15);
  m.kv_cache = make_component(0, Provenance::exact, "an encoder keeps no KV cache");
  m.compute = projector_compute(p, engine);
  return m;
}

AttachmentMemory draft_memory(const DraftSpec& draft, const Workload& workload,
                              const EngineSettings& engine) {
  const ModelSpec& model = *draft.model;
  AttachmentMemory m;
  m.kind = AttachmentKind::draft;
  m.name = "draft model (" + model.name + ", " + draft.format.name + ")";
  EstimateOptions options;
  options.engine = engine;
  const bool pool = engine.kind == EngineKind::vllm || engine.kind == EngineKind::sglang;
  if (pool) {
    options.engine.kind = EngineKind::generic;  // its KV joins the target's pool (below)
  }
  const MemoryEstimate e = estimate(model, draft.format, workload, options);
  m.weights = e.weights;
  m.weights.basis = "the draft's weights: " + e.weights.basis;
  if (pool) {
    // vLLM and SGLang allocate the draft's layers from the same KV budget: every pooled token
    // holds them too (vllm/v1/worker/gpu_model_runner.py get_kv_cache_spec covers the
    // drafter's attention layers).
    for (const LayerSpec& layer : model.layers) {
      m.kv_bytes_per_token += engines::pool_layer_token_bytes(layer, workload, 1);
    }
    m.kv_cache = make_component(0, Provenance::derived,
                                fmt::format("in the engine's pool: {} bytes per token",
                                            m.kv_bytes_per_token));
    m.compute = make_component(0, Provenance::heuristic,
                               "within the engine's profiled activation peak");
  } else {
    m.kv_cache = e.kv_cache;
    m.kv_cache.basis = "the draft's own cache for the same sequences: " + e.kv_cache.basis;
    m.compute = e.activations;
    m.compute.basis = "the draft context's compute buffer: " + e.activations.basis;
  }
  return m;
}

// LoRA parameters of one adapter of `rank` on every linear layer of the attention and the
// dense MLP (vLLM's packed modules qkv_proj, o_proj, gate_up_proj, down_proj; PEFT's
// all-linear): rank x (in + out) per module.
std::uint64_t lora_params(const ModelSpec& base, std::uint32_t rank) {
  std::uint64_t sum = 0;
  const std::uint64_t h = base.hidden;
  for (const LayerSpec& layer : base.layers) {
    if (layer.n_head > 0) {
      const std::uint64_t q = std::uint64_t{layer.n_head} * layer.head_dim_k;
      const std::uint64_t k = std::uint64_t{layer.n_kv_head} * layer.head_dim_k;
      const std::uint64_t v = std::uint64_t{layer.n_kv_head} * layer.head_dim_v;
      const std::uint64_t o = std::uint64_t{layer.n_head} * layer.head_dim_v;
      sum += (h + q) + (h + k) + (h + v) + (o + h);
    }
    if (!layer.moe && layer.ffn_dim > 0) {
      sum += 2 * (h + layer.ffn_dim) + (layer.ffn_dim + h);  // gate, up, down
    }
  }
  return checked_mul(sum, rank, "LoRA parameters");
}

AttachmentMemory lora_memory(const LoraSpec& lora, const ModelSpec& base,
                             const EngineSettings& engine) {
  if (base.hidden > 0 && lora.rank > base.hidden) {
    throw Error(ErrorKind::usage,
                fmt::format("LoRA rank {} is above the model's width {}", lora.rank, base.hidden),
                "give a rank of at most the hidden size (8 to 64 is usual)");
  }
  AttachmentMemory m;
  m.kind = AttachmentKind::lora;
  m.kv_cache = make_component(0, Provenance::exact, "adapters keep no KV cache");
  m.compute = make_component(0, Provenance::heuristic, "the adapters' matmuls reuse the "
                                                       "base model's buffers");
  if (lora.file_bytes && llama_family(engine.kind)) {
    m.name = "LoRA adapter (" + file_name(lora.source) + ")";
    m.weights = make_component(checked_mul(*lora.file_bytes, lora.max_loras, "LoRA"),
                               Provenance::exact,
                               fmt::format("tensor bytes of the adapter file x {} loaded",
                                           lora.max_loras));
    return m;
  }
  const std::uint64_t params = lora_params(base, lora.rank);
  // 16-bit adapters: vLLM allocates its LoRA buffers in the model dtype for max_loras slots
  // of max_lora_rank (vllm/lora/layers: create_lora_weights); PEFT keeps them in the compute
  // dtype.
  const std::uint64_t bytes = checked_mul(checked_mul(params, 2, "LoRA"), lora.max_loras, "LoRA");
  m.name = lora.source.empty()
               ? fmt::format("LoRA adapters (rank {}, {} at once)", lora.rank, lora.max_loras)
               : "LoRA adapter (" + file_name(lora.source) + ")";
  m.weights = make_component(
      bytes, Provenance::derived,
      fmt::format("{} slot{} x rank {} x (in + out) of q, k, v, o, gate, up, down in every layer "
                  "x 2 B{}",
                  lora.max_loras, lora.max_loras == 1 ? "" : "s", lora.rank,
                  engine.kind == EngineKind::vllm ? " (vLLM --max-loras x --max-lora-rank)" : ""));
  return m;
}

std::uint64_t tensor_sum(const GgufHeader& header) {
  std::uint64_t bytes = 0;
  for (const GgufTensor& t : header.tensors) {
    bytes = checked_add(bytes, t.bytes, "tensor bytes");
  }
  return bytes;
}

std::optional<std::uint64_t> metadata_uint(const GgufHeader& header, const std::string& key) {
  for (const GgufKv& kv : header.metadata) {
    if (kv.key == key && kv.value.type != GgufValueType::array &&
        !kv.value.unsigned_values.empty()) {
      return kv.value.unsigned_values.front();
    }
    if (kv.key == key && !kv.value.signed_values.empty() && kv.value.signed_values.front() >= 0) {
      return static_cast<std::uint64_t>(kv.value.signed_values.front());
    }
  }
  return std::nullopt;
}

std::uint32_t small(std::optional<std::uint64_t> value, std::uint64_t max) {
  return value && *value <= max ? static_cast<std::uint32_t>(*value) : 0;
}

}  // namespace

std::uint64_t AttachmentMemory::total_bytes() const {
  return weights.bytes + kv_cache.bytes + compute.bytes;
}

std::vector<AttachmentMemory> attachment_memory(const Attachments& attachments,
                                                const ModelSpec& base, const Workload& workload,
                                                const EngineSettings& engine) {
  std::vector<AttachmentMemory> out;
  if (attachments.projector) {
    out.push_back(projector_memory(*attachments.projector, engine));
  }
  if (attachments.draft) {
    out.push_back(draft_memory(*attachments.draft, workload, engine));
  }
  if (attachments.lora) {
    out.push_back(lora_memory(*attachments.lora, base, engine));
  }
  return out;
}

ProjectorSpec read_mmproj(const std::string& path) {
  const GgufHeader header = read_gguf_header(path);
  ProjectorSpec p;
  p.source = path;
  p.weight_bytes = tensor_sum(header);
  p.weights_exact = true;
  VisionTower& t = p.tower;
  // clip.vision.* keys as llama.cpp's convert_hf_to_gguf.py writes them for mmproj files.
  t.hidden = small(metadata_uint(header, "clip.vision.embedding_length"), 1U << 16);
  t.ffn = small(metadata_uint(header, "clip.vision.feed_forward_length"), 1U << 18);
  t.heads = small(metadata_uint(header, "clip.vision.attention.head_count"), 1024);
  t.layers = small(metadata_uint(header, "clip.vision.block_count"), 1024);
  t.patch_size = small(metadata_uint(header, "clip.vision.patch_size"), 1024);
  t.image_size = small(metadata_uint(header, "clip.vision.image_size"), 1U << 15);
  if (t.hidden == 0 || t.ffn == 0 || t.heads == 0 || t.patch_size == 0) {
    throw Error(ErrorKind::file,
                path + ": not a vision projector (no clip.vision.embedding_length, "
                       "feed_forward_length, attention.head_count and patch_size)",
                "give the mmproj GGUF file that comes with the model (mmproj-*.gguf)");
  }
  if (t.image_size > 0) {
    const std::uint64_t side = t.image_size / t.patch_size;
    p.image_tokens = side * side;
  }
  return p;
}

std::uint64_t vision_tower_params(const VisionTower& t) {
  const std::uint64_t h = t.hidden;
  const std::uint64_t f = t.ffn;
  // One ViT block: q, k, v, o with biases; fc1, fc2 with biases; two LayerNorms.
  const std::uint64_t block = 4 * h * h + 4 * h + 2 * h * f + h + f + 4 * h;
  const std::uint64_t patch_embed = 3ULL * t.patch_size * t.patch_size * h + h;
  const std::uint64_t side = t.patch_size > 0 && t.image_size > 0 ? t.image_size / t.patch_size : 0;
  const std::uint64_t positions = side * side * h;
  const std::uint64_t merged = h * t.merge * t.merge;
  const std::uint64_t out = t.out_hidden > 0 ? t.out_hidden : h;
  const std::uint64_t merger = t.merge > 1 ? merged * merged + merged + merged * out + out
                                           : h * out + out;
  return block * t.layers + patch_embed + positions + 2 * h + merger;
}

std::optional<ProjectorSpec> config_projector(const ModelSpec& model) {
  if (!model.vision) {
    return std::nullopt;
  }
  ProjectorSpec p;
  p.source = "vision_config";
  p.tower = *model.vision;
  p.weight_bytes = checked_mul(vision_tower_params(p.tower), 2, "projector weights");
  const std::uint32_t patch = std::max<std::uint32_t>(p.tower.patch_size, 1);
  // Dynamic-resolution encoders (no image_size: Qwen2-VL and later) are sized at a 1024 px
  // image unless --image-tokens says otherwise.
  const std::uint64_t side = (p.tower.image_size > 0 ? p.tower.image_size : 1024) / patch;
  p.image_tokens = side * side;
  return p;
}

std::uint64_t lora_file_bytes(const std::string& path) {
  if (is_gguf_file(path)) {
    return tensor_sum(read_gguf_header(path));
  }
  return read_safetensors(path).total_bytes;
}

}  // namespace vramcalc
