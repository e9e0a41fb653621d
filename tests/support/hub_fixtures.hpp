#pragma once
// Repositories for the loopback Hub (hub_server.hpp), laid out like real ones on the Hub, with
// weight files at their real size as sparse files.

#include <string>
#include <vector>

#include "gguf_writer.hpp"
#include "hub_server.hpp"

namespace vramcalc::test {

/// Llama-3.1-8B as meta-llama publishes it: config.json, generation_config.json, README.md,
/// model.safetensors.index.json and 4 BF16 shards (16 GB, sparse). Returns its folder.
std::string add_llama31_safetensors(HubServer& hub, const std::string& repo,
                                    RepoKind kind = RepoKind::normal);

/// Llama-3.2-1B-Instruct in GGUF as bartowski-style repositories publish it: Q4_K_M, Q6_K and
/// F16 files rebuilt from llama.cpp's own files (tests/data/gguf-inventories), an mmproj file
/// (not the model) and README.md. Returns its folder.
std::string add_llama32_gguf(HubServer& hub, const std::string& repo);

/// The files of the Q4_K_M, Q6_K and F16 files of add_llama32_gguf, in that order.
[[nodiscard]] std::vector<std::string> llama32_gguf_files();

/// Llama-3.2-1B F16 split by gguf-split into 3 files in the folder F16/. Returns the path of
/// the first shard.
std::string add_llama32_split_gguf(HubServer& hub, const std::string& repo);

/// Qwen2.5-7B's config.json and generation_config.json only. Returns its folder.
std::string add_qwen_config_only(HubServer& hub, const std::string& repo,
                                 RepoKind kind = RepoKind::normal);

/// Splits `model` into `count` shards as gguf-split does: all metadata in the first, split.no,
/// split.count and split.tensors.count in each, tensors dealt out in order.
[[nodiscard]] std::vector<GgufFixture> split_gguf(const GgufFixture& model, std::uint16_t count);

}  // namespace vramcalc::test
