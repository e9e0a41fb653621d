#include "vramcalc/catalog.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include <nlohmann/json.hpp>

#include "vramcalc/error.hpp"
#include "vramcalc/spelling.hpp"

namespace vramcalc {

namespace embedded {
extern const std::string_view models_json;
}

namespace {

using nlohmann::json;

[[noreturn]] void entry_error(const std::string& origin, const std::string& id,
                              const std::string& what) {
  throw Error(ErrorKind::data, "model catalog " + origin + ": entry '" + id + "': " + what,
              "fix the entry (see data/models.json for the format)");
}

std::string text_field(const json& entry, const char* key, bool required, const std::string& origin,
                       const std::string& id) {
  const auto it = entry.find(key);
  if (it == entry.end() || it->is_null()) {
    if (required) {
      entry_error(origin, id, std::string("'") + key + "' is missing");
    }
    return {};
  }
  if (!it->is_string()) {
    entry_error(origin, id, std::string("'") + key + "' must be a string");
  }
  return it->get<std::string>();
}

std::vector<std::string> text_list(const json& entry, const char* key, const std::string& origin,
                                   const std::string& id) {
  std::vector<std::string> out;
  const auto it = entry.find(key);
  if (it == entry.end() || it->is_null()) {
    return out;
  }
  if (it->is_string()) {
    out.push_back(it->get<std::string>());
    return out;
  }
  if (!it->is_array()) {
    entry_error(origin, id, std::string("'") + key + "' must be a list of strings");
  }
  for (const auto& item : *it) {
    if (!item.is_string()) {
      entry_error(origin, id, std::string("'") + key + "' must be a list of strings");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

CatalogEntry parse_entry(const json& item, const std::string& origin, std::size_t index) {
  if (!item.is_object()) {
    throw Error(ErrorKind::data,
                "model catalog " + origin + ": entry " + std::to_string(index) + " is not an object",
                "fix the entry (see data/models.json for the format)");
  }
  CatalogEntry entry;
  entry.id = text_field(item, "id", false, origin, "#" + std::to_string(index));
  if (entry.id.empty()) {
    entry_error(origin, "#" + std::to_string(index), "'id' is missing or empty");
  }
  entry.name = text_field(item, "name", true, origin, entry.id);
  entry.hf_repo = text_field(item, "hf_repo", false, origin, entry.id);
  entry.aliases = text_list(item, "aliases", origin, entry.id);
  entry.sources = text_list(item, "source", origin, entry.id);
  if (entry.sources.empty()) {
    entry_error(origin, entry.id, "'source' is missing: every entry says where its facts come from");
  }
  entry.notes = text_list(item, "notes", origin, entry.id);
  entry.params_basis = text_field(item, "params_basis", false, origin, entry.id);
  if (const auto it = item.find("params"); it != item.end() && !it->is_null()) {
    if (!it->is_number_unsigned() || it->get<std::uint64_t>() == 0) {
      entry_error(origin, entry.id, "'params' must be a positive whole number or null");
    }
    entry.params = it->get<std::uint64_t>();
    if (entry.params_basis.empty()) {
      entry_error(origin, entry.id, "'params' needs a 'params_basis' saying what verified it");
    }
  }
  const auto config = item.find("config");
  if (config == item.end() || !config->is_object()) {
    entry_error(origin, entry.id, "'config' must be an object of config.json keys");
  }
  entry.config_json = config->dump();
  return entry;
}

// Variant words that name the same architecture: "Llama-3.1-8B-Instruct" is Llama 3.1 8B.
constexpr std::string_view k_variant_suffixes[] = {"instruct", "chat", "it", "base", "hf", "pt"};

// The lookup forms of a query: as given, without an organisation prefix ("meta-llama/"),
// and each without trailing variant words.
std::vector<std::string> query_keys(std::string_view name) {
  std::vector<std::string_view> forms{name};
  if (const auto slash = name.rfind('/'); slash != std::string_view::npos) {
    forms.push_back(name.substr(slash + 1));
  }
  std::vector<std::string> keys;
  for (std::string_view form : forms) {
    keys.push_back(normalize_model_name(form));
    bool stripped = true;
    while (stripped) {
      stripped = false;
      for (const auto suffix : k_variant_suffixes) {
        if (form.size() > suffix.size() + 1) {
          const auto tail = form.substr(form.size() - suffix.size());
          const char separator = form[form.size() - suffix.size() - 1];
          const bool word = separator == '-' || separator == '_' || separator == ' ' ||
                            separator == '.';
          if (word && normalize_model_name(tail) == suffix) {
            form.remove_suffix(suffix.size() + 1);
            keys.push_back(normalize_model_name(form));
            stripped = true;
          }
        }
      }
    }
  }
  return keys;
}

std::vector<std::string> entry_names(const CatalogEntry& entry) {
  std::vector<std::string> names{entry.id, entry.name};
  names.insert(names.end(), entry.aliases.begin(), entry.aliases.end());
  if (!entry.hf_repo.empty()) {
    names.push_back(entry.hf_repo);
    const auto slash = entry.hf_repo.rfind('/');
    if (slash != std::string::npos) {
      names.push_back(entry.hf_repo.substr(slash + 1));
    }
  }
  return names;
}

// Name key -> entry index, for the embedded catalog.
std::map<std::string, std::size_t> index_names(const std::vector<CatalogEntry>& entries,
                                               const std::string& origin) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    for (const auto& name : entry_names(entries[i])) {
      const std::string key = normalize_model_name(name);
      if (key.empty()) {
        continue;
      }
      const auto [it, inserted] = index.emplace(key, i);
      if (!inserted && it->second != i) {
        entry_error(origin, entries[i].id,
                    "name '" + name + "' also names entry '" + entries[it->second].id + "'");
      }
    }
  }
  return index;
}

struct Catalog {
  std::vector<CatalogEntry> entries;
  std::map<std::string, std::size_t> index;
};

const Catalog& built_in() {
  static const Catalog catalog = [] {
    Catalog c;
    c.entries = parse_catalog(embedded::models_json, "built-in");
    std::sort(c.entries.begin(), c.entries.end(),
              [](const CatalogEntry& a, const CatalogEntry& b) { return a.id < b.id; });
    c.index = index_names(c.entries, "built-in");
    return c;
  }();
  return catalog;
}

}  // namespace

std::string normalize_model_name(std::string_view name) {
  std::string key;
  for (const char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return key;
}

std::vector<CatalogEntry> parse_catalog(std::string_view json_text, const std::string& origin) {
  json document;
  try {
    document = json::parse(json_text.begin(), json_text.end());
  } catch (const json::exception& e) {
    throw Error(ErrorKind::data, "model catalog " + origin + " is not valid JSON: " + e.what(),
                "fix the JSON syntax");
  }
  if (!document.is_array()) {
    throw Error(ErrorKind::data, "model catalog " + origin + " must be a JSON array of entries",
                "see data/models.json for the format");
  }
  std::vector<CatalogEntry> entries;
  entries.reserve(document.size());
  for (std::size_t i = 0; i < document.size(); ++i) {
    entries.push_back(parse_entry(document[i], origin, i));
  }
  (void)index_names(entries, origin);  // rejects two entries answering to one name
  return entries;
}

const std::vector<CatalogEntry>& catalog_entries() {
  return built_in().entries;
}

const CatalogEntry& find_catalog_entry(std::string_view name) {
  const Catalog& catalog = built_in();
  for (const auto& key : query_keys(name)) {
    if (const auto it = catalog.index.find(key); it != catalog.index.end()) {
      return catalog.entries[it->second];
    }
  }
  std::vector<std::string> candidates;
  for (const auto& entry : catalog.entries) {
    candidates.push_back(entry.id);
    candidates.insert(candidates.end(), entry.aliases.begin(), entry.aliases.end());
  }
  std::string message = "unknown model '" + std::string(name) + "'";
  if (const auto suggestion = closest_name(name, candidates)) {
    message += "; did you mean '" + *suggestion + "'?";
  }
  throw Error(ErrorKind::input, message,
              "run 'vramcalc models' to list the models the catalog knows, or give the model's "
              "config.json");
}

HfConfigReading read_catalog_entry(const CatalogEntry& entry) {
  HfConfigReading reading;
  try {
    reading = read_hf_config(entry.config_json, "model catalog entry '" + entry.id + "'");
  } catch (const Error& e) {
    throw Error(ErrorKind::data, e.what(), "fix the entry's config in data/models.json");
  }
  reading.model.name = entry.name;
  reading.model.source = ModelSource::catalog;
  reading.model.source_detail = entry.id;
  reading.model.hf_repo = entry.hf_repo;
  return reading;
}

ModelSpec catalog_model(std::string_view name) {
  return read_catalog_entry(find_catalog_entry(name)).model;
}

}  // namespace vramcalc
