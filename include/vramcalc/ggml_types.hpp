#pragma once
/// The ggml tensor storage types (`enum ggml_type`): how many elements one block holds and how
/// many bytes it takes. GGUF files name each tensor's type by these ids; `--dtype q4_k` style
/// options name them by these names.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace vramcalc {

/// One ggml storage type. Plain types (F32, F16, BF16, I8, ...) have block_elements == 1.
struct GgmlType {
  std::uint32_t id = 0;              ///< value of `enum ggml_type`, as stored in GGUF tensor infos
  std::string_view name;             ///< upper-case name as gguf-py spells it: "Q4_K", "BF16"
  std::uint32_t block_elements = 1;  ///< elements per block (ggml `blck_size`)
  std::uint32_t block_bytes = 0;     ///< bytes per block (ggml `type_size`)
};

/// Every known type in id order. Removed ids (4, 5, 31-33, 36-38) have no entry.
[[nodiscard]] std::span<const GgmlType> ggml_types() noexcept;

/// The type with ggml id `id`, or nullptr when the id is unknown or was removed from ggml.
[[nodiscard]] const GgmlType* ggml_type_by_id(std::uint32_t id) noexcept;

/// The type called `name`, case-insensitive ("q4_k", "Q8_0", "bf16"), or nullptr.
[[nodiscard]] const GgmlType* ggml_type_by_name(std::string_view name) noexcept;

/// Storage bits per element: block_bytes * 8 / block_elements (e.g. Q4_K: 4.5).
[[nodiscard]] double ggml_bits_per_element(const GgmlType& type) noexcept;

/// Bytes of one row of `elements` values, in whole blocks: elements / block * block_bytes
/// (ggml `ggml_row_size`). Throws vramcalc::Error (kind input) when `elements` is not a multiple
/// of the block size (ggml requires ne[0] % blck_size == 0) or the result overflows 64 bits.
[[nodiscard]] std::uint64_t row_bytes(const GgmlType& type, std::uint64_t elements);

/// Bytes of a whole tensor of `shape` (innermost dimension first, as GGUF lists them):
/// row_bytes(shape[0]) * shape[1] * shape[2] * ... (ggml `ggml_nbytes` for contiguous
/// tensors). Throws vramcalc::Error (kind input) on a partial block, an empty shape or
/// overflow.
[[nodiscard]] std::uint64_t tensor_bytes(const GgmlType& type,
                                         std::span<const std::uint64_t> shape);

/// Product of `shape`, or nullopt when it overflows 64 bits. An empty shape has 1 element.
[[nodiscard]] std::optional<std::uint64_t> element_count(
    std::span<const std::uint64_t> shape) noexcept;

}  // namespace vramcalc
