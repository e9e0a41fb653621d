#include "gguf_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "vramcalc/bytes.hpp"
#include "vramcalc/ggml_types.hpp"

namespace vramcalc::test {

namespace {

// Fallback size of a tensor whose type or shape the table rejects (malformed fixtures).
constexpr std::uint64_t k_unknown_tensor_bytes = 32;

std::string array_header(std::uint32_t element_type, std::uint64_t count) {
  return le32(k_type_array) + le32(element_type) + le64(count);
}

std::uint64_t fixture_tensor_bytes(const FixtureTensor& tensor) {
  const GgmlType* type = ggml_type_by_id(tensor.type);
  if (type == nullptr || tensor.shape.empty()) {
    return k_unknown_tensor_bytes;
  }
  try {
    return vramcalc::tensor_bytes(*type, tensor.shape);
  } catch (const std::exception&) {
    return k_unknown_tensor_bytes;
  }
}

}  // namespace

std::string le16(std::uint16_t value) {
  return {static_cast<char>(value & 0xff), static_cast<char>(value >> 8)};
}

std::string le32(std::uint32_t value) {
  std::string out(4, '\0');
  for (std::size_t i = 0; i < 4; ++i) {
    out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  }
  return out;
}

std::string le64(std::uint64_t value) {
  std::string out(8, '\0');
  for (std::size_t i = 0; i < 8; ++i) {
    out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  }
  return out;
}

std::string gguf_string(std::string_view text) {
  return le64(text.size()) + std::string(text);
}

FixtureKv kv_u8(std::string key, std::uint8_t value) {
  return {std::move(key), le32(k_type_uint8) + std::string(1, static_cast<char>(value))};
}
FixtureKv kv_u16(std::string key, std::uint16_t value) {
  return {std::move(key), le32(k_type_uint16) + le16(value)};
}
FixtureKv kv_u32(std::string key, std::uint32_t value) {
  return {std::move(key), le32(k_type_uint32) + le32(value)};
}
FixtureKv kv_i32(std::string key, std::int32_t value) {
  return {std::move(key), le32(k_type_int32) + le32(static_cast<std::uint32_t>(value))};
}
FixtureKv kv_u64(std::string key, std::uint64_t value) {
  return {std::move(key), le32(k_type_uint64) + le64(value)};
}
FixtureKv kv_i64(std::string key, std::int64_t value) {
  return {std::move(key), le32(k_type_int64) + le64(static_cast<std::uint64_t>(value))};
}
FixtureKv kv_f32(std::string key, float value) {
  return {std::move(key), le32(k_type_float32) + le32(std::bit_cast<std::uint32_t>(value))};
}
FixtureKv kv_f64(std::string key, double value) {
  return {std::move(key), le32(k_type_float64) + le64(std::bit_cast<std::uint64_t>(value))};
}
FixtureKv kv_bool(std::string key, bool value) {
  return {std::move(key), le32(k_type_bool) + std::string(1, value ? '\1' : '\0')};
}
FixtureKv kv_str(std::string key, std::string_view value) {
  return {std::move(key), le32(k_type_string) + gguf_string(value)};
}

FixtureKv kv_u32_array(std::string key, const std::vector<std::uint32_t>& values) {
  std::string encoded = array_header(k_type_uint32, values.size());
  for (const std::uint32_t v : values) {
    encoded += le32(v);
  }
  return {std::move(key), std::move(encoded)};
}

FixtureKv kv_i32_array(std::string key, const std::vector<std::int32_t>& values) {
  std::string encoded = array_header(k_type_int32, values.size());
  for (const std::int32_t v : values) {
    encoded += le32(static_cast<std::uint32_t>(v));
  }
  return {std::move(key), std::move(encoded)};
}

FixtureKv kv_bool_array(std::string key, const std::vector<bool>& values) {
  std::string encoded = array_header(k_type_bool, values.size());
  for (const bool v : values) {
    encoded += v ? '\1' : '\0';
  }
  return {std::move(key), std::move(encoded)};
}

FixtureKv kv_str_array(std::string key, const std::vector<std::string>& values) {
  std::string encoded = array_header(k_type_string, values.size());
  for (const std::string& v : values) {
    encoded += gguf_string(v);
  }
  return {std::move(key), std::move(encoded)};
}

FixtureKv kv_token_array(std::string key, std::uint64_t count) {
  std::string encoded = array_header(k_type_string, count);
  for (std::uint64_t i = 0; i < count; ++i) {
    encoded += gguf_string("tok" + std::to_string(i));
  }
  return {std::move(key), std::move(encoded)};
}

FixtureKv kv_zero_array(std::string key, std::uint32_t element_type, std::uint64_t count) {
  std::uint64_t size = 0;
  switch (element_type) {
    case k_type_uint8:
    case k_type_int8:
    case k_type_bool:
      size = 1;
      break;
    case k_type_uint16:
    case k_type_int16:
      size = 2;
      break;
    case k_type_uint32:
    case k_type_int32:
    case k_type_float32:
      size = 4;
      break;
    default:
      size = 8;
  }
  return {std::move(key), array_header(element_type, count) +
                              std::string(static_cast<std::size_t>(count * size), '\0')};
}

FixtureKv kv_raw(std::string key, std::uint32_t type, std::string value_bytes) {
  return {std::move(key), le32(type) + std::move(value_bytes)};
}

FixtureLayout encode_gguf(const GgufFixture& fixture) {
  FixtureLayout layout;
  std::string& out = layout.header;
  out += fixture.magic;
  out += le32(fixture.version);
  out += le64(fixture.tensor_count.value_or(fixture.tensors.size()));
  out += le64(fixture.kv_count.value_or(fixture.metadata.size()));
  for (const FixtureKv& kv : fixture.metadata) {
    out += gguf_string(kv.key);
    out += kv.encoded;
  }
  std::uint64_t next = 0;
  for (const FixtureTensor& tensor : fixture.tensors) {
    const std::uint64_t bytes = fixture_tensor_bytes(tensor);
    const std::uint64_t offset = tensor.offset.value_or(next);
    layout.offsets.push_back(offset);
    layout.bytes.push_back(bytes);
    next = std::max(next, round_up(offset + bytes, fixture.alignment));
    out += gguf_string(tensor.name);
    out += le32(static_cast<std::uint32_t>(tensor.shape.size()));
    for (const std::uint64_t dim : tensor.shape) {
      out += le64(dim);
    }
    out += le32(tensor.type);
    out += le64(offset);
  }
  layout.data_start = round_up(out.size(), fixture.alignment);
  layout.file_size = layout.data_start + next;
  return layout;
}

void write_sparse_file(const std::string& path, std::string_view bytes, std::uint64_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error("cannot write " + path);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot extend " + path + ": " + std::strerror(errno));
  }
  ::close(fd);
}

FixtureLayout write_gguf(const std::string& path, const GgufFixture& fixture,
                         std::optional<std::uint64_t> file_size) {
  FixtureLayout layout = encode_gguf(fixture);
  write_sparse_file(path, layout.header, file_size.value_or(layout.file_size));
  return layout;
}

std::string gguf_file_bytes(const GgufFixture& fixture) {
  const FixtureLayout layout = encode_gguf(fixture);
  std::string bytes = layout.header;
  bytes.resize(static_cast<std::size_t>(layout.file_size), '\0');
  return bytes;
}

GgufFixture small_model(std::string_view arch_name, std::uint32_t layers, std::uint32_t hidden,
                        std::uint32_t type) {
  const std::string arch(arch_name);
  constexpr std::uint32_t k_vocab = 64;
  constexpr std::uint32_t k_heads = 4;
  constexpr std::uint32_t k_kv_heads = 2;
  const std::uint32_t ffn = 2 * hidden;
  const std::uint64_t kv_width = std::uint64_t{hidden} / k_heads * k_kv_heads;
  GgufFixture f;
  f.metadata = {
      kv_str("general.architecture", arch),
      kv_str("general.name", "small " + arch),
      kv_u32("general.file_type", 1),
      kv_u32(arch + ".block_count", layers),
      kv_u32(arch + ".context_length", 2048),
      kv_u32(arch + ".embedding_length", hidden),
      kv_u32(arch + ".feed_forward_length", ffn),
      kv_u32(arch + ".attention.head_count", k_heads),
      kv_u32(arch + ".attention.head_count_kv", k_kv_heads),
      kv_f32(arch + ".attention.layer_norm_rms_epsilon", 1e-5F),
      kv_str("tokenizer.ggml.model", "llama"),
      kv_token_array("tokenizer.ggml.tokens", k_vocab),
  };
  f.tensors.push_back({"token_embd.weight", {hidden, k_vocab}, type, std::nullopt});
  for (std::uint32_t i = 0; i < layers; ++i) {
    const std::string blk = "blk." + std::to_string(i) + ".";
    f.tensors.push_back({blk + "attn_norm.weight", {hidden}, k_ggml_f32, std::nullopt});
    f.tensors.push_back({blk + "attn_q.weight", {hidden, hidden}, type, std::nullopt});
    f.tensors.push_back({blk + "attn_k.weight", {hidden, kv_width}, type, std::nullopt});
    f.tensors.push_back({blk + "attn_v.weight", {hidden, kv_width}, type, std::nullopt});
    f.tensors.push_back({blk + "attn_output.weight", {hidden, hidden}, type, std::nullopt});
    f.tensors.push_back({blk + "ffn_norm.weight", {hidden}, k_ggml_f32, std::nullopt});
    f.tensors.push_back({blk + "ffn_gate.weight", {hidden, ffn}, type, std::nullopt});
    f.tensors.push_back({blk + "ffn_up.weight", {hidden, ffn}, type, std::nullopt});
    f.tensors.push_back({blk + "ffn_down.weight", {ffn, hidden}, type, std::nullopt});
  }
  f.tensors.push_back({"output_norm.weight", {hidden}, k_ggml_f32, std::nullopt});
  f.tensors.push_back({"output.weight", {hidden, k_vocab}, type, std::nullopt});
  return f;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "vramcalc-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a temporary folder: " +
                             std::string(std::strerror(errno)));
  }
  m_path = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(m_path, ignored);
}

std::string TempDir::file(std::string_view name) const {
  return (std::filesystem::path(m_path) / name).string();
}

}  // namespace vramcalc::test
