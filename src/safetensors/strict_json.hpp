#pragma once
// Bookkeeping shared by the SAX readers of safetensors headers and indexes (internal header):
// the nesting depth, and duplicate keys, which nlohmann's parser accepts silently (it keeps the
// last value, as serde_json does: QuintinShaw/openasr PR #73). The readers build their own compact
// structures from the events instead of a DOM, so a 100 MB header costs what its tensors do.

#include <algorithm>
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
    Context context{};
    bool object = false;
    std::string key;                       ///< objects: the key whose value comes next
    std::vector<std::string> few_keys;     ///< objects: keys seen so far, while few
    std::unordered_set<std::string> keys;  ///< objects: keys seen so far, once many
    std::size_t items = 0;                 ///< arrays: values seen so far
  };

  /// Opens an object or array; false when it would nest deeper than k_max_json_depth.
  [[nodiscard]] bool push(Context context, bool object) {
    if (m_depth >= k_max_json_depth) {
      return false;
    }
    // Frames are reused, not rebuilt: a header opens three per tensor entry.
    if (m_depth == m_frames.size()) {
      m_frames.emplace_back();
    }
    Frame& frame = m_frames[m_depth++];
    frame.context = context;
    frame.object = object;
    frame.key.clear();
    frame.few_keys.clear();
    frame.keys.clear();
    frame.items = 0;
    return true;
  }

  void pop() { --m_depth; }
  [[nodiscard]] bool empty() const { return m_depth == 0; }
  [[nodiscard]] Frame& top() { return m_frames[m_depth - 1]; }
  [[nodiscard]] const Frame& top() const { return m_frames[m_depth - 1]; }

  /// Sets the next key of the innermost object without recording it (for an object whose
  /// reader detects duplicates itself).
  void set_key(const std::string& key) { top().key = key; }

  /// Records `key` as the next key of the innermost object; false when the object had it.
  [[nodiscard]] bool add_key(const std::string& key) {
    Frame& frame = top();
    frame.key = key;
    // A tensor entry has three keys: a scan of a short list beats hashing (no allocation per
    // entry); an object with many keys (the tensors themselves) moves to a hash set.
    if (frame.keys.empty()) {
      if (std::find(frame.few_keys.begin(), frame.few_keys.end(), key) != frame.few_keys.end()) {
        return false;
      }
      if (frame.few_keys.size() < k_few_keys) {
        frame.few_keys.push_back(key);
        return true;
      }
      frame.keys.reserve(4 * k_few_keys);
      frame.keys.insert(std::make_move_iterator(frame.few_keys.begin()),
                        std::make_move_iterator(frame.few_keys.end()));
      frame.few_keys.clear();
    }
    return frame.keys.insert(key).second;
  }

 private:
  static constexpr std::size_t k_few_keys = 8;
  std::vector<Frame> m_frames;  // [0, m_depth) open; the rest kept for reuse
  std::size_t m_depth = 0;
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
