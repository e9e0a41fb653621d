#pragma once
// Writes safetensors checkpoints for tests and fuzz seeds: the 8-byte length, the JSON header
// and a data section that is never written (the file is extended with ftruncate, so a 20 GB
// fixture takes no disk space), model.safetensors.index.json files, and malformed variants of
// both (raw header text, a false header length, duplicate index keys).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vramcalc/error.hpp"

namespace vramcalc::test {

/// A tensor to write: dimensions outermost first, as safetensors lists them.
struct SafetensorsFixtureTensor {
  std::string name;
  std::string dtype;
  std::vector<std::uint64_t> shape;
};

/// Bytes of `tensor`: elements x bits / 8, from the writer's own dtype table (the table of
/// safetensors/src/tensor.rs, kept apart from the library's so the tests check it).
[[nodiscard]] std::uint64_t fixture_bytes(const SafetensorsFixtureTensor& tensor);

/// One header entry, `"name":{"dtype":…,"shape":[…],"data_offsets":[begin,end]}`, for
/// assembling malformed headers by hand.
[[nodiscard]] std::string tensor_entry(const std::string& name, const std::string& dtype,
                                       const std::vector<std::uint64_t>& shape,
                                       std::uint64_t begin, std::uint64_t end);

/// A valid header for `tensors` stored one after the other in this order; `data_bytes`
/// receives the size of the data section.
[[nodiscard]] std::string header_json(const std::vector<SafetensorsFixtureTensor>& tensors,
                                      const std::map<std::string, std::string>& metadata,
                                      std::uint64_t& data_bytes);

/// The bytes of a whole file in memory (data section as zeros), for memory sources and fuzz
/// seeds: length (or `declared_length` instead of the true one), `header` padded with spaces
/// to a multiple of 8 as the reference writer pads it, then `data_bytes` zeros.
[[nodiscard]] std::string safetensors_bytes(const std::string& header, std::uint64_t data_bytes,
                                            std::optional<std::uint64_t> declared_length = {});

/// Writes the same file to `path`, with the data section sparse (ftruncate, nothing written).
void write_safetensors_raw(const std::string& path, const std::string& header,
                           std::uint64_t data_bytes,
                           std::optional<std::uint64_t> declared_length = {});

/// Writes a valid file holding `tensors`; returns the size of its data section.
std::uint64_t write_safetensors(const std::string& path,
                                const std::vector<SafetensorsFixtureTensor>& tensors,
                                const std::map<std::string, std::string>& metadata = {
                                    {"format", "pt"}});

/// The text of an index mapping each tensor to a shard, in this order (a name given twice is
/// written twice), with metadata.total_size when given.
[[nodiscard]] std::string index_json(
    const std::vector<std::pair<std::string, std::string>>& weight_map,
    std::optional<std::uint64_t> total_size = {});

/// Writes `shards` (file name -> tensors) into `folder` and, when `index_name` is not empty, an
/// index of that name mapping every tensor to its shard with the true total_size. Returns the
/// total bytes of all tensors.
/// Shards to write: file name -> tensors.
using ShardFixtures = std::vector<std::pair<std::string, std::vector<SafetensorsFixtureTensor>>>;

std::uint64_t write_checkpoint(const std::string& folder, const ShardFixtures& shards,
                               const std::string& index_name = "model.safetensors.index.json");

/// The message of the vramcalc::Error that `action` throws, or "<no error>" when it throws
/// none (other exceptions propagate).
template <typename Action>
[[nodiscard]] std::string error_message(Action&& action) {
  try {
    action();
  } catch (const vramcalc::Error& error) {
    return error.what();
  }
  return "<no error>";
}

}  // namespace vramcalc::test
