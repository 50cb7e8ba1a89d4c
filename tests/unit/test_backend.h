// An embedded data backend on a temporary directory, for service and server tests.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "backend/embedded/embedded_backend.h"

namespace strata::testing {

class TestBackend {
 public:
  TestBackend() {
    std::string templ = ::testing::TempDir() + "/strata_backend_XXXXXX";
    dir_ = mkdtemp(templ.data());
    storage::StorageOptions options;
    options.data_dir = dir_;
    options.manual_maintenance = true;
    Result<std::unique_ptr<backend::DataBackend>> opened = backend::OpenEmbeddedBackend(options);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (opened.ok()) backend_ = std::move(opened).value();
  }
  ~TestBackend() {
    backend_.reset();
    std::filesystem::remove_all(dir_);
  }

  backend::DataBackend& get() { return *backend_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::unique_ptr<backend::DataBackend> backend_;
};

}  // namespace strata::testing
