// cli/working_memory.hpp: the stack and heap a query writes are backed before it writes them.
#include <sys/mman.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "catch.hpp"
#include "working_memory.hpp"

namespace {

long minor_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

bool populate_supported() {
#ifdef MADV_POPULATE_WRITE
  void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  const bool ok = madvise(page, 4096, MADV_POPULATE_WRITE) == 0;
  munmap(page, 4096);
  return ok;
#else
  return false;
#endif
}

// Writes `bytes` of stack below the caller's frame; returns the faults that took.
[[gnu::noinline]] long write_stack(std::size_t bytes) {
  char* area = static_cast<char*>(__builtin_alloca(bytes));
  const long before = minor_faults();
  std::memset(area, 1, bytes);
  asm volatile("" : : "r"(area) : "memory");
  return minor_faults() - before;
}

}  // namespace

TEST_CASE("working memory: the stack a query writes is backed beforehand") {
  if (!populate_supported()) {
    WARN("madvise(MADV_POPULATE_WRITE) needs Linux 5.14: not checked");
    return;
  }
  vramcalc::cli::populate_working_memory();
  // 40 KB, within the 60 KB populated below this frame (less what the calls take).
  CHECK(write_stack(40 * 1024) == 0);
}

#if !defined(__SANITIZE_ADDRESS__)  // ASan's allocator keeps freed blocks aside (quarantine)
TEST_CASE("working memory: the next heap blocks are backed beforehand") {
  if (!populate_supported()) {
    WARN("madvise(MADV_POPULATE_WRITE) needs Linux 5.14: not checked");
    return;
  }
  vramcalc::cli::populate_working_memory();
  const long before = minor_faults();
  char* block = static_cast<char*>(std::malloc(40 * 1024));
  REQUIRE(block != nullptr);
  std::memset(block, 1, 40 * 1024);
  const long faults = minor_faults() - before;
  std::free(block);
  CHECK(faults == 0);
}
#endif
