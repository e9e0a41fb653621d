// llama.cpp profile. Follows llama.cpp at commit de3ff815 (ggml 0.25.1), the tree that
// node-llama-cpp 3.22.1 bundles and that tests/data/validation/llamacpp_cpu_measured.json was
// measured with (docs/accuracy.md): src/llama-context.cpp (n_ctx padding,
// n_ctx_seq, n_batch/n_ubatch clamps, output buffer), src/llama-kv-cache.cpp and
// llama-kv-cache-iswa.cpp (cells, SWA sizing), ggml-alloc's reserve of the worst-case graph
// (compute buffer).
#include "engines/llama_cpp.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "vramcalc/bytes.hpp"

namespace vramcalc::engines {

namespace {

// llama_context pads n_ctx and n_ctx_seq to 256 cells (GGML_PAD(n_ctx, 256) in
// llama-context.cpp at the pinned commit; older builds padded to 32 without flash attention).
constexpr std::uint64_t k_ctx_pad = 256;
constexpr std::uint32_t k_default_ubatch = 512;   // llama_context_default_params().n_ubatch
constexpr std::uint32_t k_default_n_batch = 2048;  // llama_context_default_params().n_batch
constexpr std::uint64_t k_f32 = 4;

// Process overhead on a CUDA device outside llama.cpp's own buffers: CUDA context, cuBLAS
// workspace and the ggml CUDA pool. The one end-to-end CUDA table found (jinaai/
// jina-embeddings-v4-gguf README, table 1: llama-server --embedding -ub 4096 on an sm_89
// card): peak VRAM minus file size minus the logged compute (2470 MiB) and KV (144 MiB)
// buffers leaves 0.5-0.6 GB for every quantized type. 550 MB = 525 MiB.
constexpr std::uint64_t k_cuda_overhead_bytes = 525ULL * 1024 * 1024;

std::string squash(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return out;
}

// Elements per token the compute graph handles for the widest layer.
struct GraphShape {
  std::uint64_t n_embd = 0;
  std::uint64_t n_head = 0;
  std::uint64_t n_embd_k_gqa = 0;
  std::uint64_t n_ff = 0;  // dense width, or experts used x expert width (+ shared)
  bool latent = false;
};

GraphShape graph_shape(const ModelSpec& model) {
  GraphShape shape;
  shape.n_embd = model.hidden;
  for (const auto& layer : model.layers) {
    shape.n_head = std::max<std::uint64_t>(shape.n_head, layer.n_head);
    const std::uint64_t k = layer.attention == AttentionKind::latent
                                ? layer.latent_dim
                                : static_cast<std::uint64_t>(layer.n_kv_head) * layer.head_dim_k;
    shape.n_embd_k_gqa = std::max(shape.n_embd_k_gqa, k);
    shape.n_ff = std::max<std::uint64_t>(shape.n_ff, layer.ffn_dim);
    shape.latent = shape.latent || layer.attention == AttentionKind::latent;
  }
  return shape;
}

// The compute buffer is the peak of ggml-alloc's reservation of the worst-case graph
// (n_ubatch tokens attending over n_kv cells). Its largest live sets, from the graph's tensor
// sizes (fitted to the compute bytes llama.cpp de3ff815 reported on the CPU,
// tests/data/validation/llamacpp_cpu_measured.json; the structure of llm_graph in
// llama-graph.cpp):
//   output phase A = f32 logits of the reserved outputs + two f32 hidden states
//   FFN phase    F = KQ mask + f32 (3 x n_ff + 4 x n_embd) per token
//   attention    B = f32 KQ scores of all heads (flash attention off) + mask + Q/K/V/residual
// Latent-attention (MLA) graphs keep 8 more f32 hidden-size rows per token alive in the output
// phase (measured on DeepSeek-V2-Lite: +32 MiB at n_ubatch 512, +129 MiB at 2048).
std::uint64_t compute_buffer_bytes(const ModelSpec& model, const LlamaCppContext& ctx) {
  const GraphShape g = graph_shape(model);
  const std::uint64_t ub = ctx.n_ubatch;
  const std::uint64_t n_kv = ctx.max_cells_per_stream;
  std::uint64_t output = k_f32 * (ctx.n_outputs * model.vocab + 2 * ub * g.n_embd);
  if (g.latent) {
    output += k_f32 * ub * 8 * g.n_embd;
  }
  const std::uint64_t mask = n_kv * ub * (ctx.flash_attn ? 2 : 4);
  std::uint64_t ffn = mask + k_f32 * ub * (3 * g.n_ff + 4 * g.n_embd);
  if (model.fused_gate_up) {
    // A fused gate_up projection (Phi-3) keeps its [2 x n_ff] output alive while the gate is
    // activated and multiplied: four n_ff-wide rows, in space the allocator can take from the
    // mask once the mask is small (Phi-3-mini, n_ubatch 512, flash attention: 95.0 MiB measured
    // at 4k context, 102.8 at 32k; three rows plus mask give 79.7 and 104.0, four rows 88.0).
    ffn = std::max(ffn, k_f32 * ub * (4 * g.n_ff + 4 * g.n_embd));
  }
  std::uint64_t peak = std::max(output, ffn);
  if (!ctx.flash_attn) {
    const std::uint64_t attention =
        n_kv * ub * (k_f32 * g.n_head + 4) + k_f32 * ub * (5 * g.n_embd + 2 * g.n_embd_k_gqa);
    peak = std::max(peak, attention);
  }
  return peak;
}

std::uint64_t layer_row_bytes(const LayerSpec& layer, const Workload& workload) {
  if (layer.attention == AttentionKind::latent) {
    // MLA caches the latent as K only (kv_lora_rank + rope dims); V is empty.
    return kv_row_bytes(workload.kv_key, layer.latent_dim);
  }
  return kv_row_bytes(workload.kv_key,
                      static_cast<std::uint64_t>(layer.n_kv_head) * layer.head_dim_k) +
         kv_row_bytes(workload.kv_value,
                      static_cast<std::uint64_t>(layer.n_kv_head) * layer.head_dim_v);
}

}  // namespace

bool llama_cpp_honours_sliding_window(const std::string& architecture) {
  // Architectures whose llama.cpp loader sets a sliding-window type (llama-model.cpp):
  // gemma2, gemma3, gemma3n, cohere2, gpt-oss (arch "gpt-oss"/"openai"), exaone4, llama4
  // (chunked). Phi-3 disables its window; llama-arch models (Mistral-7B-v0.1) have none.
  const std::string arch = squash(architecture);
  for (const char* prefix : {"gemma2", "gemma3", "cohere2", "gptoss", "openai", "exaone4",
                             "llama4"}) {
    if (arch.rfind(prefix, 0) == 0) {
      return true;
    }
  }
  return false;
}

LlamaCppContext llama_cpp_context(const ModelSpec& model, const Workload& workload,
                                  const EngineSettings& settings) {
  LlamaCppContext ctx;
  ctx.n_seq = workload.batch;
  ctx.unified = settings.kv_unified;
  ctx.n_ctx_requested = checked_mul(workload.context, workload.batch, "context x sequences");
  ctx.n_ctx = round_up(ctx.n_ctx_requested, k_ctx_pad);
  if (ctx.unified) {
    ctx.n_stream = 1;
    ctx.n_ctx_seq = ctx.n_ctx;
  } else {
    ctx.n_stream = ctx.n_seq;
    ctx.n_ctx_seq = round_up(ctx.n_ctx / ctx.n_seq, k_ctx_pad);
  }
  ctx.n_batch = std::min<std::uint64_t>(settings.n_batch.value_or(k_default_n_batch),
                                        ctx.n_ctx_requested);
  ctx.n_ubatch = std::min<std::uint64_t>(settings.ubatch.value_or(k_default_ubatch), ctx.n_batch);
  // The worst-case graph reserves logits for min(n_ubatch, n_outputs_max) tokens
  // (llama_context::sched_reserve: n_outputs_pp = min(n_tokens, n_outputs_max), n_outputs_max 0
  // meaning n_batch): every token of a micro-batch with the library's defaults, as at the pinned
  // commit; a server that reserves one output per slot sets n_outputs_max to its slots.
  ctx.n_outputs = std::min<std::uint64_t>(ctx.n_ubatch, settings.n_outputs_max.value_or(
                                                            static_cast<std::uint32_t>(ctx.n_ubatch)));
  // Flash attention "auto" resolves to enabled on backends that support it (CPU, CUDA, Metal,
  // Vulkan at the pinned commit; every record in the validation data resolved to enabled).
  ctx.flash_attn = settings.flash_attn.value_or(FlashAttention::automatic) != FlashAttention::off;

  const bool honours_window = llama_cpp_honours_sliding_window(model.architecture);
  ctx.layer_cells.reserve(model.layers.size());
  for (const auto& layer : model.layers) {
    std::uint64_t per_stream = ctx.n_ctx_seq;
    if (layer.attention == AttentionKind::none) {
      per_stream = 0;
    } else if (layer.attention == AttentionKind::sliding_window && honours_window &&
               !settings.swa_full) {
      // llama_kv_cache_iswa: min(n_ctx_seq, n_swa x (unified ? n_seq : 1) + n_ubatch), padded.
      const std::uint64_t window = static_cast<std::uint64_t>(layer.sliding_window) *
                                   (ctx.unified ? ctx.n_seq : 1);
      per_stream = std::min(ctx.n_ctx_seq, round_up(window + ctx.n_ubatch, k_ctx_pad));
    }
    ctx.max_cells_per_stream = std::max(ctx.max_cells_per_stream, per_stream);
    ctx.layer_cells.push_back(checked_mul(per_stream, ctx.n_stream, "KV cells"));
  }
  return ctx;
}

MemoryEstimate llama_cpp_estimate(const EngineInput& input, const LlamaCppContext& ctx) {
  const ModelSpec& model = input.model;
  const Workload& workload = input.workload;
  MemoryEstimate result;
  fill_weights(result, input);

  std::uint64_t kv_total = 0;
  for (std::size_t i = 0; i < model.layers.size(); ++i) {
    const LayerSpec& layer = model.layers[i];
    const std::uint64_t bytes =
        layer.attention == AttentionKind::none
            ? checked_mul(layer.recurrent_state_bytes, ctx.n_seq, "recurrent state bytes")
            : checked_mul(ctx.layer_cells[i], layer_row_bytes(layer, workload), "KV bytes");
    result.layers[i].kv_bytes = bytes;
    kv_total = checked_add(kv_total, bytes, "KV bytes");
  }
  const bool assumed = model.shape.assumed;
  result.kv_cache = make_component(
      kv_total, assumed ? Provenance::heuristic : Provenance::derived,
      fmt::format("cells x row bytes per layer; {} cells per sequence (padded to 256){}",
                  ctx.n_ctx_seq, assumed ? "; shape assumed" : ""),
      assumed ? 50 : 0, assumed ? 300 : 0);

  // Compute buffer: within 5% on the pinned version's CPU rows (median 0.002%); the CUDA rows
  // in the published logs are within about -10%..+15% of the same graph formula.
  result.activations = make_component(
      compute_buffer_bytes(model, ctx), Provenance::derived,
      fmt::format("compute buffer: worst-case graph at n_ubatch {}, n_kv {}, flash attention {}",
                  ctx.n_ubatch, ctx.max_cells_per_stream, ctx.flash_attn ? "on" : "off"),
      10, 20);
  // Host logits buffer: n_vocab x n_seq_max floats (llama_context::output_reserve).
  result.output_buffer = make_component(
      checked_mul(checked_mul(model.vocab, ctx.n_seq, "output buffer"), k_f32, "output buffer"),
      Provenance::derived, "host logits buffer: n_vocab x sequences x 4 bytes");
  // With a separate output head, token_embd is only looked up, never multiplied: llama.cpp keeps
  // it mapped in host RAM (CPU_Mapped) even at full offload (llama.cpp load logs: Llama-3-8B
  // Q4_K_M 281.81 MiB host + 4403.49 MiB GPU). A tied matrix is the output head and goes to
  // the GPU.
  if (!model.tied_embeddings) {
    result.host_weight_bytes = result.embedding_weight_bytes;
  }
  result.overhead = input.options.overhead_bytes
                        ? runtime_overhead(input.options)
                        : make_component(k_cuda_overhead_bytes, Provenance::calibrated,
                                         "CUDA context, cuBLAS and ggml pool (jina-embeddings-v4 "
                                         "GGUF peaks, llama-server)",
                                         50, 50);
  finish_totals(result);

  add_setting(result, "n_ctx", ctx.n_ctx);
  add_setting(result, "n_ctx_seq", ctx.n_ctx_seq);
  add_setting(result, "n_seq_max", ctx.n_seq);
  add_setting(result, "n_batch", ctx.n_batch);
  add_setting(result, "n_ubatch", ctx.n_ubatch);
  add_setting(result, "n_outputs_max", ctx.n_outputs);
  add_setting(result, "flash_attn", std::string(ctx.flash_attn ? "on" : "off"));
  add_setting(result, "kv_unified", std::string(ctx.unified ? "true" : "false"));
  add_setting(result, "swa_full", std::string(input.options.engine.swa_full ? "true" : "false"));
  add_setting(result, "type_k", std::string(workload.kv_key.name));
  add_setting(result, "type_v", std::string(workload.kv_value.name));
  result.engine.equivalent_flags = fmt::format(
      "-c {} -np {} -b {} -ub {} -fa {} -ctk {} -ctv {}{}", ctx.n_ctx_requested, ctx.n_seq,
      ctx.n_batch, ctx.n_ubatch, ctx.flash_attn ? "on" : "off", workload.kv_key.name,
      workload.kv_value.name, ctx.unified ? " --kv-unified" : "");
  if (input.options.engine.ubatch && *input.options.engine.ubatch > ctx.n_ubatch &&
      ctx.n_ubatch == ctx.n_batch && ctx.n_batch < ctx.n_ctx_requested) {
    result.engine.notes.push_back(fmt::format(
        "n_ubatch {} is cut to n_batch {}, as llama.cpp does (n_ubatch = min(n_batch, "
        "n_ubatch)); add --n-batch {} for micro-batches that large",
        *input.options.engine.ubatch, ctx.n_batch, *input.options.engine.ubatch));
  }
  if (!llama_cpp_honours_sliding_window(model.architecture)) {
    for (const auto& layer : model.layers) {
      if (layer.attention == AttentionKind::sliding_window) {
        result.engine.notes.push_back(
            "llama.cpp ignores this architecture's sliding window: every layer caches the "
            "full context");
        break;
      }
    }
  }
  return result;
}

MemoryEstimate estimate_llama_cpp(const EngineInput& input) {
  return llama_cpp_estimate(input,
                            llama_cpp_context(input.model, input.workload, input.options.engine));
}

}  // namespace vramcalc::engines
