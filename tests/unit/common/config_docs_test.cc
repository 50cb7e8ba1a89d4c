// Keeps docs/configuration.md in step with the option table: every option is documented
// with its default.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "common/config.h"

namespace strata {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST(ConfigDocsTest, EveryOptionIsDocumentedWithItsDefault) {
  const std::string docs = ReadFile(std::string(STRATA_SOURCE_DIR) + "/docs/configuration.md");
  ASSERT_FALSE(docs.empty());
  const Config defaults;
  for (const OptionSpec& spec : ConfigOptions()) {
    const std::string row = "| `" + std::string(spec.key) + "` |";
    const size_t at = docs.find(row);
    ASSERT_NE(at, std::string::npos) << spec.key << " is missing from docs/configuration.md";
    const std::string line = docs.substr(at, docs.find('\n', at) - at);
    EXPECT_NE(line.find("`" + spec.get(defaults) + "`"), std::string::npos)
        << spec.key << ": the documented default differs from " << spec.get(defaults);
  }
}

}  // namespace
}  // namespace strata
