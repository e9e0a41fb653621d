// The safetensors header parser: exact bytes per dtype, what it reads, and every malformed
// header it must reject with a message that names the tensor or key and the offset.
#include <sys/stat.h>

#include <string>
#include <vector>

#include "catch.hpp"
#include "io/byte_source.hpp"
#include "run_cli.hpp"
#include "safetensors/safetensors_header.hpp"
#include "safetensors_writer.hpp"
#include "vramcalc/error.hpp"

using namespace vramcalc;
using vramcalc::test::error_message;
using FixtureTensor = vramcalc::test::SafetensorsFixtureTensor;
using vramcalc::test::safetensors_bytes;
using vramcalc::test::tensor_entry;

namespace {

safetensors::Header parse_bytes(const std::string& bytes) {
  const auto source = io::memory_source(bytes, "mem.safetensors");
  return safetensors::parse_header(*source);
}

// The error parsing `header` (padded, with `data_bytes` of data) raises.
std::string rejection(const std::string& header, std::uint64_t data_bytes,
                      std::optional<std::uint64_t> declared_length = {}) {
  return error_message(
      [&] { (void)parse_bytes(safetensors_bytes(header, data_bytes, declared_length)); });
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A ByteSource that counts what is read from the file it wraps.
class CountingSource final : public io::ByteSource {
 public:
  explicit CountingSource(const std::string& path) : m_file(io::open_file(path)) {}
  [[nodiscard]] std::uint64_t size() const override { return m_file->size(); }
  [[nodiscard]] const std::string& name() const override { return m_file->name(); }
  void read(std::uint64_t offset, void* out, std::size_t length) const override {
    m_bytes_read += length;
    m_highest_end = std::max<std::uint64_t>(m_highest_end, offset + length);
    m_file->read(offset, out, length);
  }
  mutable std::uint64_t m_bytes_read = 0;
  mutable std::uint64_t m_highest_end = 0;

 private:
  std::unique_ptr<io::ByteSource> m_file;
};

}  // namespace

TEST_CASE("safetensors header: bytes per tensor are elements x dtype bits / 8") {
  // Hand-worked: F8_E4M3 [64, 32] = 2048 elements x 1 byte; F32 [1, 1] = 4; BF16 [64] = 128;
  // F4 [2, 6] = 12 x 4 bits = 6 bytes; F6_E2M3 [4] = 24 bits = 3; BOOL [5] = 5; C64 [3] = 24;
  // shape [] is one element (F64: 8); a 0 dimension is empty (0 bytes).
  const std::vector<FixtureTensor> tensors = {
      {"w", "F8_E4M3", {64, 32}}, {"w_scale", "F32", {1, 1}}, {"norm", "BF16", {64}},
      {"fp4", "F4", {2, 6}},      {"fp6", "F6_E2M3", {4}},    {"flags", "BOOL", {5}},
      {"complex", "C64", {3}},    {"scalar", "F64", {}},      {"empty", "F16", {0, 7}},
  };
  std::uint64_t data_bytes = 0;
  const std::string header = test::header_json(tensors, {{"format", "pt"}}, data_bytes);
  REQUIRE(data_bytes == 2048 + 4 + 128 + 6 + 3 + 5 + 24 + 8 + 0);
  const safetensors::Header parsed = parse_bytes(safetensors_bytes(header, data_bytes));

  REQUIRE(parsed.tensors.size() == 9);
  CHECK(parsed.header_bytes % 8 == 0);  // the writer pads with spaces, as the reference does
  CHECK(parsed.data_bytes == 2226);
  CHECK(parsed.file_bytes == 8 + parsed.header_bytes + 2226);
  CHECK(parsed.metadata == std::map<std::string, std::string>{{"format", "pt"}});
  // In data order (which here is the writing order).
  const struct {
    const char* name;
    std::uint64_t elements, bytes, begin;
  } expected[] = {
      {"w", 2048, 2048, 0},         {"w_scale", 1, 4, 2048},   {"norm", 64, 128, 2052},
      {"fp4", 12, 6, 2180},         {"fp6", 4, 3, 2186},       {"flags", 5, 5, 2189},
      {"complex", 3, 24, 2194},     {"scalar", 1, 8, 2218},    {"empty", 0, 0, 2226},
  };
  for (std::size_t i = 0; i < 9; ++i) {
    INFO(expected[i].name);
    CHECK(parsed.tensors[i].name == expected[i].name);
    CHECK(parsed.tensors[i].elements == expected[i].elements);
    CHECK(parsed.tensors[i].bytes == expected[i].bytes);
    CHECK(parsed.tensors[i].data_begin == expected[i].begin);
  }
  CHECK(parsed.tensors[0].shape == std::vector<std::uint64_t>{64, 32});  // as the file lists it
  CHECK(parsed.tensors[7].shape.empty());
  CHECK(parsed.tensors[3].dtype == "F4");
}

TEST_CASE("safetensors header: tensors are returned in data order whatever the JSON order") {
  const std::string header = "{" + tensor_entry("b", "F32", {2}, 8, 16) + "," +
                             tensor_entry("a", "F32", {2}, 0, 8) + "}";
  const auto parsed = parse_bytes(safetensors_bytes(header, 16));
  REQUIRE(parsed.tensors.size() == 2);
  CHECK(parsed.tensors[0].name == "a");
  CHECK(parsed.tensors[1].name == "b");
}

TEST_CASE("safetensors header: accepted variants") {
  // No tensors at all, null __metadata__ (an Option in the reference), unknown fields in a
  // tensor entry (ignored by the reference's serde structs), whitespace padding.
  CHECK(parse_bytes(safetensors_bytes("{}", 0)).tensors.empty());
  CHECK(parse_bytes(safetensors_bytes("{\"__metadata__\":null}", 0)).metadata.empty());
  const std::string extra = "{\"t\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3],"
                            "\"extra\":{\"nested\":[1,2,{\"x\":null}]}}}";
  CHECK(parse_bytes(safetensors_bytes(extra, 3)).tensors.at(0).bytes == 3);
  const std::string spaced = "  { \"t\" : { \"dtype\" : \"I64\" , \"shape\" : [ 2 ] , "
                             "\"data_offsets\" : [ 0 , 16 ] } }     ";
  CHECK(parse_bytes(safetensors_bytes(spaced, 16)).tensors.at(0).elements == 2);
}

TEST_CASE("safetensors header: only the 8 + N header bytes of a multi-GB file are read") {
  // 10 F32 tensors of 500,000,000 elements: 20,000,000,000 bytes of data that are never
  // written (the file is sparse) and never read.
  std::vector<FixtureTensor> tensors;
  tensors.reserve(10);
  for (int i = 0; i < 10; ++i) {
    tensors.push_back({"blob." + std::to_string(i), "F32", {500'000'000}});
  }
  const std::string path = test::temp_dir() + "/big.safetensors";
  REQUIRE(test::write_safetensors(path, tensors) == 20'000'000'000ULL);

  const CountingSource source(path);
  const safetensors::Header parsed = safetensors::parse_header(source);
  CHECK(parsed.data_bytes == 20'000'000'000ULL);
  CHECK(parsed.tensors.size() == 10);
  CHECK(source.m_bytes_read == 8 + parsed.header_bytes);
  CHECK(source.m_highest_end == 8 + parsed.header_bytes);
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK(static_cast<std::uint64_t>(info.st_size) == 8 + parsed.header_bytes + 20'000'000'000ULL);
  CHECK(static_cast<std::uint64_t>(info.st_blocks) * 512 < 1'000'000);  // nothing written
}

// Malformed headers. Each names the class of bug it pins: a bug of a published safetensors
// re-implementation (docs/safetensors.md names them), or a validation rule of the reference
// implementation, huggingface/safetensors safetensors/src/tensor.rs ("tensor.rs" below:
// read_metadata, Metadata::validate, and the error it returns).

TEST_CASE("safetensors header rejects: a file shorter than the 8-byte length") {
  // tensor.rs HeaderTooSmall.
  const auto message = error_message([] { (void)parse_bytes(std::string(5, '\0')); });
  CHECK(message == "mem.safetensors: the file has 5 bytes, too few for the 8-byte header length");
}

TEST_CASE("safetensors header rejects: a header length past the end of the file") {
  // fastllm #712 / nntrainer #4334: header length used without bounding it by the file size.
  const auto message = rejection("{}", 0, 1000);
  INFO(message);
  CHECK(has(message, "header length 1000 (at file offset 0) runs past the end of the file"));
  CHECK(has(message, "8 + 1000 > 16 bytes"));
}

TEST_CASE("safetensors header rejects: a header over 64 MiB even in a file that holds it") {
  // openasr #73: the header length sized an allocation (OOM); the reference caps it at
  // 100,000,000 bytes, vramcalc at 64 MiB (issue 9: within 1 s and 256 MB). The file really is
  // that big (sparse), so only the cap can refuse it, and it must refuse before allocating or
  // reading the header.
  const std::string path = test::temp_dir() + "/huge-header.safetensors";
  test::write_safetensors_raw(path, "{}", 100'000'000, 67'108'865);
  const CountingSource source(path);
  const auto message = error_message([&] { (void)safetensors::parse_header(source); });
  INFO(message);
  CHECK(has(message, "header length 67108865 (at file offset 0) is over the limit of "
                     "67108864 bytes (64 MiB)"));
  CHECK(source.m_bytes_read == 8);
}

TEST_CASE("safetensors header rejects: a header length near 2^64") {
  // fastllm #712: `new char[headerLen + 5]` wrapped for headerLen close to UINT64_MAX.
  const auto message = rejection("{}", 0, 0xFFFF'FFFF'FFFF'FFFFULL);
  INFO(message);
  CHECK(has(message, "header length 18446744073709551615 (at file offset 0) is over the limit"));
}

TEST_CASE("safetensors header rejects: text that is not JSON") {
  // tensor.rs InvalidHeaderDeserialization; the message gives the byte where it broke.
  const auto message = rejection("{\"a\": nope}", 0);
  INFO(message);
  CHECK(has(message, "mem.safetensors: header is not valid JSON at header byte"));
  CHECK(has(message, "(file offset "));
}

TEST_CASE("safetensors header rejects: bytes that are not UTF-8") {
  // tensor.rs InvalidHeader (the header must be UTF-8); the bad byte is shown escaped.
  const auto message = rejection("{\"a\xff\":{}}", 0);
  INFO(message);
  CHECK(has(message, "header is not valid JSON at header byte"));
  CHECK(!has(message, "\xff"));
}

TEST_CASE("safetensors header rejects: a document that is not an object") {
  CHECK(rejection("[1, 2]", 0) ==
        "mem.safetensors: header is a list, not a JSON object (near header byte 1, file offset 9)");
  CHECK(has(rejection("{\"t\": 5}", 0), "entry 't' is a number, not an object"));
}

TEST_CASE("safetensors header rejects: a tensor listed twice (duplicate key)") {
  // openasr #73: serde_json keeps the last of two equal keys silently; nlohmann does the same.
  const std::string header = "{" + tensor_entry("w", "F32", {2}, 0, 8) + "," +
                             tensor_entry("w", "F32", {4}, 0, 16) + "}";
  // The second "w" ends at header byte 56: 1 + 4 + the 48-byte first entry + 1 comma + 3.
  CHECK(rejection(header, 8) ==
        "mem.safetensors: tensor 'w' is listed twice (near header byte 57, file offset 65)");
}

TEST_CASE("safetensors header rejects: duplicate keys inside an entry and in __metadata__") {
  CHECK(rejection("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[1],"
                  "\"data_offsets\":[0,4]}}",
                  4) == "mem.safetensors: tensor 'w': key 'dtype' appears twice (near header byte "
                        "27, file offset 35)");
  CHECK(rejection("{\"__metadata__\":{\"format\":\"pt\",\"format\":\"np\"}}", 0) ==
        "mem.safetensors: __metadata__ key 'format' appears twice (near header byte 39, file "
        "offset 47)");
  CHECK(has(rejection("{\"w\":{\"x\":{\"k\":1,\"k\":2}}}", 0),
            "key 'k' appears twice in an object inside tensor 'w'"));
}

TEST_CASE("safetensors header rejects: __metadata__ values that are not strings") {
  // tensor.rs: __metadata__ is a string -> string map; a number fails deserialization.
  CHECK(rejection("{\"__metadata__\":{\"total\":5}}", 0) ==
        "mem.safetensors: __metadata__ value of 'total' is a number, not a string (near header "
        "byte 27, file offset 35)");
}

TEST_CASE("safetensors header rejects: an unknown dtype") {
  // ctransformers-style type confusion: a type outside the table never indexes anything.
  const auto message = rejection("{" + tensor_entry("w", "F9", {2}, 0, 2) + "}", 2);
  INFO(message);
  CHECK(has(message, "tensor 'w' (entry at header byte 5, file offset 13): unknown dtype 'F9' at "
                     "data_offsets [0, 2] (known: BOOL, F4,"));
}

TEST_CASE("safetensors header rejects: negative and fractional and huge shape entries") {
  // audio.cpp #138: negative numbers cast to size_t; tensor.rs: negatives and floats fail
  // deserialization.
  CHECK(rejection("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,-3],\"data_offsets\":[0,4]}}", 4) ==
        "mem.safetensors: tensor 'w': shape entry 1 is -3: negative (near header byte 34, file "
        "offset 42)");
  CHECK(has(rejection("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4),
            "tensor 'w': shape entry 0 is 1.5: not an integer below 2^64"));
  CHECK(has(rejection("{\"w\":{\"dtype\":\"F32\",\"shape\":[18446744073709551616],"
                      "\"data_offsets\":[0,4]}}",
                      4),
            "tensor 'w': shape entry 0 is 18446744073709551616: not an integer below 2^64"));
  CHECK(has(rejection("{\"w\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,4]}}", 4),
            "tensor 'w': shape entry 0 is a string, not a non-negative integer"));
}

TEST_CASE("safetensors header rejects: a shape whose product wraps to 0") {
  // syoyo/safetensors-cpp (LiteRT #9254): 2^32 x 2^32 wraps to exactly 0, was taken for an
  // empty tensor and skipped the offset checks.
  const auto message = rejection(
      "{" + tensor_entry("w", "F32", {4294967296ULL, 4294967296ULL}, 0, 0) + "}", 0);
  INFO(message);
  CHECK(has(message, "tensor 'w' (entry at header byte 5, file offset 13): shape "
                     "[4294967296, 4294967296] at data_offsets [0, 0] has "
                     "more than 2^64 elements"));
}

TEST_CASE("safetensors header rejects: a bit count past 2^64") {
  // ggml CVE-2026-33298 class: elements fit, elements x size does not
  // (tensor.rs ValidationOverflow).
  const auto message =
      rejection("{" + tensor_entry("w", "F32", {4'611'686'018'427'387'904ULL}, 0, 0) + "}", 0);
  INFO(message);
  CHECK(has(message, "): shape [4611686018427387904] of F32 at data_offsets [0, 0] has "
                     "more than 2^64 bits"));
}

TEST_CASE("safetensors header rejects: sub-byte tensors that are not whole bytes") {
  // tensor.rs: nelements x bits must divide by 8 (MisalignedSlice).
  CHECK(has(rejection("{" + tensor_entry("w", "F4", {3}, 0, 2) + "}", 2),
            "): shape [3] of F4 at data_offsets [0, 2] is 12 bits, not whole bytes"));
}

TEST_CASE("safetensors header rejects: data_offsets that are not exactly begin and end") {
  // fastllm #712: data_offsets[1] read without checking it exists.
  CHECK(rejection("{\"w\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0]}}", 4) ==
        "mem.safetensors: tensor 'w' (entry at header byte 5, file offset 13): data_offsets "
        "has 1 entries, not 2 ([begin, end])");
  CHECK(rejection("{\"w\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4,8]}}", 4) ==
        "mem.safetensors: tensor 'w': data_offsets has more than 2 entries (near header byte "
        "53, file offset 61)");
  CHECK(has(rejection("{\"w\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,-4]}}", 4),
            "tensor 'w': data_offsets entry 1 is -4: negative"));
  CHECK(rejection("{\"w\":{\"dtype\":\"U8\",\"shape\":[4]}}", 4) ==
        "mem.safetensors: tensor 'w' (entry at header byte 5, file offset 13): has no "
        "data_offsets");
  CHECK(rejection("{\"w\":{\"shape\":[4],\"data_offsets\":[0,4]}}", 4) ==
        "mem.safetensors: tensor 'w' (entry at header byte 5, file offset 13): has no dtype");
  CHECK(rejection("{\"w\":{\"dtype\":\"U8\",\"data_offsets\":[0,4]}}", 4) ==
        "mem.safetensors: tensor 'w' (entry at header byte 5, file offset 13): has no shape");
}

TEST_CASE("safetensors header rejects: data_offsets that end before they begin") {
  // audio.cpp #138: end < begin underflowed and defeated the `offset + size > len` guard.
  CHECK(has(rejection("{" + tensor_entry("w", "U8", {0}, 8, 4) + "}", 8),
            "): data_offsets [8, 4] end before they begin"));
}

TEST_CASE("safetensors header rejects: offsets that hold other bytes than the shape needs") {
  // fastllm #712: buffer sized from the shape but filled from the offsets ([32,8] F32 with
  // offsets [0,65536] wrote 64 KiB into 1 KiB).
  const auto message = rejection("{" + tensor_entry("w", "F32", {32, 8}, 0, 65536) + "}", 65536);
  CHECK(message == "mem.safetensors: tensor 'w' (entry at header byte 5, file offset 13): "
                   "data_offsets [0, 65536] hold 65536 bytes but shape [32, 8] of F32 needs 1024");
}

TEST_CASE("safetensors header rejects: a gap between tensors") {
  // openasr #73: gaps were accepted (tensor.rs: each begin == previous end).
  const std::string header = "{" + tensor_entry("a", "U8", {8}, 0, 8) + "," +
                             tensor_entry("b", "U8", {8}, 16, 24) + "}";
  const auto message = rejection(header, 24);
  INFO(message);
  CHECK(has(message, "tensor 'b' at data_offsets [16, 24] leaves a gap: data bytes [8, 16)"));
  CHECK(has(message, "belong to no tensor (the previous tensor, 'a', ends at 8)"));
}

TEST_CASE("safetensors header rejects: a first tensor that does not start at 0") {
  const auto message = rejection("{" + tensor_entry("a", "U8", {8}, 4, 12) + "}", 12);
  INFO(message);
  CHECK(has(message, "tensor 'a' at data_offsets [4, 12] leaves a gap: data bytes [0, 4)"));
}

TEST_CASE("safetensors header rejects: overlapping tensors") {
  // openasr #73: overlaps were accepted; two tensors must not share bytes.
  const std::string header = "{" + tensor_entry("a", "U8", {16}, 0, 16) + "," +
                             tensor_entry("b", "U8", {16}, 8, 24) + "}";
  const auto message = rejection(header, 24);
  INFO(message);
  CHECK(has(message, "tensor 'b' at data_offsets [8, 24] overlaps 'a', which ends at data "
                     "offset 16 (file offset"));
}

TEST_CASE("safetensors header rejects: a tensor past the end of the file") {
  // gomlx/go-huggingface #57: only end - begin was checked; offsets past the buffer panicked.
  const std::string header = "{" + tensor_entry("a", "U8", {8}, 0, 8) + "," +
                             tensor_entry("b", "U8", {8}, 8, 16) + "}";
  const auto message = rejection(header, 12);
  INFO(message);
  CHECK(has(message, "tensor 'b' at data_offsets [8, 16] runs past the end of the data "
                     "section, which holds 12 bytes"));
}

TEST_CASE("safetensors header rejects: bytes after the last tensor") {
  // tensor.rs MetadataIncompleteBuffer: the last offset must be the end of the file.
  const auto message = rejection("{" + tensor_entry("a", "U8", {8}, 0, 8) + "}", 20);
  INFO(message);
  CHECK(has(message, "the tensors end at data offset 8"));
  CHECK(has(message, "but the file goes on for 12 more bytes"));
}

TEST_CASE("safetensors header rejects: nesting past the depth limit") {
  // vramcalc's cap: depth limits on the JSON parse.
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  const auto message =
      rejection("{\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0],\"x\":" + deep +
                    "}}",
                0);
  INFO(message);
  CHECK(has(message, "header nests deeper than 64 levels (in tensor 'w')"));
}

TEST_CASE("safetensors header rejects: more dimensions than the cap") {
  std::string shape = "[";
  for (int i = 0; i < 65; ++i) {
    shape += (i == 0 ? "1" : ",1");
  }
  const auto message =
      rejection("{\"w\":{\"dtype\":\"U8\",\"shape\":" + shape + "],\"data_offsets\":[0,1]}}", 1);
  CHECK(has(message, "mem.safetensors: tensor 'w': shape has more than 64 dimensions (near "
                     "header byte"));
}

TEST_CASE("safetensors header: names from the file are shown with control bytes escaped") {
  // A hostile name must not put terminal escapes into the CLI's error output.
  const auto message = rejection("{\"a\\u001b[31m\":{\"dtype\":\"X\",\"shape\":[],"
                                 "\"data_offsets\":[0,0]}}",
                                 0);
  INFO(message);
  CHECK(has(message, "tensor 'a\\x1b[31m' (entry at header byte 15, file offset 23): unknown "
                     "dtype 'X'"));
  CHECK(!has(message, "\x1b"));
  // C1 controls (U+009B is CSI) too; other non-ASCII names are shown as they are.
  const std::string c1 = "{\"a\\u009b2J\u00e9\":{\"dtype\":\"X\",\"shape\":[],"
                         "\"data_offsets\":[0,0]}}";
  CHECK(has(rejection(c1, 0), "tensor 'a\\xc2\\x9b2J\u00e9'"));
}

TEST_CASE("safetensors header: errors are file errors with a hint") {
  try {
    (void)parse_bytes(std::string(3, '\0'));
    FAIL("no error");
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::file);
    CHECK(!error.hint().empty());
  }
}

TEST_CASE("safetensors dtype table: bits per element") {
  CHECK(safetensors::dtype_bits("BF16") == 16);
  CHECK(safetensors::dtype_bits("F8_E4M3") == 8);
  CHECK(safetensors::dtype_bits("F8_E5M2") == 8);
  CHECK(safetensors::dtype_bits("F8_E8M0") == 8);
  CHECK(safetensors::dtype_bits("F4") == 4);
  CHECK(safetensors::dtype_bits("F6_E3M2") == 6);
  CHECK(safetensors::dtype_bits("C64") == 64);
  CHECK(safetensors::dtype_bits("U64") == 64);
  CHECK(safetensors::dtype_bits("bf16") == 0);  // names are case-sensitive in the format
  CHECK(safetensors::dtype_bits("") == 0);
}
