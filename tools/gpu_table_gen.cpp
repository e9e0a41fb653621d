// Build-time generator: data/gpus.json -> a C++ table of the built-in cards (constant data, no
// parsing at start-up). Usage: vramcalc_gpu_table_gen data/gpus.json out.cpp
// The table holds each entry's fields as written, sorted by id, with the names each card
// answers to (src/gpu_names.cpp, the same code the library uses), so that a lookup reads no
// more than those keys; src/gpu_table.cpp turns a row into a card with the same rules as a
// --gpu-db file, and tests/unit/gpu_table_test.cpp checks that the table and the JSON give the
// same cards and the same keys.
#include <cstdio>
#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "gpu_names.hpp"

namespace {

using nlohmann::json;

// A C++ string literal for `text` (raw, with a delimiter the text does not contain).
std::string literal(const std::string& text) {
  const std::string close = ")gpu\"";
  if (text.find(close) != std::string::npos) {
    throw std::runtime_error("a string contains )gpu\"");
  }
  return "R\"gpu(" + text + ")gpu\"";
}

std::string text_or_null(const json& entry, const char* key) {
  const auto it = entry.find(key);
  return it == entry.end() || it->is_null() ? "nullptr" : literal(it->get<std::string>());
}

std::string number_or(const json& entry, const char* key, const char* absent) {
  const auto it = entry.find(key);
  if (it == entry.end() || it->is_null()) {
    return absent;
  }
  std::ostringstream out;
  out.precision(17);
  out << it->get<double>();
  return out.str();
}

// A null-terminated list as a named static array; returns its name.
std::string list(std::ostream& out, const json& entry, const char* key, std::size_t row) {
  const std::string name = std::string("k_") + key + "_" + std::to_string(row);
  out << "constexpr const char* " << name << "[] = {";
  const auto it = entry.find(key);
  if (it != entry.end() && it->is_array()) {
    for (const auto& item : *it) {
      out << literal(item.get<std::string>()) << ", ";
    }
  }
  out << "nullptr};\n";
  return name;
}

// The keys of an entry (sorted, without repeats) as a named static array; returns its name.
std::string keys(std::ostream& out, const json& entry, std::size_t row) {
  const std::string id = entry.at("id").get<std::string>();
  const auto name = entry.find("name");
  const bool named = name != entry.end() && !name->is_null() && !name->get<std::string>().empty();
  std::vector<std::string> aliases;
  if (const auto it = entry.find("aliases"); it != entry.end() && it->is_array()) {
    aliases = it->get<std::vector<std::string>>();
  }
  const std::string array = "k_keys_" + std::to_string(row);
  out << "constexpr const char* " << array << "[] = {";
  for (const auto& key :
       vramcalc::gpu_names::lookup_keys(id, named ? name->get<std::string>() : id, aliases)) {
    out << literal(key) << ", ";
  }
  out << "nullptr};\n";
  return array;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: vramcalc_gpu_table_gen gpus.json out.cpp\n";
    return 2;
  }
  try {
    std::ifstream in(argv[1], std::ios::binary);
    const json doc = json::parse(in);
    std::vector<json> gpus = doc.at("gpus").get<std::vector<json>>();
    std::stable_sort(gpus.begin(), gpus.end(), [](const json& a, const json& b) {
      return a.at("id").get<std::string>() < b.at("id").get<std::string>();
    });
    std::ostringstream lists;
    std::ostringstream rows;
    for (std::size_t i = 0; i < gpus.size(); ++i) {
      const json& e = gpus[i];
      const std::string aliases = list(lists, e, "aliases", i);
      const std::string natives = list(lists, e, "native_formats", i);
      const std::string defaults = list(lists, e, "default_for", i);
      const std::string sources = list(lists, e, "sources", i);
      const std::string notes = list(lists, e, "notes", i);
      const std::string lookup = keys(lists, e, i);
      const auto ecc = e.find("ecc_reserve");
      rows << "    {" << literal(e.at("id").get<std::string>()) << ", " << text_or_null(e, "name")
           << ", " << text_or_null(e, "vendor") << ", " << aliases << ", "
           << text_or_null(e, "architecture") << ", " << text_or_null(e, "form") << ", "
           << number_or(e, "launch_year", "0") << ", " << number_or(e, "memory_gb", "-1") << ", "
           << number_or(e, "usable_mib", "-1") << ", "
           << (ecc == e.end() || ecc->is_null() ? "-1" : ecc->get<bool>() ? "1" : "0") << ", "
           << number_or(e, "usable_fraction", "-1") << ", " << text_or_null(e, "memory_type")
           << ", " << number_or(e, "bandwidth_gb_s", "-1") << ", "
           << number_or(e, "fp16_tflops", "-1") << ", " << number_or(e, "fp8_tflops", "-1")
           << ", " << number_or(e, "int8_tops", "-1") << ", " << text_or_null(e, "interconnect")
           << ", " << number_or(e, "interconnect_gb_s", "-1") << ", " << text_or_null(e, "pcie")
           << ", " << (e.contains("native_formats") && !e["native_formats"].is_null() ? natives : "nullptr")
           << ", " << defaults << ", " << sources << ", " << notes << ", " << lookup << "},\n";
    }
    std::ofstream out(argv[2], std::ios::binary);
    out << "// Generated from data/gpus.json by tools/gpu_table_gen.cpp: do not edit.\n"
        << "#include \"gpu_table.hpp\"\n\nnamespace vramcalc::gpu_table {\n\nnamespace {\n\n"
        << lists.str() << "\n}  // namespace\n\nconst CardRow k_rows[] = {\n"
        << rows.str() << "};\n\nconst std::size_t k_row_count = " << gpus.size()
        << ";\n\n}  // namespace vramcalc::gpu_table\n";
    return out ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "vramcalc_gpu_table_gen: " << argv[1] << ": " << e.what() << "\n";
    return 1;
  }
}
