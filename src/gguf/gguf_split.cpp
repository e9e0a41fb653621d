// Split GGUF models (llama.cpp tools/gguf-split): `<prefix>-00001-of-00003.gguf` ... with
// split.no (0-based), split.count and, in each shard, split.tensors.count (gguf-split.cpp,
// gguf-py Keys.Split).
// Shard paths are derived only from the given file's own name, in its own folder.

#include <cctype>
#include <filesystem>
#include <unordered_map>

#include <fmt/format.h>

#include "gguf/gguf_parser.hpp"
#include "io/file_set.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/error.hpp"

namespace vramcalc {

namespace {

constexpr std::string_view k_suffix = ".gguf";
// "-NNNNN-of-MMMMM": five-digit, 1-based numbers (gguf-split `%05d`).
constexpr std::size_t k_tail_length = 15;

std::optional<std::uint32_t> five_digits(std::string_view text) {
  std::uint32_t value = 0;
  for (const char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
      return std::nullopt;
    }
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return value;
}

// The integer stored under `key`, or nullopt when absent; throws when it is not a
// non-negative integer scalar.
std::optional<std::uint64_t> split_key(const GgufHeader& header, std::string_view key) {
  const GgufValue* value = find_metadata(header, key);
  if (value == nullptr) {
    return std::nullopt;
  }
  const auto number = value->type == GgufValueType::array ? std::nullopt : gguf_uint(*value);
  if (!number) {
    gguf::fail(header.source,
               std::string(key) + " is not a non-negative integer (type " +
                   std::string(gguf_value_type_name(value->type)) + ")",
               "the split metadata is corrupt; download the shards again");
  }
  return number;
}

std::uint64_t split_count(const GgufHeader& header) {
  const auto count = split_key(header, "split.count");
  if (count && *count > k_gguf_max_shards) {
    gguf::fail(
        header.source,
        "split.count " + std::to_string(*count) + " exceeds " + std::to_string(k_gguf_max_shards),
        "the split metadata is corrupt; download the shards again");
  }
  return count.value_or(1);
}

// Checks that `shard` says it is number `index` (1-based) of `count`.
void check_shard(const GgufHeader& shard, std::uint32_t index, std::uint32_t count) {
  const std::uint64_t own_count = split_count(shard);
  const auto own_no = split_key(shard, "split.no");
  if (own_count != count || !own_no || *own_no + 1 != index) {
    gguf::fail(shard.source,
               "shard metadata says split.no " +
                   (own_no ? std::to_string(*own_no) : std::string("(missing)")) +
                   " of split.count " + std::to_string(own_count) + " but the file name says " +
                   std::to_string(index) + " of " + std::to_string(count) +
                   " (split.no counts from 0)",
               "the shards come from different splits or were renamed; download them again");
  }
}

}  // namespace

std::optional<GgufSplitName> parse_gguf_split_name(std::string_view file_name) {
  if (file_name.find_first_of("/\\") != std::string_view::npos ||
      file_name.size() < k_suffix.size() + k_tail_length + 1 ||
      file_name.substr(file_name.size() - k_suffix.size()) != k_suffix) {
    return std::nullopt;
  }
  const std::string_view stem = file_name.substr(0, file_name.size() - k_suffix.size());
  const std::string_view tail = stem.substr(stem.size() - k_tail_length);
  if (tail[0] != '-' || tail.substr(6, 4) != "-of-") {
    return std::nullopt;
  }
  const auto index = five_digits(tail.substr(1, 5));
  const auto count = five_digits(tail.substr(10, 5));
  if (!index || !count || *index == 0 || *index > *count) {
    return std::nullopt;
  }
  return GgufSplitName{std::string(stem.substr(0, stem.size() - k_tail_length)), *index, *count};
}

std::string gguf_split_file_name(std::string_view prefix, std::uint32_t index,
                                 std::uint32_t count) {
  // llama.cpp llama_split_path: "%s-%05d-of-%05d.gguf".
  return fmt::format("{}-{:05d}-of-{:05d}.gguf", prefix, index, count);
}

std::vector<GgufHeader> read_gguf_shards_in(const io::FileSet& folder, const std::string& name) {
  const std::string path = folder.path_of(name);
  GgufHeader given = gguf::parse_header(*folder.open(name));
  const std::uint64_t count = split_count(given);
  if (count <= 1) {
    std::vector<GgufHeader> single;
    single.push_back(std::move(given));
    return single;
  }
  const auto split = parse_gguf_split_name(name);
  if (!split || split->count != count) {
    gguf::fail(path,
               "split.count is " + std::to_string(count) +
                   " but the file name does not follow <prefix>-NNNNN-of-" +
                   fmt::format("{:05d}", count) + ".gguf, so the other shards cannot be found",
               "keep the shard names gguf-split gave them");
  }
  check_shard(given, split->index, split->count);
  std::vector<GgufHeader> shards;
  for (std::uint32_t index = 1; index <= split->count; ++index) {
    if (index == split->index) {
      shards.push_back(given);
      continue;
    }
    const std::string sibling = gguf_split_file_name(split->prefix, index, split->count);
    if (!folder.has(sibling)) {
      gguf::fail(path,
                 "shard " + std::to_string(index) + " of " + std::to_string(split->count) +
                     " is missing: " + folder.path_of(sibling),
                 "download every file of the split model into the same folder");
    }
    shards.push_back(gguf::parse_header(*folder.open(sibling)));
    check_shard(shards.back(), index, split->count);
  }
  return shards;
}

std::vector<GgufHeader> read_gguf_shards(const std::string& path) {
  const std::filesystem::path file(path);
  return read_gguf_shards_in(*io::local_folder(file.parent_path().string()),
                             file.filename().string());
}

GgufHeader merge_gguf_shards(std::vector<GgufHeader> shards) {
  if (shards.empty()) {
    throw Error(ErrorKind::file, "a GGUF model needs at least one file");
  }
  if (shards.size() == 1) {
    return std::move(shards.front());  // one file: its header, not a copy of it
  }
  GgufHeader merged;
  merged.source = shards.front().source;
  merged.version = shards.front().version;
  merged.alignment = shards.front().alignment;
  merged.tensor_info_end = shards.front().tensor_info_end;
  merged.data_start = shards.front().data_start;
  merged.metadata = std::move(shards.front().metadata);
  merged.file_size = 0;
  std::unordered_map<std::string, std::uint32_t> seen;
  for (std::uint32_t i = 0; i < shards.size(); ++i) {
    merged.file_size = checked_add(merged.file_size, shards[i].file_size, "file size");
    for (GgufTensor& tensor : shards[i].tensors) {
      const auto [it, inserted] = seen.emplace(tensor.name, i);
      if (!inserted) {
        gguf::fail(shards[i].source,
                   "tensor " + gguf::quoted(tensor.name) + " is also in shard " +
                       std::to_string(it->second + 1) + " (" + shards[it->second].source + ")",
                   "the shards come from different splits; download them again");
      }
      tensor.shard = i;
      merged.tensors.push_back(std::move(tensor));
    }
  }
  const auto expected = split_key(merged, "split.tensors.count");
  if (expected && *expected != merged.tensors.size()) {
    gguf::fail(shards.front().source,
               "split.tensors.count says " + std::to_string(*expected) + " tensors but the " +
                   std::to_string(shards.size()) + " shards hold " +
                   std::to_string(merged.tensors.size()),
               "a shard is from another split or damaged; download them again");
  }
  merged.shard_count = static_cast<std::uint32_t>(shards.size());
  return merged;
}

}  // namespace vramcalc
