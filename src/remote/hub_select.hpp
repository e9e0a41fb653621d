#pragma once
// Which files of a Hub repository make the model (internal): a GGUF file (or split GGUF)
// picked by --hf-file or by the quantization --dtype names, the safetensors checkpoint at the
// top of the repository, or config.json alone.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "remote/hub_repo.hpp"

namespace vramcalc::remote {

/// How the model is read.
enum class HubLayout {
  gguf,         ///< the GGUF file `file` of `folder` (any shard of a split model)
  safetensors,  ///< config.json + the checkpoint of `folder` (`file`: one file or index; "" all)
  config,       ///< config.json of `folder` alone
};

/// The files to read.
struct HubSelection {
  HubLayout layout = HubLayout::config;
  std::string folder;     ///< repository folder ("" for the top), without a trailing '/'
  std::string file;       ///< file name in `folder`; see HubLayout
  std::string quant_tag;  ///< GGUF: the quantization its name gives ("Q4_K_M"), else ""
  bool dtype_picked_file = false;  ///< --dtype chose among GGUF files (no conversion)
};

/// The quantization a GGUF file name gives ("Llama-3.2-1B-Instruct-Q4_K_M.gguf" -> "Q4_K_M"):
/// the last '-' or '.' separated part that names a llama.cpp file type (llama_ftype_name) or
/// looks like one (Q, IQ, TQ followed by a digit: "Q4_K_XL"), upper case; "" when none.
[[nodiscard]] std::string gguf_quant_tag(std::string_view file_name);

/// What the repository's files say to read:
/// - `hub_file` given: that file (a .gguf, a .safetensors, a *.safetensors.index.json or a
///   config.json), which must be listed;
/// - else, with `dtype` given and GGUF files present: the one GGUF model (a file, or the shards
///   of one split) whose quantization tag is the dtype (q4_k_m -> Q4_K_M, fp16 -> F16);
/// - else the top-level safetensors checkpoint (with `dtype` given, it is converted: the
///   GGUF files beside it are taken only when one matches);
/// - else the only GGUF model; else config.json alone.
/// mmproj (vision projector) and imatrix GGUF files are never the model. Throws
/// vramcalc::Error (usage) listing the GGUF models with their quantizations when none or
/// several match, (file) when the repository has no config.json where one is needed.
[[nodiscard]] HubSelection select_hub_files(const HubRevision& revision,
                                            const std::string& subject,
                                            const std::string& hub_file,
                                            const std::string& dtype);

}  // namespace vramcalc::remote
