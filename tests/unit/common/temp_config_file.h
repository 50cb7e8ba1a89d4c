// TempConfigFile: a strata.toml with the given contents in a fresh temporary directory, both
// removed when it goes out of scope. For the configuration tests.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <string_view>

namespace strata {

class TempConfigFile {
 public:
  explicit TempConfigFile(std::string_view contents) {
    std::string dir_template = ::testing::TempDir() + "strata_config_XXXXXX";
    dir_ = mkdtemp(dir_template.data());
    path_ = dir_ + "/strata.toml";
    std::ofstream(path_) << contents;
  }
  ~TempConfigFile() {
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }
  TempConfigFile(const TempConfigFile&) = delete;
  TempConfigFile& operator=(const TempConfigFile&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string dir_;
  std::string path_;
};

}  // namespace strata
