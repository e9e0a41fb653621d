// The fast path of the safetensors readers (src/safetensors/fast_json.hpp) reads exactly what
// the reference parser reads and fails with the same messages: every seed of the fuzz corpora
// and inputs made to sit on the edges of its subset (escapes, UTF-8, odd whitespace, numbers
// it leaves to nlohmann, trailing bytes) give the same answer both ways.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "catch.hpp"
#include "io/byte_source.hpp"
#include "safetensors/safetensors_header.hpp"
#include "safetensors_writer.hpp"
#include "vramcalc/error.hpp"

using namespace vramcalc;
using safetensors::JsonPath;

namespace {

std::string header_answer(const std::string& bytes, JsonPath path) {
  const auto source = io::memory_source(bytes, "mem.safetensors");
  try {
    const auto header = safetensors::parse_header(*source, path);
    std::string text;
    for (const auto& tensor : header.tensors) {
      text += tensor.name + "|" + tensor.dtype + "|" + std::to_string(tensor.shape.size()) + "|" +
              std::to_string(tensor.data_begin) + "|" + std::to_string(tensor.bytes) + ";";
    }
    for (const auto& [key, value] : header.metadata) {
      text += key + "=" + value + ";";
    }
    return text;
  } catch (const Error& error) {
    return std::string("error: ") + error.what();
  }
}

std::string index_answer(const std::string& bytes, JsonPath path) {
  const auto source = io::memory_source(bytes, "mem.index.json");
  try {
    const auto index = safetensors::parse_index(*source, path);
    std::string text = index.total_size ? std::to_string(*index.total_size) : "-";
    for (const auto& [tensor, shard] : index.weight_map) {
      text += ";" + tensor + "=" + shard;
    }
    return text;
  } catch (const Error& error) {
    return std::string("error: ") + error.what();
  }
}

// A file around `header` text, with `data` bytes after it.
std::string file_with(const std::string& header, std::uint64_t data) {
  return test::safetensors_bytes(header, data);
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace

TEST_CASE("safetensors fast path: every seed reads the same both ways") {
  const std::filesystem::path root = std::filesystem::path(VRAMCALC_SOURCE_DIR) / "fuzz" / "corpus";
  int seeds = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root / "safetensors")) {
    const std::string bytes = read_bytes(entry.path());
    INFO(entry.path());
    CHECK(header_answer(bytes, JsonPath::fast) == header_answer(bytes, JsonPath::reference));
    ++seeds;
  }
  for (const auto& entry : std::filesystem::directory_iterator(root / "safetensors_index")) {
    const std::string bytes = read_bytes(entry.path());
    INFO(entry.path());
    CHECK(index_answer(bytes, JsonPath::fast) == index_answer(bytes, JsonPath::reference));
    ++seeds;
  }
  CHECK(seeds > 40);
}

TEST_CASE("safetensors fast path: inputs on the edges of its subset read the same both ways") {
  const std::string entry = R"("w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  const std::vector<std::string> headers = {
      "{" + entry + "}",
      "{ \t\r\n" + entry + " \n}  ",
      R"({"w\u0041":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",    // escape
      "{\"w\xc3\xa9\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",  // UTF-8
      "{\"w\xff\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",  // not UTF-8
      R"({"w":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})",
      R"({"w":{"dtype":"F32","shape":[02],"data_offsets":[0,8]}})",
      R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})",
      R"({"w":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,8]}})",
      R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":[true,null,{"a":1}]}})",
      R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},})",
      R"({"w":{"dtype":"F32","shape":[2,],"data_offsets":[0,8]}})",
      R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} x)",
      R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
      R"({"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
      R"({"__metadata__":null,"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
      R"({"__metadata__":{"format":1},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
      R"({"w":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}})",
      R"({"w":{"dtype":"F32","shape":[],"data_offsets":[0,4]}})",
      R"({})",
      R"([])",
      R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8])",
      R"("w")",
      "",
  };
  for (const auto& header : headers) {
    INFO(header);
    const std::string bytes = file_with(header, 8);
    CHECK(header_answer(bytes, JsonPath::fast) == header_answer(bytes, JsonPath::reference));
  }
  const std::vector<std::string> indexes = {
      R"({"metadata":{"total_size":8},"weight_map":{"w":"model.safetensors"}})",
      R"({"metadata":{"total_size":8.5},"weight_map":{"w":"model.safetensors"}})",
      R"({"weight_map":{"w":"model.safetensors","w":"model.safetensors"}})",
      R"({"weight_map":{"w":"../model.safetensors"}})",
      R"({"weight_map":{"w\n":"model.safetensors"}})",
      R"({"weight_map":{}} )",
      R"({"weight_map":{"w":"model.safetensors"}} [])",
  };
  for (const auto& index : indexes) {
    INFO(index);
    CHECK(index_answer(index, JsonPath::fast) == index_answer(index, JsonPath::reference));
  }
}
