#pragma once
// The inputs of issue 9 at and past the caps, built by code for the end-to-end tests and for
// the benchmark (bench/caps_bench.cpp): GGUF files with many tensors or metadata pairs,
// safetensors headers with many tensors, config.json documents and GPU databases of a given
// size. Each is a valid input of its kind, so that at the cap it exercises the whole reader.

#include <cstddef>
#include <cstdint>
#include <string>

#include "gguf_writer.hpp"

namespace vramcalc::test {

/// A small Llama GGUF (2 blocks, hidden 64) whose tensor table holds `tensors` entries in all:
/// its own 21 and F32 [8] tensors "extra.N.weight" (charged to the head).
[[nodiscard]] GgufFixture gguf_with_tensors(std::uint64_t tensors);

/// The same model with `pairs` metadata pairs in all: its own and UINT32 "extra.N".
[[nodiscard]] GgufFixture gguf_with_keys(std::uint64_t pairs);

/// Writes a small Llama GGUF whose first metadata pair is an array of `count` empty strings
/// (8 zero bytes each, written sparse): the costliest header per byte, since every element's
/// length must be read. The header is about 8 x `count` bytes.
void write_gguf_with_string_array(const std::string& path, std::uint64_t count);

/// A safetensors checkpoint folder: a tiny Llama (2 layers, hidden 8, its config.json beside)
/// whose single file lists `tensors` tensors in all, the rest F32 [1] "extra.N.weight".
/// Returns the folder.
std::string safetensors_with_tensors(const std::string& folder, std::size_t tensors);

/// The same tiny Llama checkpoint in one file whose header is `bytes` long: its tensors and a
/// `__metadata__` value that fills the rest (the costliest header in memory: the text and the
/// value are both held). Returns the folder.
std::string safetensors_with_header_bytes(const std::string& folder, std::size_t bytes);

/// A model.safetensors.index.json of `bytes` with up to `entries` tensors of long names mapped
/// to "model.safetensors" (whitespace fills what the entries leave).
[[nodiscard]] std::string index_of_bytes(std::size_t bytes, std::size_t entries);

/// The config.json of a tiny Llama, padded to `bytes` with a key holding a list of zeros (the
/// costliest JSON per byte: one value per two bytes). `bytes` >= 2048.
[[nodiscard]] std::string config_of_bytes(std::size_t bytes);

/// A GPU database of `entries` cards {"id": "card-N", "memory_gb": 24}.
[[nodiscard]] std::string gpu_db_with_entries(std::size_t entries);

/// A GPU database of `bytes` whose one card's "notes" list holds zeros: the costliest document
/// per byte the reader parses before it refuses the list (notes are strings, at most 64).
[[nodiscard]] std::string gpu_db_of_bytes(std::size_t bytes);

}  // namespace vramcalc::test
