#include "attachment_options.hpp"

#include <charconv>
#include <filesystem>
#include <memory>

#include "cli11.hpp"

#include "flags.hpp"

#include "quantity.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/model_source.hpp"
#include "vramcalc/quantization.hpp"
#include "vramcalc/report.hpp"

namespace vramcalc::cli {

namespace {

// Most LoRA adapters or rank a deployment names: vLLM's own bounds are far below these.
constexpr std::uint64_t k_max_loras = 1024;
constexpr std::uint64_t k_max_lora_rank = 65536;
// Patches of one image: 2^20 is a 14336 px square at patch 14, beyond any encoder's input.
constexpr std::uint64_t k_max_image_tokens = 1ULL << 20;

std::optional<std::uint32_t> whole_number(const std::string& text) {
  std::uint32_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// A draft model named as the main model is: a file (GGUF, config.json, safetensors) when the
// path exists, else a catalog name.
LoadedModel load_draft(const std::string& name) {
  ModelSourceSpec spec;
  std::error_code error;
  spec.kind = std::filesystem::exists(std::filesystem::symlink_status(name, error))
                  ? ModelSourceKind::file
                  : ModelSourceKind::catalog;
  spec.location = name;
  return load_model(spec);
}

const WeightFormat& draft_format_named(const std::string& name) {
  if (const WeightFormat* format = find_weight_format(name)) {
    return *format;
  }
  const auto suggestion = suggest_weight_format(name);
  throw Error(ErrorKind::input, "unknown --draft-dtype '" + name + "'",
              (suggestion ? "did you mean '" + *suggestion + "'? " : std::string()) +
                  "the same precisions as --dtype: fp16, bf16, q8_0, q4_k_m, awq, ...");
}

}  // namespace

void add_attachment_options(Flags& flags, AttachmentOptions& o) {
  flags.value("--mmproj", "FILE", "Beside the model",
              "A vision projector served beside the model (llama.cpp's mmproj GGUF file)",
              [&o](const std::string& v) { o.mmproj = v; });
  flags.value("--image-tokens", "N", "Beside the model",
              "Patches of one image the projector encodes (default: its image size / patch size, "
              "squared)",
              [&o](const std::string& v) {
                o.image_tokens = parse_count(v, "--image-tokens", k_max_image_tokens);
              });
  flags.toggle("--text-only", o.text_only, "Beside the model",
               "Leave out the vision encoder a multimodal config.json describes");
  flags.value(
      "--draft", "MODEL", "Beside the model",
      "A draft model for speculative decoding: a catalog name or a GGUF/config.json/safetensors "
      "path (llama.cpp -md, vLLM/SGLang speculative decoding)",
      [&o](const std::string& v) { o.draft = v; });
  flags.value("--draft-dtype", "TYPE", "Beside the model",
              "Precision of the draft model (default: its own)",
              [&o](const std::string& v) { o.draft_dtype = v; });
  flags.value("--lora", "RANK|FILE", "Beside the model",
              "LoRA adapters served beside the model: a rank (16) or an adapter file (GGUF or "
              "safetensors)",
              [&o](const std::string& v) { o.lora = v; });
  flags.value(
      "--max-loras", "N", "Beside the model",
      "Adapters held on the GPU at once (vLLM --max-loras; default 1)", [&o](const std::string& v) {
        o.max_loras = static_cast<std::uint32_t>(parse_count(v, "--max-loras", k_max_loras));
      });
  flags.value(
      "--max-lora-rank", "R", "Beside the model",
      "Largest adapter rank (vLLM --max-lora-rank; default 16)", [&o](const std::string& v) {
        o.max_lora_rank =
            static_cast<std::uint32_t>(parse_count(v, "--max-lora-rank", k_max_lora_rank));
      });
}

Attachments make_attachments(const AttachmentOptions& o, const ModelSpec& model,
                             EngineKind engine, std::vector<std::string>& notes) {
  Attachments out;
  if (!o.mmproj.empty()) {
    out.projector = read_mmproj(o.mmproj);
  } else if (model.vision && !o.text_only) {
    out.projector = config_projector(model);
  }
  if (o.image_tokens) {
    if (!out.projector) {
      throw Error(ErrorKind::usage, "--image-tokens sizes a projector, but there is none",
                  "add --mmproj FILE, or a multimodal model's config.json");
    }
    out.projector->image_tokens = *o.image_tokens;
  }
  if (out.projector && out.projector->image_tokens == 0) {
    throw Error(ErrorKind::input,
                "the projector does not say its image size (dynamic resolution)",
                "give --image-tokens N, the patches of the largest image you will send");
  }
  if (!o.draft.empty()) {
    LoadedModel loaded = load_draft(o.draft);
    validate_model(loaded.model);
    DraftSpec draft;
    draft.source = o.draft;
    draft.format = o.draft_dtype.empty()
                       ? default_weight_format(loaded.model, engine, loaded.stored_format)
                       : draft_format_named(o.draft_dtype);
    draft.model = std::make_shared<const ModelSpec>(std::move(loaded.model));
    if (draft.model->vocab != model.vocab && model.vocab != 0) {
      notes.push_back("the draft model's vocabulary (" + std::to_string(draft.model->vocab) +
                      ") differs from the model's (" + std::to_string(model.vocab) +
                      "): llama.cpp and vLLM need the same tokenizer");
    }
    out.draft = std::move(draft);
  } else if (!o.draft_dtype.empty()) {
    throw Error(ErrorKind::usage, "--draft-dtype needs --draft", "add --draft MODEL");
  }
  if (!o.lora.empty() || o.max_loras || o.max_lora_rank) {
    LoraSpec lora;
    if (const auto rank = whole_number(o.lora)) {
      if (*rank == 0 || *rank > k_max_lora_rank) {
        throw Error(ErrorKind::input, "invalid --lora rank '" + o.lora + "'",
                    "give a rank from 1 (8 to 64 is usual) or an adapter file");
      }
      lora.rank = *rank;
    } else if (!o.lora.empty()) {
      lora.source = o.lora;
      lora.file_bytes = lora_file_bytes(o.lora);
    }
    if (o.max_lora_rank) {
      lora.rank = *o.max_lora_rank;
    }
    lora.max_loras = o.max_loras.value_or(1);
    out.lora = std::move(lora);
  }
  return out;
}

}  // namespace vramcalc::cli
