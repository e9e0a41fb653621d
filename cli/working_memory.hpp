#pragma once
// The memory nearly every run writes, made ready in two system calls rather than page by page.

namespace vramcalc::cli {

/// Asks the kernel to back the stack and the heap a query uses (about 60 KB of each) at once
/// (madvise MADV_POPULATE_WRITE, Linux 5.14). A page a process writes for the first time
/// otherwise costs a page fault each: about 11 µs on the reference VM against 6 µs populated
/// in a batch (docs/performance.md), 30 of them in a plain query. Best effort: where the call
/// is not supported, or the stack is not that deep yet, nothing happens and nothing fails.
void populate_working_memory() noexcept;

}  // namespace vramcalc::cli
