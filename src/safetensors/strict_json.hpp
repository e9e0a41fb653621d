#pragma once
// Bookkeeping shared by the SAX readers of safetensors headers and indexes (internal header):
// the nesting depth, and duplicate keys, which nlohmann's parser accepts silently (it keeps the
// last value, as serde_json does: formats.md §4.3 item 8). The readers build their own compact
// structures from the events instead of a DOM, so a 100 MB header costs what its tensors do.

#include <cstddef>
#include <iterator>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "vramcalc/safetensors.hpp"

namespace vramcalc::safetensors::detail {

/// The open objects and arrays of a document, innermost last. `Context` says what a value
/// stands for in the reader's schema.
template <typename Context>
class FrameStack {
 public:
  struct Frame {
    Context context;
    bool object = false;
    std::string key;                       ///< objects: the key whose value comes next
    std::unordered_set<std::string> keys;  ///< objects: keys seen so far
    std::size_t items = 0;                 ///< arrays: values seen so far
  };

  /// Opens an object or array; false when it would nest deeper than k_max_json_depth.
  [[nodiscard]] bool push(Context context, bool object) {
    if (m_frames.size() >= k_max_json_depth) {
      return false;
    }
    m_frames.push_back(Frame{context, object, {}, {}, 0});
    return true;
  }

  void pop() { m_frames.pop_back(); }
  [[nodiscard]] bool empty() const { return m_frames.empty(); }
  [[nodiscard]] Frame& top() { return m_frames.back(); }
  [[nodiscard]] const Frame& top() const { return m_frames.back(); }

  /// Records `key` as the next key of the innermost object; false when the object had it.
  [[nodiscard]] bool add_key(const std::string& key) {
    Frame& frame = m_frames.back();
    frame.key = key;
    return frame.keys.insert(key).second;
  }

 private:
  std::vector<Frame> m_frames;
};

/// An iterator over the document's bytes that records how far the JSON lexer has read, so the
/// SAX handlers can say where a problem is (nlohmann's SAX events carry no position). When an
/// event arrives, the lexer has read its token and at most one byte more.
class CountingIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator() = default;
  CountingIterator(const char* at, const char** furthest) : m_at(at), m_furthest(furthest) {}

  reference operator*() const { return *m_at; }
  CountingIterator& operator++() {
    ++m_at;
    if (m_furthest != nullptr && m_at > *m_furthest) {
      *m_furthest = m_at;
    }
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const CountingIterator& other) const { return m_at == other.m_at; }
  bool operator!=(const CountingIterator& other) const { return m_at != other.m_at; }

 private:
  const char* m_at = nullptr;
  const char** m_furthest = nullptr;
};

}  // namespace vramcalc::safetensors::detail
