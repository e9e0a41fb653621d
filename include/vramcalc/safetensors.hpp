#pragma once
/// Reader of safetensors checkpoints: the headers of one file, a folder of shards or a
/// `model.safetensors.index.json`, never the tensor data. The inventory lists every tensor with
/// its exact stored bytes; `attach_safetensors` puts those tensors into a ModelSpec.
///
/// Layout (huggingface/safetensors README "Format", safetensors/src/tensor.rs): 8 bytes
/// little-endian header length N, N bytes of UTF-8 JSON, then the data section; every tensor's
/// `data_offsets` [begin, end) are relative to the data section's start (file offset 8 + N).

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "vramcalc/model.hpp"

namespace vramcalc {

namespace safetensors {

/// Largest JSON header accepted, bytes: 64 MiB, below MAX_HEADER_SIZE = 100_000_000 of the
/// reference implementation (huggingface/safetensors safetensors/src/tensor.rs,
/// `HeaderTooLarge`) so that a header at the limit is read within 1 s and 256 MB
/// (bench/caps_bench.cpp: the text and its metadata are both held); k_max_tensors entries take
/// about 30 MB. Checked before anything is allocated.
inline constexpr std::uint64_t k_max_header_bytes = 64ULL << 20;

/// Largest `model.safetensors.index.json` read, bytes: 64 MiB. Not a format limit (vramcalc's
/// choice): an index names each tensor once in about 100 bytes, so 64 MiB holds ~600,000
/// entries, above the tensor cap below; DeepSeek-V3's index (~10^5 tensors with FP8 scales) is
/// under 10 MB.
inline constexpr std::uint64_t k_max_index_bytes = 64ULL << 20;

/// Most tensors accepted in one checkpoint (all shards together): 2^18 = 262,144. vramcalc's
/// choice: above the largest released checkpoints (DeepSeek-V3 ~92,000 and Kimi-K2 ~140,000
/// tensors with their FP8 scales), low enough that a checkpoint at the limit is read within
/// 1 s and 256 MB (bench/caps_bench.cpp), where 10^6 took 29 s and 819 MB.
inline constexpr std::size_t k_max_tensors = 1ULL << 18;

/// Most shard files in one checkpoint. vramcalc's choice: the largest published checkpoints
/// have a few hundred shards of 5 GB (huggingface_hub MAX_SHARD_SIZE = 5_000_000_000).
inline constexpr std::size_t k_max_shards = 10'000;

/// Most dimensions in one tensor's shape. vramcalc's choice (the format sets none): model
/// tensors have at most 5; bounds the memory one header entry can take.
inline constexpr std::size_t k_max_dims = 64;

/// Deepest JSON nesting accepted in a header or index. vramcalc's choice: valid headers nest 3
/// deep (root, tensor, shape); unknown fields are tolerated up to this depth.
inline constexpr std::size_t k_max_json_depth = 64;

/// Storage bits per element of the dtype spelled `name` ("BF16" -> 16, "F4" -> 4), or 0 when
/// the name is not a safetensors dtype. Source: safetensors/src/tensor.rs `Dtype::bitsize`.
[[nodiscard]] std::uint32_t dtype_bits(const std::string& name);

}  // namespace safetensors

/// One tensor as a safetensors header lists it.
struct SafetensorsTensor {
  std::string name;                  ///< as in the file, e.g. "model.layers.0.mlp.up_proj.weight"
  std::string dtype;                 ///< as the file spells it: "BF16", "F8_E4M3", "I32", ...
  std::vector<std::uint64_t> shape;  ///< dimensions as the file lists them: outermost first
  std::uint64_t elements = 0;        ///< product of shape (1 for shape [], 0 with a 0 dimension)
  std::uint64_t bytes = 0;           ///< end - begin of data_offsets == elements x bits / 8
  std::uint64_t data_begin = 0;      ///< data_offsets begin, bytes after the header
  std::string shard;                 ///< file name (without folder) of the file holding it
};

/// One file read.
struct SafetensorsShard {
  std::string path;                  ///< as opened
  std::string file_name;             ///< without folder
  std::uint64_t file_bytes = 0;      ///< size of the file
  std::uint64_t header_bytes = 0;    ///< N: the JSON header, without the 8-byte length
  std::uint64_t data_bytes = 0;      ///< file_bytes - 8 - N: the tensors' bytes
  std::size_t tensor_count = 0;
  std::map<std::string, std::string> metadata;  ///< its `__metadata__` (string -> string)
};

/// Tensors of one dtype.
struct SafetensorsDtypeTotal {
  std::string dtype;
  std::size_t tensors = 0;
  std::uint64_t elements = 0;
  std::uint64_t bytes = 0;
};

/// Everything the headers of a checkpoint say.
struct SafetensorsInventory {
  std::string path;                        ///< what was asked for (file, folder or index)
  std::string index_path;                  ///< the index used; empty when none was
  std::vector<SafetensorsShard> shards;    ///< by file name
  std::vector<SafetensorsTensor> tensors;  ///< shard by shard, each in data order
  std::vector<SafetensorsDtypeTotal> dtype_totals;  ///< by dtype name
  std::uint64_t total_bytes = 0;           ///< sum of tensor bytes (headers excluded)
  std::uint64_t total_elements = 0;        ///< sum of tensor elements
  /// `__metadata__` of all shards; where two shards give a key different values, the first
  /// shard (by file name) wins.
  std::map<std::string, std::string> metadata;
  /// `metadata.total_size` of the index as written (bytes), when it is a non-negative integer.
  /// Metadata, not a guarantee: compare with total_bytes, never use instead of it.
  std::optional<std::uint64_t> index_total_size;
};

/// Reads the headers of the checkpoint at `path`:
/// - a `.safetensors` file;
/// - a `*.safetensors.index.json` (any path ending in `.json`): the shards its `weight_map`
///   names, in the index's folder; each name must be a plain `*.safetensors` file name (no
///   `/`, `\`, `..`, absolute paths, control characters); every mapped tensor must be in the
///   shard it is mapped to; shards the index does not name are ignored; tensors a named shard
///   holds but the index does not map are kept;
/// - a folder: its `model.safetensors.index.json` when present (else its only
///   `*.safetensors.index.json`), else every `*.safetensors` file in it.
/// A tensor found in two shards is an error. Throws vramcalc::Error (kind file) naming the file,
/// the tensor or key, and the offset, for anything the reference implementation would reject
/// and for the caps above.
[[nodiscard]] SafetensorsInventory read_safetensors(const std::string& path);

/// Settings of attach_safetensors.
struct SafetensorsAttachOptions {
  /// Layers past the model's last layer that hold multi-token-prediction modules (DeepSeek-V3
  /// `num_nextn_predict_layers`): their tensors are left out, as engines leave them out of the
  /// main model (vLLM deepseek_v2.py `load_weights`: "skip spec decode layers for main model").
  /// Default: 0 (a tensor past the last layer is an error).
  std::uint32_t mtp_layers = 0;
  /// Bits of each packed integer weight where the tensors do not tell (GPTQ without g_idx,
  /// compressed-tensors `weight_packed`, MLX): config.json `quantization_config.bits` or
  /// `quantization.bits`. Default (and when not 2, 3, 4 or 8): 4.
  std::optional<std::uint32_t> packed_bits;
};

/// Replaces `model.tensors` by the checkpoint's tensors with their exact stored bytes, and
/// recomputes the parameter counts from them:
/// - role and layer from the Hugging Face tensor name (llama, mixtral, qwen2-moe, deepseek
///   MLA, phi-3, gpt2, gpt-neox, falcon, gpt-oss, ... spellings); quantization side tensors
///   (GPTQ/AWQ qzeros, scales, g_idx; FP8 weight_scale(_inv), input_scale; bitsandbytes absmax,
///   quant_map, quant_state; MXFP4 *_scales; MLX biases) take the role of the weight they
///   serve, count their bytes, and are not parameters;
/// - packed tensors count the weights they hold: GPTQ/AWQ `qweight` (32 / bits per I32, bits
///   from the shapes of g_idx or scales where they tell, else `options.packed_bits`),
///   compressed-tensors `weight_packed` and MLX U32 weights (32 / packed_bits), bitsandbytes
///   4-bit and NVFP4 U8 weights and MXFP4 `*_blocks` (2 per byte);
/// - total_params, embedding_params, head_params and every layer's params are sums over those
///   tensors; active_params leaves out (n_experts - n_experts_used) / n_experts of the
///   routed-expert parameters (without those counts, the model's own unused count);
/// - stored_bytes_exact = true; stored_format a short label such as "bf16",
///   "fp8-e4m3 + bf16" or "gptq-int4 + fp16"; source = safetensors.
/// Tensor shapes are stored innermost first, as TensorInfo documents.
/// Throws vramcalc::Error (kind file) naming the tensor when the checkpoint contradicts the
/// model: no tensors, a layer index past the model's layers (beyond `options.mtp_layers`), a
/// model layer without any tensor (a single shard of a sharded checkpoint), routed-expert
/// tensors in a layer the model says is dense, an expert number past `n_experts`, or a
/// mixture-of-experts layer without any routed-expert tensor.
void attach_safetensors(ModelSpec& model, const SafetensorsInventory& inventory,
                        const SafetensorsAttachOptions& options = {});

/// The model of the checkpoint at `path` (as read_safetensors takes it): its shape from the
/// config.json beside the weights (in the folder named, or beside the file or index named),
/// read by read_hf_config_file; its tensors, exact bytes and parameter counts from the headers
/// (attach_safetensors, leaving out the config's num_nextn_predict_layers MTP layers and taking
/// packed bits from its quantization_config). Throws vramcalc::Error (kind file) when the
/// weights or the config.json are missing or malformed, or contradict each other.
[[nodiscard]] ModelSpec load_safetensors_model(const std::string& path);

}  // namespace vramcalc
