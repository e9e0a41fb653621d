// read_safetensors: which files make the checkpoint (a file, an index, a folder), their
// headers, and the checks across shards.
#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "io/file_set.hpp"
#include "safetensors/safetensors_files.hpp"
#include "safetensors/safetensors_header.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/safetensors.hpp"

namespace vramcalc {

namespace {

namespace fs = std::filesystem;
using safetensors::quote_name;

constexpr std::string_view k_index_name = "model.safetensors.index.json";

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

[[noreturn]] void fail(const std::string& what, const std::string& hint) {
  throw Error(ErrorKind::file, what, hint);
}

// The names in `folder` that end in `suffix` (and are longer than it), sorted.
std::vector<std::string> names_ending_in(const io::FileSet& folder, std::string_view suffix) {
  std::vector<std::string> names;
  for (std::string& name : folder.names()) {
    if (ends_with(name, suffix) && name.size() > suffix.size()) {
      names.push_back(std::move(name));
    }
  }
  return names;
}

void check_shard_count(const SafetensorsInventory& inventory, std::size_t count) {
  if (count > safetensors::k_max_shards) {
    fail(inventory.path + ": " + std::to_string(count) + " shard files, over the limit of " +
             std::to_string(safetensors::k_max_shards),
         "name the model's own folder or index");
  }
}

// Reads the header of each shard, in name order, into `inventory`; a tensor in two shards is an
// error. Returns, for each tensor name (a view into inventory.tensors, which must not change
// while it is used), the index of the shard holding it; for one shard and no `index`, nothing
// (a header holds each name once).
std::unordered_map<std::string_view, std::size_t> read_shards(SafetensorsInventory& inventory,
                                                              const io::FileSet& folder,
                                                              const std::vector<std::string>& names,
                                                              bool index = false) {
  check_shard_count(inventory, names.size());
  std::vector<std::size_t> shard_of;  // per tensor of the inventory
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string path = folder.path_of(names[i]);
    const auto source = folder.open(names[i]);
    safetensors::Header header = safetensors::parse_header(*source);
    if (inventory.tensors.size() + header.tensors.size() > safetensors::k_max_tensors) {
      fail(path + ": the checkpoint lists more than " +
               std::to_string(safetensors::k_max_tensors) + " tensors",
           "this is not a model vramcalc can size");
    }
    SafetensorsShard shard;
    shard.path = path;
    shard.file_name = names[i];
    shard.file_bytes = header.file_bytes;
    shard.header_bytes = header.header_bytes;
    shard.data_bytes = header.data_bytes;
    shard.tensor_count = header.tensors.size();
    shard.metadata = std::move(header.metadata);
    inventory.tensors.reserve(inventory.tensors.size() + header.tensors.size());
    for (SafetensorsTensor& tensor : header.tensors) {
      tensor.shard = names[i];
      inventory.tensors.push_back(std::move(tensor));
      shard_of.push_back(i);
    }
    inventory.shards.push_back(std::move(shard));
  }
  // Indexed once every shard is in: the names no longer move, so the map holds views of them.
  std::unordered_map<std::string_view, std::size_t> where;
  if (names.size() == 1 && !index) {
    return where;
  }
  where.reserve(inventory.tensors.size());
  for (std::size_t t = 0; t < inventory.tensors.size(); ++t) {
    const std::string& name = inventory.tensors[t].name;
    const auto [it, inserted] = where.emplace(name, shard_of[t]);
    if (!inserted) {
      fail("tensor " + quote_name(name) + " is in two shards, " + quote_name(names[it->second]) +
               " and " + quote_name(names[shard_of[t]]) + " (in " + folder.label() + ")",
           "a folder must hold one checkpoint: move other copies or variants elsewhere, or name "
           "the model's index");
    }
  }
  return where;
}

void read_index(SafetensorsInventory& inventory, const io::FileSet& folder,
                const std::string& index_name) {
  const std::string index_path = folder.path_of(index_name);
  inventory.index_path = index_path;
  const safetensors::Index index = safetensors::parse_index(*folder.open(index_name));
  inventory.index_total_size = index.total_size;

  std::vector<std::string> names;
  for (const auto& entry : index.weight_map) {
    names.push_back(entry.second);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  check_shard_count(inventory, names.size());
  for (const std::string& name : names) {
    if (!folder.has(name)) {
      fail(index_path + ": weight_map names shard " + quote_name(name) + ", which is not in '" +
               folder.label() + "'",
           "download the missing shard, or name a folder or file that holds the whole checkpoint");
    }
  }
  const auto where = read_shards(inventory, folder, names, true);
  for (const auto& [tensor, shard] : index.weight_map) {
    const auto found = where.find(tensor);
    if (found == where.end()) {
      fail(index_path + ": weight_map puts tensor " + quote_name(tensor) + " in " +
               quote_name(shard) + ", which does not hold it",
           "the shard and the index do not belong together; download them again");
    }
    const std::string& holder = names[found->second];
    if (holder != shard) {
      fail(index_path + ": weight_map puts tensor " + quote_name(tensor) + " in " +
               quote_name(shard) + ", but it is in " + quote_name(holder),
           "the shards and the index do not belong together; download them again");
    }
  }
}

void read_folder(SafetensorsInventory& inventory, const io::FileSet& folder) {
  if (folder.has(std::string(k_index_name))) {
    read_index(inventory, folder, std::string(k_index_name));
    return;
  }
  const auto indexes = names_ending_in(folder, ".safetensors.index.json");
  if (indexes.size() == 1) {
    read_index(inventory, folder, indexes.front());
    return;
  }
  if (indexes.size() > 1) {
    fail("'" + folder.label() + "' holds " + std::to_string(indexes.size()) +
             " safetensors indexes (" + quote_name(indexes[0]) + ", " + quote_name(indexes[1]) +
             ", ...) and none is " + std::string(k_index_name),
         "name the index to use");
  }
  const auto shards = names_ending_in(folder, ".safetensors");
  if (shards.empty()) {
    fail("'" + folder.label() + "' holds no .safetensors file",
         "name the folder that holds the model's .safetensors files");
  }
  read_shards(inventory, folder, shards);
}

void add_totals(SafetensorsInventory& inventory) {
  std::map<std::string, SafetensorsDtypeTotal> by_dtype;
  for (const SafetensorsTensor& tensor : inventory.tensors) {
    SafetensorsDtypeTotal& total = by_dtype[tensor.dtype];
    total.dtype = tensor.dtype;
    ++total.tensors;
    total.elements = checked_add(total.elements, tensor.elements, "safetensors elements");
    total.bytes = checked_add(total.bytes, tensor.bytes, "safetensors bytes");
    inventory.total_elements =
        checked_add(inventory.total_elements, tensor.elements, "safetensors elements");
    inventory.total_bytes = checked_add(inventory.total_bytes, tensor.bytes, "safetensors bytes");
  }
  for (auto& entry : by_dtype) {
    inventory.dtype_totals.push_back(std::move(entry.second));
  }
  for (const SafetensorsShard& shard : inventory.shards) {
    for (const auto& [key, value] : shard.metadata) {
      inventory.metadata.emplace(key, value);  // the first shard's value stays
    }
  }
}

}  // namespace

SafetensorsInventory read_safetensors_in(const io::FileSet& folder, const std::string& name,
                                         const std::string& label) {
  SafetensorsInventory inventory;
  inventory.path = label;
  if (name.empty()) {
    read_folder(inventory, folder);
  } else if (ends_with(name, ".json")) {
    read_index(inventory, folder, name);
  } else {
    read_shards(inventory, folder, {name});
  }
  add_totals(inventory);
  return inventory;
}

SafetensorsInventory read_safetensors(const std::string& path) {
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (error || !fs::exists(status)) {
    fail("cannot open '" + path + "': " +
             (error ? error.message() : std::string("no such file or directory")),
         "name a .safetensors file, a folder of them, or a model.safetensors.index.json");
  }
  if (fs::is_directory(status)) {
    return read_safetensors_in(*io::local_folder(path), "", path);
  }
  const fs::path file(path);
  return read_safetensors_in(*io::local_folder(file.parent_path().string()),
                             file.filename().string(), path);
}

}  // namespace vramcalc
