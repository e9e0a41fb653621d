// The GGUF header cursor's string skipping (Cursor::skip_strings): strings across the edges of
// its read windows, lengths that run past the end of the file or the header cap, array counts
// that would overflow, and how few reads a long array costs. Offsets in the parse_header
// cases are worked by hand: the fixed header is 24 bytes, key "k" 9, the value type 4, the
// element type 4 and the count 8, so the elements start at offset 49.
#include <algorithm>
#include <cstring>
#include <random>

#include "catch.hpp"
#include "gguf/gguf_cursor.hpp"
#include "gguf/gguf_parser.hpp"
#include "gguf_writer.hpp"
#include "io/byte_source.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/gguf.hpp"

using namespace vramcalc;
using namespace vramcalc::test;

namespace {

// Counts the reads and bytes a cursor asks of a source.
class CountingSource final : public io::ByteSource {
 public:
  explicit CountingSource(std::unique_ptr<io::ByteSource> inner) : m_inner(std::move(inner)) {}
  [[nodiscard]] std::uint64_t size() const override { return m_inner->size(); }
  [[nodiscard]] const std::string& name() const override { return m_inner->name(); }
  void read(std::uint64_t offset, void* out, std::size_t length) const override {
    ++m_reads;
    m_bytes += length;
    m_inner->read(offset, out, length);
  }
  [[nodiscard]] std::uint64_t reads() const { return m_reads; }
  [[nodiscard]] std::uint64_t bytes_read() const { return m_bytes; }

 private:
  std::unique_ptr<io::ByteSource> m_inner;
  mutable std::uint64_t m_reads = 0;
  mutable std::uint64_t m_bytes = 0;
};

// `size` bytes of zeros without holding them: empty strings all the way.
class ZeroSource final : public io::ByteSource {
 public:
  explicit ZeroSource(std::uint64_t size) : m_size(size) {}
  [[nodiscard]] std::uint64_t size() const override { return m_size; }
  [[nodiscard]] const std::string& name() const override { return m_name; }
  void read(std::uint64_t offset, void* out, std::size_t length) const override {
    REQUIRE(offset + length <= m_size);
    std::memset(out, 0, length);
  }

 private:
  std::uint64_t m_size;
  std::string m_name = "zeros";
};

// Strings of the given lengths, back to back (the bytes are 'a').
std::string strings_of(const std::vector<std::uint64_t>& lengths) {
  std::string out;
  for (const std::uint64_t length : lengths) {
    out += le64(length) + std::string(length, 'a');
  }
  return out;
}

// What skip_strings should do, walked one string at a time: the strings skipped and the offset
// it stops at.
std::pair<std::uint64_t, std::uint64_t> walk(const std::string& bytes, std::uint64_t offset,
                                             std::uint64_t count, std::uint64_t max_bytes) {
  std::uint64_t done = 0;
  while (done < count && bytes.size() - offset >= 8) {
    std::uint64_t length = 0;
    for (std::size_t i = 0; i < 8; ++i) {
      length |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[offset + i]))
                << (8 * i);
    }
    if (length > max_bytes || length > bytes.size() - offset - 8) {
      break;
    }
    offset += 8 + length;
    ++done;
  }
  return {done, offset};
}

std::string error_of(const std::string& bytes) {
  try {
    (void)gguf::parse_header(*io::memory_source(bytes, "bad.gguf"));
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::file);
    return error.what();
  }
  return "(accepted)";
}

// A file whose one metadata pair "k" is an array of `count` strings encoded in `elements`.
std::string string_array_file(std::uint64_t count, const std::string& elements) {
  return "GGUF" + le32(3) + le64(0) + le64(1) + gguf_string("k") + le32(k_type_array) +
         le32(k_type_string) + le64(count) + elements;
}

}  // namespace

TEST_CASE("skip_strings walks strings across the edges of its read windows") {
  // 20-byte strings (28 with the length) in 32-byte windows: every length field after the
  // first lies across the edge of the window before it (the second at bytes 28..36 of the
  // window 0..32), so each window is read again from that length field.
  const std::string bytes = strings_of({20, 20, 20, 20, 0, 5}) + "tail";
  const auto source = io::memory_source(bytes);
  gguf::Cursor cursor(*source, 32);
  CHECK(cursor.skip_strings(6, 1000) == 6);
  CHECK(cursor.offset() == bytes.size() - 4);
  CHECK(cursor.read_uint<std::uint32_t>("tail") == 0x6c696174U);  // "tail" read after the walk
}

TEST_CASE("skip_strings agrees with a one-string-at-a-time walk for every window size") {
  std::mt19937_64 random(20240615);
  for (int round = 0; round < 40; ++round) {
    std::vector<std::uint64_t> lengths;
    const std::size_t count = 1 + random() % 60;
    for (std::size_t i = 0; i < count; ++i) {
      lengths.push_back(random() % 8 == 0 ? random() % 300 : random() % 24);
    }
    const std::string prefix(random() % 20, 'p');
    const std::string bytes = prefix + strings_of(lengths) + std::string(random() % 12, 'z');
    for (std::size_t window = 8; window <= 72; window += 5) {
      const auto source = io::memory_source(bytes);
      gguf::Cursor cursor(*source, window);
      if (!prefix.empty()) {
        std::string skipped(prefix.size(), '\0');
        cursor.read(skipped.data(), skipped.size(), "prefix");  // the window starts at 0
      }
      // Ask for more strings than there are: the walk must stop where the reference stops.
      const std::uint64_t asked = count + random() % 3;
      const auto [done, end] = walk(bytes, prefix.size(), asked, 200);
      INFO("round " << round << ", window " << window);
      CHECK(cursor.skip_strings(asked, 200) == done);
      CHECK(cursor.offset() == end);
    }
  }
}

TEST_CASE("skip_strings does not read the bytes of strings longer than its window") {
  const std::string bytes = strings_of({10000, 10000, 10000, 3});
  auto counting = std::make_unique<CountingSource>(io::memory_source(bytes));
  const CountingSource& source = *counting;
  gguf::Cursor cursor(source, 64);
  CHECK(cursor.skip_strings(4, k_gguf_max_string_bytes) == 4);
  CHECK(cursor.offset() == bytes.size());
  CHECK(source.reads() == 4);                // one window per length field
  CHECK(source.bytes_read() <= 3 * 64 + 11);  // the last window is cut by the end of the file
}

TEST_CASE("skip_strings stops at a length that runs past the end of the file") {
  const std::string bytes = strings_of({3, 4}) + le64(100) + std::string(50, 'x');
  const auto source = io::memory_source(bytes);
  gguf::Cursor cursor(*source, 16);
  CHECK(cursor.skip_strings(5, 1000) == 2);
  CHECK(cursor.offset() == 8 + 3 + 8 + 4);  // at the third length field, for the caller
}

TEST_CASE("skip_strings stops at a length over the limit and at a cut length field") {
  const std::string over = strings_of({3}) + le64(1001) + std::string(1001, 'x');
  const auto over_source = io::memory_source(over);
  gguf::Cursor at_limit(*over_source);
  CHECK(at_limit.skip_strings(2, 1000) == 1);
  CHECK(at_limit.offset() == 11);

  const std::string cut = strings_of({3}) + std::string("\x05\x00\x00\x00", 4);
  const auto cut_source = io::memory_source(cut);
  gguf::Cursor at_end(*cut_source, 8);
  CHECK(at_end.skip_strings(2, 1000) == 1);
  CHECK(at_end.offset() == 11);
}

TEST_CASE("skip_strings stops at the header cap and handles any count") {
  // 200 MiB of empty strings: the walk stops at 128 MiB (k_gguf_max_header_bytes), where the
  // caller's checks report the cap. An array count near 2^64 stops there too.
  const ZeroSource zeros(200ULL << 20);
  gguf::Cursor cursor(zeros);
  CHECK(cursor.skip_strings(UINT64_MAX, k_gguf_max_string_bytes) == k_gguf_max_header_bytes / 8);
  CHECK(cursor.offset() == k_gguf_max_header_bytes);
  CHECK(cursor.skip_strings(UINT64_MAX, k_gguf_max_string_bytes) == 0);
}

TEST_CASE("a skipped GGUF string array is checked string by string") {
  // 70,000 strings: longer than the 65,536 elements kept, so walked by skip_strings. The
  // last string starts at 49 + 69,999 x 8 = 560,041.
  const std::string empties(69999 * 8, '\0');
  CHECK(error_of(string_array_file(70000, empties + le64(100) + std::string(50, 'x'))) ==
        "bad.gguf: truncated: metadata 'k' element of 100 bytes at offset 560049 needs 100 "
        "bytes but only 50 remain (file size 560099)");
  CHECK(error_of(string_array_file(70000, empties + le64((1ULL << 30) + 1))) ==
        "bad.gguf: metadata 'k' element length 1073741825 at offset 560041 exceeds the limit "
        "of 1073741824 bytes");
  // A 10-byte first string moves the last length field to 560,051, cut after 4 bytes.
  CHECK(error_of(string_array_file(70000, le64(10) + std::string(10, 'a') +
                                              std::string(69998 * 8, '\0') +
                                              std::string("\1\0\0\0", 4))) ==
        "bad.gguf: truncated: metadata 'k' element length at offset 560051 needs 8 bytes but "
        "only 4 remain (file size 560055)");
}

TEST_CASE("GGUF string array counts that would overflow are rejected before any walk") {
  // count x 8 wraps to 0 for 2^61: the element cap (2^30) is checked first.
  CHECK(error_of(string_array_file(1ULL << 61, std::string(64, '\0'))) ==
        "bad.gguf: metadata 'k': array of 2305843009213693952 elements at offset 41 exceeds "
        "the limit of 1073741824");
  CHECK(error_of(string_array_file(UINT64_MAX, std::string(64, '\0'))) ==
        "bad.gguf: metadata 'k': array of 18446744073709551615 elements at offset 41 exceeds "
        "the limit of 1073741824");
  CHECK(error_of(string_array_file(1ULL << 30, std::string(64, '\0'))) ==
        "bad.gguf: truncated: metadata 'k': array of 1073741824 STRING elements at offset 49 "
        "needs 8589934592 bytes but only 64 remain (file size 113)");
}

TEST_CASE("a long GGUF string array costs one read per window and keeps only its length") {
  // 300,000 strings of 1 to 16 bytes (about 5 MB), then a key that must still be read.
  std::vector<std::uint64_t> lengths;
  for (std::uint64_t i = 0; i < 300000; ++i) {
    lengths.push_back(1 + (i * 7919) % 16);
  }
  const std::string bytes = "GGUF" + le32(3) + le64(0) + le64(2) + gguf_string("k") +
                            le32(k_type_array) + le32(k_type_string) + le64(lengths.size()) +
                            strings_of(lengths) + gguf_string("after") + le32(k_type_uint32) +
                            le32(42);
  auto counting = std::make_unique<CountingSource>(io::memory_source(bytes, "long.gguf"));
  const CountingSource& source = *counting;
  const GgufHeader header = gguf::parse_header(source);
  const GgufValue& array = *find_metadata(header, "k");
  CHECK(array.length == lengths.size());
  CHECK_FALSE(array.kept);
  CHECK(array.string_values.empty());
  CHECK(gguf_uint(*find_metadata(header, "after")) == 42);
  // 64 KiB windows, each read again from a length field at most 7 bytes before the end of the
  // last: no read per string, and each byte read about once.
  CHECK(source.reads() <= 2 + bytes.size() / (gguf::k_window_bytes - 8));
  CHECK(source.bytes_read() <= bytes.size() + 8 * source.reads());
}

TEST_CASE("a kept GGUF string array that runs out of budget skips the rest") {
  // A string over 1 MiB (k_gguf_max_kept_string_bytes) is not kept: the array drops what it
  // kept and the strings after it are walked, not read.
  const std::string big(k_gguf_max_kept_string_bytes + 1, 'b');
  GgufFixture fixture;
  fixture.metadata = {kv_str_array("k", {"x", big, "y", "zz"}), kv_str("after", "read")};
  const GgufHeader header = gguf::parse_header(*io::memory_source(gguf_file_bytes(fixture)));
  const GgufValue& array = *find_metadata(header, "k");
  CHECK(array.length == 4);
  CHECK_FALSE(array.kept);
  CHECK(array.string_values.empty());
  CHECK(gguf_string(*find_metadata(header, "after")) == "read");
}
