#pragma once
/// The model catalog: popular open models with their Hugging Face config.json keys, embedded
/// in the binary (data/models.json). Each entry's config goes through the same reader as a
/// config file (hf_config.hpp), so a catalog model is exactly what its config describes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vramcalc/hf_config.hpp"
#include "vramcalc/model.hpp"

namespace vramcalc {

struct CatalogEntry {
  std::string id;                    ///< unique, e.g. "llama-3.1-8b"
  std::string name;                  ///< display name, e.g. "Llama 3.1 8B"
  std::vector<std::string> aliases;  ///< other names it answers to ("llama3.1-8b-instruct")
  std::string hf_repo;               ///< e.g. "meta-llama/Llama-3.1-8B"
  std::vector<std::string> sources;  ///< where the config facts come from
  std::optional<std::uint64_t> params;  ///< verified parameter count (see params_basis)
  std::string params_basis;          ///< what `params` was verified against
  std::vector<std::string> notes;
  std::string config_json;           ///< the entry's config.json keys, compact JSON
};

/// Parses a catalog document (a JSON array of entries). `origin` names it in messages.
/// Throws vramcalc::Error (kind data) naming the entry and key at fault, or when two entries
/// answer to the same name.
[[nodiscard]] std::vector<CatalogEntry> parse_catalog(std::string_view json_text,
                                                      const std::string& origin);

/// The embedded catalog, sorted by id (parsed once). Throws vramcalc::Error (kind data) if
/// it is broken.
[[nodiscard]] const std::vector<CatalogEntry>& catalog_entries();

/// Lowercases and keeps letters and digits only: "Llama-3.1 8B" -> "llama318b". Lookups
/// compare names in this form.
[[nodiscard]] std::string normalize_model_name(std::string_view name);

/// The entry `name` designates, forgivingly: id, display name, alias or Hugging Face repo,
/// ignoring case, dashes, dots and spaces ("llama3.1-8b", "Llama-3.1-8B",
/// "meta-llama/Llama-3.1-8B"), an organisation prefix, and variant suffixes (-Instruct,
/// -Chat, -it, -base, -hf). Throws vramcalc::Error (kind input) for an unknown name, with
/// "did you mean" and a hint to run `vramcalc models`.
[[nodiscard]] const CatalogEntry& find_catalog_entry(std::string_view name);

/// Reads an entry's config: the model with source catalog, the entry's display name and
/// id, and the reader's notes and quantization facts. Throws vramcalc::Error (kind data)
/// when the entry's config is malformed.
[[nodiscard]] HfConfigReading read_catalog_entry(const CatalogEntry& entry);

/// read_catalog_entry(find_catalog_entry(name)).model.
[[nodiscard]] ModelSpec catalog_model(std::string_view name);

}  // namespace vramcalc
