#pragma once
// Loader for the GGUF inventories in tests/data/gguf-inventories/: JSON descriptions of real
// GGUF files measured with llama.cpp (metadata and tensor table), rebuilt as sparse fixtures.

#include <cstdint>
#include <string>
#include <vector>

#include "gguf_writer.hpp"

namespace vramcalc::test {

/// One inventory: the file it describes, a fixture that rebuilds it, and its totals.
struct Inventory {
  std::string file;                ///< e.g. "llama32_1b.Q4_K_M.gguf"
  GgufFixture fixture;             ///< metadata and tensors as listed
  std::uint64_t file_bytes = 0;    ///< size of the measured file
  std::uint64_t tensor_bytes = 0;  ///< sum of its tensors' sizes (llama.cpp's model size)
};

/// Folder of the inventories.
std::string inventory_dir();

/// Paths of every `*.gguf.json` inventory, sorted.
std::vector<std::string> inventory_paths();

/// Reads one inventory. Integers become UINT32 (UINT64 when larger, INT32/INT64 when
/// negative), floats FLOAT32, strings STRING, JSON arrays typed arrays, and the
/// `{"__list_len__": N, "__elem__": ...}` placeholders arrays of N strings "tokI", zero
/// FLOAT32s or zero INT32s.
Inventory load_inventory(const std::string& path);

}  // namespace vramcalc::test
