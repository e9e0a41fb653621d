#pragma once
// Opening an input without blocking and naming what kind of file it turned out to be
// (internal header). A FIFO without a writer, a device or a socket must be refused at once,
// never waited on or read without end.

#include <sys/stat.h>

#include <string>

namespace vramcalc::io {

/// "a named pipe (FIFO)", "a character device", "a directory", ... for messages.
[[nodiscard]] std::string file_kind_name(mode_t mode);

/// "what 'path'" (or "'path'" when `what` is empty), for messages.
[[nodiscard]] std::string label(const std::string& what, const std::string& path);

/// Opens `path` read-only with O_NONBLOCK (a FIFO without a writer does not block the open)
/// and O_NOCTTY, and fstat()s the descriptor into `info`. Throws vramcalc::Error (kind file)
/// naming label(what, path) when it cannot be opened. The caller owns the descriptor.
[[nodiscard]] int open_nonblocking(const std::string& path, const std::string& what,
                                   struct stat& info);

/// Closes `fd` on scope exit.
class FdCloser {
 public:
  explicit FdCloser(int fd) : m_fd(fd) {}
  ~FdCloser();
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int m_fd;
};

}  // namespace vramcalc::io
