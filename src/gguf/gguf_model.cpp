// The model description built from a GGUF header: names and totals here, layers in
// gguf_layers.cpp. Parameter counts follow llama.cpp's llama_model_n_params (the sum of the
// elements of every tensor in the file, rope_freqs included); weight bytes are each tensor's
// exact ggml_nbytes, which is what llama.cpp allocates (llama_model_size of the files in
// tests/data/gguf-inventories/, measured with llama.cpp de3ff815:
// tests/data/validation/llamacpp_cpu_measured.json, llama_model_size_bytes).

#include <filesystem>
#include <limits>
#include <map>

#include "gguf/gguf_model_parts.hpp"
#include "gguf/gguf_parser.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/ggml_types.hpp"

namespace vramcalc {

namespace {

constexpr std::uint64_t k_u32_max = std::numeric_limits<std::uint32_t>::max();

std::string model_name(const gguf::Metadata& meta) {
  if (auto name = meta.string("general.name"); name && !name->empty()) {
    return *name;
  }
  std::string stem = std::filesystem::path(meta.source()).filename().string();
  if (const auto shard = parse_gguf_split_name(stem)) {
    return shard->prefix;
  }
  constexpr std::string_view k_suffix = ".gguf";
  if (stem.size() > k_suffix.size() && stem.ends_with(k_suffix)) {
    stem.resize(stem.size() - k_suffix.size());
  }
  return stem;
}

std::uint64_t add(const gguf::Metadata& meta, std::uint64_t a, std::uint64_t b) {
  const auto sum = try_add(a, b);
  if (!sum) {
    gguf::fail(meta.source(), "parameter or byte totals overflow 64 bits",
               "the tensor table is corrupt; download the model again");
  }
  return *sum;
}

// Fills model.tensors, total/embedding/head parameter counts, and the per-block facts.
std::vector<gguf::BlockTensors> add_tensors(const gguf::Metadata& meta, ModelSpec& model,
                                            std::size_t n_layer) {
  std::vector<gguf::BlockTensors> blocks(n_layer);
  const GgufHeader& header = meta.header();
  model.tensors.reserve(header.tensors.size());
  for (const GgufTensor& tensor : header.tensors) {
    const gguf::TensorClass kind = gguf::classify_tensor(tensor.name);
    TensorInfo info;
    info.name = tensor.name;
    info.role = kind.role;
    info.layer = kind.layer;
    info.shape = tensor.shape;
    info.elements = tensor.elements;
    const GgmlType* type = ggml_type_by_id(tensor.type_id);
    if (type == nullptr) {  // only a header not made by the reader can hold one
      gguf::fail(meta.source(),
                 "tensor " + gguf::quoted(tensor.name) + " has unknown ggml type " +
                     std::to_string(tensor.type_id),
                 "read headers with read_gguf_header");
    }
    info.stored_type = std::string(type->name);
    info.stored_bytes = tensor.bytes;
    model.total_params = add(meta, model.total_params, tensor.elements);
    // Parts add up to total_params the way weight_breakdown adds bytes: blocks, embeddings,
    // and everything else (output head, final norm, rope_freqs, blocks past block_count) in
    // the head.
    if (kind.layer >= 0 && static_cast<std::size_t>(kind.layer) < n_layer) {
      gguf::BlockTensors& block = blocks[static_cast<std::size_t>(kind.layer)];
      block.params = add(meta, block.params, tensor.elements);
      if (kind.expert) {
        block.has_experts = true;
        if ((kind.role == TensorRole::ffn_up_exps || kind.role == TensorRole::ffn_gate_exps) &&
            tensor.shape.size() >= 2) {
          block.expert_ffn = tensor.shape[1];
        }
      }
      if (kind.role == TensorRole::ffn_up_shexp && tensor.shape.size() >= 2) {
        block.shared_expert_ffn = tensor.shape[1];
      }
    } else if (kind.role == TensorRole::token_embd || kind.role == TensorRole::pos_embd) {
      model.embedding_params = add(meta, model.embedding_params, tensor.elements);
    } else {
      model.head_params = add(meta, model.head_params, tensor.elements);
    }
    model.tensors.push_back(std::move(info));
  }
  return blocks;
}

// Parameters used per token: routed experts count expert_used_count / expert_count of their
// elements (every other tensor is used by every token).
std::uint64_t active_params(const gguf::Metadata& meta, const ModelSpec& model) {
  const std::string count_key = meta.arch_key("expert_count");
  const std::uint64_t n_expert = meta.uint(count_key, k_gguf_max_experts).value_or(0);
  const std::uint64_t n_used = meta.uint(meta.arch_key("expert_used_count"), n_expert).value_or(0);
  std::uint64_t unused = 0;
  for (const TensorInfo& tensor : model.tensors) {
    if (!gguf::classify_tensor(tensor.name).expert) {
      continue;
    }
    if (n_expert == 0) {
      meta.fail_key(count_key, "is missing or 0, but tensor " + gguf::quoted(tensor.name) +
                                   " holds routed experts");
    }
    // elements x (n_expert - n_used) / n_expert; exact when ne[2] == n_expert.
    unused += mul_div_ceil(tensor.elements, n_expert - n_used, n_expert, "expert parameters");
  }
  return model.total_params - unused;
}

std::uint32_t vocab_size(const gguf::Metadata& meta, const ModelSpec& model) {
  // llama.cpp: {arch}.vocab_size, else the length of tokenizer.ggml.tokens.
  if (const auto size = meta.uint(meta.arch_key("vocab_size"), k_u32_max)) {
    return static_cast<std::uint32_t>(*size);
  }
  if (const GgufValue* tokens = meta.find("tokenizer.ggml.tokens");
      tokens != nullptr && tokens->type == GgufValueType::array && tokens->length <= k_u32_max) {
    return static_cast<std::uint32_t>(tokens->length);
  }
  for (const TensorInfo& tensor : model.tensors) {
    if (tensor.role == TensorRole::token_embd && tensor.shape.size() >= 2 &&
        tensor.shape[1] <= k_u32_max) {
      return static_cast<std::uint32_t>(tensor.shape[1]);
    }
  }
  meta.fail_key(meta.arch_key("vocab_size"),
                "is missing, and so are tokenizer.ggml.tokens and token_embd.weight");
}

// general.file_type names the quantization mix (enum llama_ftype); without it, the storage type
// holding the most bytes.
std::string stored_format(const gguf::Metadata& meta, const ModelSpec& model) {
  const GgufValue* file_type = meta.find("general.file_type");
  if (file_type != nullptr && file_type->type != GgufValueType::array) {
    if (const auto id = gguf_uint(*file_type)) {
      return llama_ftype_name(*id);
    }
  }
  std::map<std::string, std::uint64_t> bytes_by_type;
  for (const TensorInfo& tensor : model.tensors) {
    bytes_by_type[tensor.stored_type] += tensor.stored_bytes;
  }
  std::string best;
  std::uint64_t most = 0;
  for (const auto& [type, bytes] : bytes_by_type) {
    if (bytes > most || best.empty()) {
      best = type;
      most = bytes;
    }
  }
  return best;
}

}  // namespace

ModelSpec gguf_model(const GgufHeader& header) {
  const gguf::Metadata meta(header);
  ModelSpec model;
  model.name = model_name(meta);
  model.architecture = meta.architecture();
  model.source = ModelSource::gguf;
  model.source_detail = header.source;

  const std::string blocks_key = meta.arch_key("block_count");
  const std::uint64_t n_layer = meta.require_uint(blocks_key, k_gguf_max_layers);
  if (n_layer == 0) {
    meta.fail_key(blocks_key, "is 0; a model needs at least one block");
  }
  const std::string hidden_key = meta.arch_key("embedding_length");
  model.hidden = static_cast<std::uint32_t>(meta.require_uint(hidden_key, k_u32_max));
  if (model.hidden == 0) {
    meta.fail_key(hidden_key, "is 0");
  }
  const std::vector<gguf::BlockTensors> blocks = add_tensors(meta, model, n_layer);
  model.layers = gguf::build_layers(meta, model.hidden, blocks);
  model.active_params = active_params(meta, model);
  model.n_experts = static_cast<std::uint32_t>(
      meta.uint(meta.arch_key("expert_count"), k_gguf_max_experts).value_or(0));
  model.n_experts_used = static_cast<std::uint32_t>(
      meta.uint(meta.arch_key("expert_used_count"), model.n_experts).value_or(0));
  for (const gguf::BlockTensors& block : blocks) {
    if (block.has_experts && block.expert_ffn != 0) {
      model.expert_ffn_dim = static_cast<std::uint32_t>(block.expert_ffn);
      model.n_shared_experts = static_cast<std::uint32_t>(
          div_ceil(block.shared_expert_ffn, block.expert_ffn));
    }
  }
  // Phi-3 (and Phi-4 mini) store gate and up as one ffn_up of twice the MLP width.
  model.fused_gate_up = model.architecture == "phi3";
  model.vocab = vocab_size(meta, model);
  model.max_context = meta.uint(meta.arch_key("context_length"), k_gguf_max_dim).value_or(0);
  // llama.cpp reuses token_embd when output.weight is absent (TENSOR_DUPLICATED).
  model.tied_embeddings = true;
  for (const TensorInfo& tensor : model.tensors) {
    if (tensor.name == "output.weight") {
      model.tied_embeddings = false;
    }
  }
  model.stored_bytes_exact = true;
  model.stored_format = stored_format(meta, model);
  try {
    validate_model(model);
  } catch (const Error& error) {
    gguf::fail(header.source, error.what(), error.hint());
  }
  return model;
}

ModelSpec load_gguf_model(const std::string& path) {
  ModelSpec model = gguf_model(merge_gguf_shards(read_gguf_shards(path)));
  model.source_detail = path;  // the file named, even when it is not the first shard
  return model;
}

}  // namespace vramcalc
