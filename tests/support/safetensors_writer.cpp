#include "safetensors_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "run_cli.hpp"

namespace vramcalc::test {

namespace {

// huggingface/safetensors safetensors/src/tensor.rs `Dtype::bitsize`.
const std::map<std::string, std::uint64_t> k_bits = {
    {"BOOL", 8},  {"F4", 4},     {"F6_E2M3", 6}, {"F6_E3M2", 6}, {"U8", 8},     {"I8", 8},
    {"F8_E5M2", 8}, {"F8_E4M3", 8}, {"F8_E8M0", 8}, {"I16", 16},  {"U16", 16},   {"F16", 16},
    {"BF16", 16}, {"I32", 32},   {"U32", 32},    {"F32", 32},    {"C64", 64},   {"F64", 64},
    {"I64", 64},  {"U64", 64},
};

std::string json_string(const std::string& text) {
  return nlohmann::json(text).dump();
}

std::string shape_json(const std::vector<std::uint64_t>& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    out += (i == 0 ? "" : ",") + std::to_string(shape[i]);
  }
  return out + "]";
}

std::string padded(const std::string& header) {
  std::string out = header;
  while (out.size() % 8 != 0) {
    out += ' ';
  }
  return out;
}

std::string length_bytes(std::uint64_t length) {
  std::string out(8, '\0');
  for (std::size_t i = 0; i < 8; ++i) {
    out[i] = static_cast<char>((length >> (8 * i)) & 0xffU);
  }
  return out;
}

[[noreturn]] void io_failure(const std::string& what, const std::string& path) {
  throw std::runtime_error("safetensors_writer: " + what + " '" + path + "': " +
                           std::strerror(errno));
}

}  // namespace

std::uint64_t fixture_bytes(const SafetensorsFixtureTensor& tensor) {
  std::uint64_t elements = 1;
  for (const std::uint64_t dim : tensor.shape) {
    elements *= dim;
  }
  return elements * k_bits.at(tensor.dtype) / 8;
}

std::string tensor_entry(const std::string& name, const std::string& dtype,
                         const std::vector<std::uint64_t>& shape, std::uint64_t begin,
                         std::uint64_t end) {
  return json_string(name) + ":{\"dtype\":" + json_string(dtype) +
         ",\"shape\":" + shape_json(shape) + ",\"data_offsets\":[" + std::to_string(begin) +
         "," + std::to_string(end) + "]}";
}

std::string header_json(const std::vector<SafetensorsFixtureTensor>& tensors,
                        const std::map<std::string, std::string>& metadata,
                        std::uint64_t& data_bytes) {
  std::string out = "{";
  if (!metadata.empty()) {
    out += "\"__metadata__\":" + nlohmann::json(metadata).dump();
  }
  data_bytes = 0;
  for (const SafetensorsFixtureTensor& tensor : tensors) {
    const std::uint64_t bytes = fixture_bytes(tensor);
    out += (out.size() > 1 ? "," : "") +
           tensor_entry(tensor.name, tensor.dtype, tensor.shape, data_bytes, data_bytes + bytes);
    data_bytes += bytes;
  }
  return out + "}";
}

std::string safetensors_bytes(const std::string& header, std::uint64_t data_bytes,
                              std::optional<std::uint64_t> declared_length) {
  const std::string text = padded(header);
  return length_bytes(declared_length.value_or(text.size())) + text +
         std::string(static_cast<std::size_t>(data_bytes), '\0');
}

void write_safetensors_raw(const std::string& path, const std::string& header,
                           std::uint64_t data_bytes, std::optional<std::uint64_t> declared_length) {
  const std::string head = safetensors_bytes(header, 0, declared_length);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    io_failure("cannot create", path);
  }
  const ssize_t written = ::write(fd, head.data(), head.size());
  // The data section is a hole: the file grows without a byte of it being written.
  const bool ok = written == static_cast<ssize_t>(head.size()) &&
                  ::ftruncate(fd, static_cast<off_t>(head.size() + data_bytes)) == 0;
  ::close(fd);
  if (!ok) {
    io_failure("cannot write", path);
  }
}

std::uint64_t write_safetensors(const std::string& path,
                                const std::vector<SafetensorsFixtureTensor>& tensors,
                                const std::map<std::string, std::string>& metadata) {
  std::uint64_t data_bytes = 0;
  const std::string header = header_json(tensors, metadata, data_bytes);
  write_safetensors_raw(path, header, data_bytes);
  return data_bytes;
}

std::string index_json(const std::vector<std::pair<std::string, std::string>>& weight_map,
                       std::optional<std::uint64_t> total_size) {
  std::string out = "{\n  \"metadata\": {";
  if (total_size) {
    out += "\"total_size\": " + std::to_string(*total_size);
  }
  out += "},\n  \"weight_map\": {";
  for (std::size_t i = 0; i < weight_map.size(); ++i) {
    out += (i == 0 ? "\n    " : ",\n    ") + json_string(weight_map[i].first) + ": " +
           json_string(weight_map[i].second);
  }
  return out + "\n  }\n}\n";
}

std::uint64_t write_checkpoint(const std::string& folder, const ShardFixtures& shards,
                               const std::string& index_name) {
  std::vector<std::pair<std::string, std::string>> weight_map;
  std::uint64_t total = 0;
  for (const auto& [file_name, tensors] : shards) {
    std::string path = folder;
    path += "/";
    path += file_name;
    total += write_safetensors(path, tensors);
    for (const SafetensorsFixtureTensor& tensor : tensors) {
      weight_map.emplace_back(tensor.name, file_name);
    }
  }
  if (!index_name.empty()) {
    write_file(folder + "/" + index_name, index_json(weight_map, total));
  }
  return total;
}

}  // namespace vramcalc::test
