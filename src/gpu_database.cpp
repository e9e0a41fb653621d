#include "vramcalc/gpu.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "gpu_entry.hpp"
#include "gpu_names.hpp"
#include "gpu_table.hpp"
#include "io/json_nesting.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/escape.hpp"
#include "vramcalc/spelling.hpp"

namespace vramcalc {


namespace {

using nlohmann::json;

// Every normalized key a card answers to: id, name, aliases, each also without brand words.
std::set<std::string> lookup_keys(const GpuSpec& gpu) {
  return gpu_names::lookup_keys(gpu.id, gpu.name, gpu.aliases);
}

std::string describe(const GpuSpec& gpu) {
  return gpu.id + " (" + std::to_string(gpu.usable_bytes / k_mib) + " MiB)";
}

json parse_document(std::string_view json_text, const std::string& origin) {
  // The database nests three levels ({"gpus": [{...}]}); 32 leaves room and refuses a hostile
  // file before the parser recurses into it.
  constexpr std::size_t k_max_nesting = 32;
  if (detail::json_nesting_depth(json_text, k_max_nesting) > k_max_nesting) {
    throw Error(ErrorKind::file,
                "GPU database " + origin + " nests JSON more than " +
                    std::to_string(k_max_nesting) + " levels deep",
                "an entry is a flat object: {\"id\": ..., \"memory_gb\": ...}");
  }
  try {
    return json::parse(json_text.begin(), json_text.end());
  } catch (const json::exception& e) {  // syntax errors, and numbers out of range
    throw Error(ErrorKind::file, "GPU database " + origin + " is not valid JSON: " + e.what(),
                "check the file with a JSON validator (e.g. jq . FILE)");
  }
}

[[noreturn]] void document_error(const std::string& origin, const std::string& what) {
  throw Error(ErrorKind::data, "GPU database " + origin + ": " + what,
              "write {\"schema_version\": 1, \"gpus\": [{\"id\": ..., \"memory_gb\": ...}]} "
              "or a plain list of entries");
}

// A document {"schema_version": 1, "about": "...", "gpus": [...]} checked key by key.
void check_top_level(const json& document, const std::string& origin) {
  for (const auto& [key, value] : document.items()) {
    if (key == "gpus" || key == "about") {
      continue;
    }
    if (key != "schema_version") {
      document_error(origin, "unknown top-level key '" + key + "'");
    }
    if (!value.is_number_integer() || value.get<std::int64_t>() != k_gpu_db_schema_version) {
      document_error(origin, "'schema_version' " + value.dump() +
                                 " is not a version this vramcalc reads (it reads " +
                                 std::to_string(k_gpu_db_schema_version) + ")");
    }
  }
  const auto about = document.find("about");
  if (about != document.end() && !about->is_string()) {
    document_error(origin, "'about' must be a string");
  }
}

// The list of entries: the document itself, or its "gpus".
const json& entry_list(const json& document, const std::string& origin) {
  const json* entries = &document;
  if (document.is_object()) {
    const auto it = document.find("gpus");
    if (it == document.end()) {
      document_error(origin, "has no \"gpus\" list");
    }
    check_top_level(document, origin);
    entries = &*it;
  }
  if (!entries->is_array()) {
    document_error(origin, "\"gpus\" must be a list");
  }
  if (entries->size() > k_gpu_db_max_entries) {
    document_error(origin, std::to_string(entries->size()) + " entries, over the limit of " +
                               std::to_string(k_gpu_db_max_entries));
  }
  return *entries;
}

}  // namespace

GpuDatabase GpuDatabase::built_in() {
  // Constant data generated from data/gpus.json at build time: no JSON to parse at start-up,
  // and no card made before it is asked for.
  GpuDatabase database;
  database.m_table_unread = true;
  return database;
}

// Both with m_lock held.
const GpuSpec& GpuDatabase::card(std::size_t index) const {
  if (!m_table_unread) {
    return m_gpus[index];
  }
  auto [it, made] = m_found.try_emplace(index);
  if (made) {
    it->second = gpu_table::card(gpu_table::k_rows[index]);
  }
  return it->second;
}

void GpuDatabase::make_all_cards() const {
  if (!m_table_unread) {
    return;
  }
  m_gpus.reserve(gpu_table::k_row_count);
  for (std::size_t i = 0; i < gpu_table::k_row_count; ++i) {
    m_gpus.push_back(gpu_table::card(gpu_table::k_rows[i]));
  }
  m_table_unread = false;
}

const std::vector<GpuSpec>& GpuDatabase::card_figures() const {
  const std::lock_guard<std::mutex> guard(m_lock.mutex);
  if (!m_figures.empty()) {
    return m_figures;
  }
  if (m_table_unread) {
    m_figures.reserve(gpu_table::k_row_count);
    for (std::size_t i = 0; i < gpu_table::k_row_count; ++i) {
      m_figures.push_back(gpu_table::card(gpu_table::k_rows[i], false));
    }
    return m_figures;
  }
  m_figures.reserve(m_gpus.size());
  for (const GpuSpec& gpu : m_gpus) {
    GpuSpec figures = gpu;
    figures.aliases.clear();
    figures.default_for.clear();
    figures.sources.clear();
    figures.notes.clear();
    m_figures.push_back(std::move(figures));
  }
  return m_figures;
}

const std::vector<GpuSpec>& GpuDatabase::gpus() const {
  const std::lock_guard<std::mutex> guard(m_lock.mutex);
  make_all_cards();
  return m_gpus;
}

void GpuDatabase::merge_json(std::string_view json_text, const std::string& origin) {
  if (json_text.size() > k_gpu_db_max_bytes) {
    throw Error(ErrorKind::file,
                "GPU database " + origin + " is " + std::to_string(json_text.size()) +
                    " bytes, over the limit of " + std::to_string(k_gpu_db_max_bytes >> 20) + " MiB",
                "name the right file; a database of every card is a few hundred kilobytes");
  }
  const json document = parse_document(json_text, origin);
  {
    const std::lock_guard<std::mutex> guard(m_lock.mutex);
    make_all_cards();
    m_figures.clear();
  }
  const json& entries = entry_list(document, origin);
  // Merged by id through a hash of the cards so far: linear in the entries, not quadratic.
  std::unordered_map<std::string_view, std::size_t> by_id;
  by_id.reserve(m_gpus.size() + entries.size());
  for (std::size_t i = 0; i < m_gpus.size(); ++i) {
    by_id.emplace(m_gpus[i].id, i);
  }
  std::vector<GpuSpec> added;
  std::unordered_set<std::string_view> seen;  // ids of this file (views into `document`)
  seen.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const json& entry = entries[i];
    const std::string& id = gpu_db::entry_id(entry, i, origin);
    if (!seen.insert(id).second) {
      gpu_db::entry_error(origin, id, "the id appears twice in this file");
    }
    if (const auto it = by_id.find(id); it != by_id.end()) {
      gpu_db::apply_entry(m_gpus[it->second], entry, origin, false);
      continue;
    }
    GpuSpec gpu;
    gpu.id = id;
    gpu_db::apply_entry(gpu, entry, origin, true);
    added.push_back(std::move(gpu));
  }
  m_gpus.insert(m_gpus.end(), std::make_move_iterator(added.begin()),
                std::make_move_iterator(added.end()));
  std::sort(m_gpus.begin(), m_gpus.end(),
            [](const GpuSpec& a, const GpuSpec& b) { return a.id < b.id; });
}

GpuMatch GpuDatabase::resolve(std::string_view name) const {
  // While the cards are the built-in table's, its rows answer (ids and keys compiled in), and
  // only the cards found are made.
  const std::lock_guard<std::mutex> guard(m_lock.mutex);
  const bool table = m_table_unread;
  const std::size_t count = table ? gpu_table::k_row_count : m_gpus.size();
  const auto id_of = [&](std::size_t i) -> std::string_view {
    return table ? std::string_view(gpu_table::k_rows[i].id) : std::string_view(m_gpus[i].id);
  };
  // An exact id wins outright (the cards are sorted by id).
  std::size_t low = 0;
  std::size_t high = count;
  while (low < high) {
    const std::size_t middle = low + (high - low) / 2;
    if (id_of(middle) < name) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  if (low < count && id_of(low) == name) {
    return {&card(low), {}};
  }
  const std::string key = gpu_names::strip_brands(normalize_gpu_name(name));
  if (key.empty()) {
    const std::string quoted = "GPU name '" + std::string(name) + "'";
    throw Error(ErrorKind::input,
                name.empty()               ? std::string("GPU name is empty")
                : !is_valid_utf8(name)     ? quoted + " is not valid UTF-8"
                                           : quoted + " has no letters or digits",
                "name a card, e.g. --gpu L4; 'vramcalc gpus' lists them");
  }
  std::vector<const GpuSpec*> matches;
  for (std::size_t i = 0; i < count; ++i) {
    if (table ? gpu_table::answers_to(gpu_table::k_rows[i], key)
              : lookup_keys(m_gpus[i]).count(key) != 0) {
      matches.push_back(&card(i));
    }
  }
  if (matches.size() == 1) {
    return {matches.front(), {}};
  }
  if (matches.empty()) {
    std::vector<std::string> names;
    make_all_cards();
    for (const auto& gpu : m_gpus) {
      names.push_back(gpu.id);
      names.insert(names.end(), gpu.aliases.begin(), gpu.aliases.end());
    }
    const auto suggestion = closest_name(name, names);
    throw Error(ErrorKind::input, "unknown GPU '" + std::string(name) + "'",
                (suggestion ? "did you mean '" + *suggestion + "'? " : std::string()) +
                    "'vramcalc gpus' lists the known cards; --vram SIZE stands for any other");
  }
  const bool same_memory = std::all_of(matches.begin(), matches.end(), [&](const GpuSpec* gpu) {
    return gpu->usable_bytes == matches.front()->usable_bytes;
  });
  if (same_memory) {
    for (const GpuSpec* gpu : matches) {
      for (const auto& covered : gpu->default_for) {
        if (normalize_gpu_name(covered) == key) {
          GpuMatch match{gpu, {}};
          for (const GpuSpec* other : matches) {
            if (other != gpu) {
              match.variants.push_back(other);
            }
          }
          return match;
        }
      }
    }
  }
  std::string listing;
  for (const GpuSpec* gpu : matches) {
    listing += (listing.empty() ? "" : ", ") + describe(*gpu);
  }
  throw Error(ErrorKind::input,
              "GPU name '" + std::string(name) + "' is ambiguous: it covers " + listing,
              "name one of them, e.g. --gpu " + matches.front()->id);
}

void check_usable_memory(std::uint64_t usable_bytes, const std::string& what) {
  if (usable_bytes < k_min_usable_bytes) {
    throw Error(ErrorKind::input,
                what + " is " + std::to_string(usable_bytes) +
                    " bytes, less than 64 MiB: no model runs on a card that small",
                "give the card's usable memory with a unit, e.g. --vram 24GB or 22.5GiB");
  }
}

GpuSpec custom_gpu(std::uint64_t usable_bytes) {
  GpuSpec gpu;
  gpu.id = "custom";
  gpu.name = "custom card (--vram)";
  gpu.memory_bytes = usable_bytes;
  gpu.usable_bytes = usable_bytes;
  gpu.usable_source = UsableMemorySource::user;
  gpu.origin = "command line";
  return gpu;
}

}  // namespace vramcalc
