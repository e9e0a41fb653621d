#include "io/file_kind.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "vramcalc/error.hpp"

namespace vramcalc::io {

std::string label(const std::string& what, const std::string& path) {
  return (what.empty() ? std::string() : what + " ") + "'" + path + "'";
}

std::string file_kind_name(mode_t mode) {
  if (S_ISREG(mode)) {
    return "a regular file";
  }
  if (S_ISDIR(mode)) {
    return "a directory";
  }
  if (S_ISFIFO(mode)) {
    return "a named pipe (FIFO)";
  }
  if (S_ISCHR(mode)) {
    return "a character device";
  }
  if (S_ISBLK(mode)) {
    return "a block device";
  }
  if (S_ISSOCK(mode)) {
    return "a socket";
  }
  return "not a regular file";
}

int open_nonblocking(const std::string& path, const std::string& what, struct stat& info) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    struct stat named {};
    // open() of a socket fails with ENXIO ("No such device or address"): say what it is.
    if (error == ENXIO && ::stat(path.c_str(), &named) == 0) {
      throw Error(ErrorKind::file, label(what, path) + " is " + file_kind_name(named.st_mode),
                  "name a regular file");
    }
    throw Error(ErrorKind::file,
                (what.empty() ? "cannot open " : "cannot read ") + label(what, path) + ": " +
                    std::strerror(error),
                "check the path and permissions");
  }
  if (::fstat(fd, &info) != 0) {
    const int error = errno;
    ::close(fd);
    throw Error(ErrorKind::file, "cannot read " + label(what, path) + ": " + std::strerror(error),
                "check the path and permissions");
  }
  return fd;
}

FdCloser::~FdCloser() {
  if (m_fd >= 0) {
    ::close(m_fd);
  }
}

}  // namespace vramcalc::io
