// A FILE* writing to memory (open_memstream), read back after a flush: what the
// printers of app/ write, without a terminal or a file.
#pragma once

#include <stdio.h>
#include <stdlib.h>

#include <string>

namespace pier::test {

class MemFile {
 public:
  MemFile() : file_(::open_memstream(&data_, &size_)) {}
  ~MemFile() {
    std::fclose(file_);
    std::free(data_);
  }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  FILE* get() { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(data_, size_);
  }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  FILE* file_;
};

}  // namespace pier::test
