#include "io/byte_source.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "io/file_kind.hpp"
#include "vramcalc/error.hpp"

namespace vramcalc::io {

namespace {

[[noreturn]] void out_of_range(const std::string& name, std::uint64_t offset, std::size_t length,
                               std::uint64_t size) {
  throw Error(ErrorKind::file,
              name + ": truncated: " + std::to_string(length) + " bytes needed at offset " +
                  std::to_string(offset) + " but the file has " + std::to_string(size),
              "the file is incomplete or not what its name says; download it again");
}

bool in_range(std::uint64_t offset, std::size_t length, std::uint64_t size) {
  return offset <= size && length <= size - offset;
}

class FileSource final : public ByteSource {
 public:
  FileSource(int fd, std::uint64_t size, std::string name)
      : m_fd(fd), m_size(size), m_name(std::move(name)) {}
  ~FileSource() override { ::close(m_fd); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  [[nodiscard]] std::uint64_t size() const override { return m_size; }
  [[nodiscard]] const std::string& name() const override { return m_name; }

  void read(std::uint64_t offset, void* out, std::size_t length) const override {
    if (!in_range(offset, length, m_size)) {
      out_of_range(m_name, offset, length, m_size);
    }
    auto* cursor = static_cast<char*>(out);
    std::size_t done = 0;
    while (done < length) {
      const ssize_t n = ::pread(m_fd, cursor + done, length - done,
                                static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        throw Error(ErrorKind::file,
                    m_name + ": read failed at offset " + std::to_string(offset + done) + ": " +
                        (n == 0 ? std::string("unexpected end of file") : std::strerror(errno)),
                    "check that the file is readable and complete");
      }
      done += static_cast<std::size_t>(n);
    }
  }

 private:
  int m_fd;
  std::uint64_t m_size;
  std::string m_name;
};

class MemorySource final : public ByteSource {
 public:
  MemorySource(std::string_view bytes, std::string name)
      : m_bytes(bytes), m_name(std::move(name)) {}
  [[nodiscard]] std::uint64_t size() const override { return m_bytes.size(); }
  [[nodiscard]] const std::string& name() const override { return m_name; }
  void read(std::uint64_t offset, void* out, std::size_t length) const override {
    if (!in_range(offset, length, m_bytes.size())) {
      out_of_range(m_name, offset, length, m_bytes.size());
    }
    if (length != 0) {
      std::memcpy(out, m_bytes.data() + offset, length);
    }
  }

 private:
  std::string_view m_bytes;
  std::string m_name;
};

}  // namespace

std::unique_ptr<ByteSource> open_file(const std::string& path) {
  // O_NONBLOCK: a FIFO without a writer would block open() forever. Model files are read by
  // random access, so only a regular file will do; the descriptor itself is checked (fstat),
  // not the name, so nothing can be swapped in between.
  struct stat info {};
  const int fd = open_nonblocking(path, "", info);
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    throw Error(ErrorKind::file, "'" + path + "' is " + file_kind_name(info.st_mode) +
                                     ", not a regular file",
                "name a model file (or the folder holding it where a folder is accepted); "
                "vramcalc reads model files by random access, so copy a pipe's content to a "
                "file first");
  }
  return std::make_unique<FileSource>(fd, static_cast<std::uint64_t>(info.st_size), path);
}

std::unique_ptr<ByteSource> memory_source(std::string_view bytes, std::string name) {
  return std::make_unique<MemorySource>(bytes, std::move(name));
}

}  // namespace vramcalc::io
