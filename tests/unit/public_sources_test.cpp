// Every source the project names must be one its users can read: a URL, a paper, a repository
// at a commit, or a file of this repository. The development machines keep reference notes in
// a folder beside the repository, which users do not have; a comment, doc or data string that
// cites a path there names a source nobody else can check. This test walks the project's text
// files and fails, naming file:line, on any such path.
#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "gguf_writer.hpp"

namespace fs = std::filesystem;

namespace {

// The paths looked for, built from parts so that this file does not contain them itself.
std::vector<std::string> outside_paths() {
  const std::string folder = std::string("sha") + "red";
  return {"../" + folder + "/", folder + "/reference", folder + "/validation",
          folder + "/gpu-truth", folder + "/design"};
}

// Folders and files of the repository that hold what the project writes: sources, headers,
// tests and their data, docs, the data files, benchmarks, fuzz targets, tools and scripts.
// fuzz/corpus is left out: its seeds are inputs (some binary), not text that cites anything.
const char* const k_roots[] = {"data",  "docs", "include", "src",   "cli",
                               "tests", "bench", "fuzz",   "tools", "scripts",
                               "cmake", "README.md", "ARCHITECTURE.md", "CMakeLists.txt"};

bool skipped_folder(const fs::path& relative) {
  const std::string name = relative.filename().string();
  return name.empty() || name.front() == '.' || name.rfind("build", 0) == 0 ||
         relative.generic_string() == "fuzz/corpus";
}

struct Scan {
  std::size_t files = 0;
  std::vector<std::string> hits;  // "file:line: path"
};

void scan_file(const fs::path& root, const fs::path& file, Scan& scan) {
  std::ifstream in(file, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.find('\0') != std::string::npos) {
    return;  // binary
  }
  ++scan.files;
  const std::string relative = fs::relative(file, root).generic_string();
  const std::vector<std::string> paths = outside_paths();
  std::istringstream lines(text);
  std::string line;
  for (std::size_t number = 1; std::getline(lines, line); ++number) {
    for (const std::string& path : paths) {
      if (line.find(path) != std::string::npos) {
        scan.hits.push_back(relative + ":" + std::to_string(number) + ": " + path);
      }
    }
  }
}

Scan scan_repository(const fs::path& root) {
  Scan scan;
  for (const char* name : k_roots) {
    const fs::path top = root / name;
    if (fs::is_regular_file(top)) {
      scan_file(root, top, scan);
      continue;
    }
    if (!fs::is_directory(top)) {
      continue;
    }
    for (auto it = fs::recursive_directory_iterator(
             top, fs::directory_options::skip_permission_denied);
         it != fs::recursive_directory_iterator(); ++it) {
      if (it->is_directory()) {
        if (skipped_folder(fs::relative(it->path(), root))) {
          it.disable_recursion_pending();
        }
      } else if (it->is_regular_file()) {
        scan_file(root, it->path(), scan);
      }
    }
  }
  std::sort(scan.hits.begin(), scan.hits.end());
  return scan;
}

}  // namespace

TEST_CASE("sources named in the project are public: no path outside the repository") {
  const fs::path root = VRAMCALC_SOURCE_DIR;
  REQUIRE(fs::is_directory(root / "src"));
  const Scan scan = scan_repository(root);
  // The walk must have read the project (a wrong root would pass vacuously).
  CHECK(scan.files > 300);
  std::string report;
  for (const std::string& hit : scan.hits) {
    report += hit + "\n";
  }
  INFO("lines citing a path outside the repository (cite the public source instead):\n"
       << report);
  CHECK(scan.hits.empty());
}

TEST_CASE("the public-sources scan finds a path outside the repository") {
  // The scan itself, on a file written here: one hit per line that names such a path.
  const vramcalc::test::TempDir temp;
  const fs::path dir = temp.path();
  fs::create_directories(dir / "docs");
  fs::create_directories(dir / "fuzz" / "corpus");
  const std::string cited = std::string("sha") + "red/reference/notes.md";
  {
    std::ofstream out(dir / "docs" / "a.md");
    out << "fine line\nsee " << cited << " section 2\nalso fine\n";
    std::ofstream seed(dir / "fuzz" / "corpus" / "seed.txt");
    seed << cited << "\n";  // fuzz seeds are not scanned
  }
  const Scan scan = scan_repository(dir);
  CHECK(scan.files == 1);
  REQUIRE(scan.hits.size() == 1);
  CHECK(scan.hits[0] == "docs/a.md:2: " + std::string("sha") + "red/reference");
}
