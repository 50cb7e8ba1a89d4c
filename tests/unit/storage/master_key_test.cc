#include "storage/crypto/master_key.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>

#include "test_util.h"

namespace strata::storage {
namespace {

std::string ToUpperForTest(std::string_view text) {
  std::string upper(text);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper;
}

class MasterKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = ::testing::TempDir() + "/master_key_test.XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Writes `contents` to a fresh file in the temp dir and returns its path.
  std::string WriteFile(const std::string& name, std::string_view contents) {
    const std::string path = dir_ + "/" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    return path;
  }

  static std::string RawKeyBytes() {
    std::string raw(32, '\0');
    for (size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<char>(0xa0 + i);
    return raw;
  }
  static Key ExpectedKey() {
    Key key;
    for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(0xa0 + i);
    return key;
  }
  static constexpr std::string_view kHex =
      "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";

  std::string dir_;
};

void ExpectInvalid(const Result<Key>& result, std::string_view path,
                   std::string_view expected_fragment) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  const std::string_view message = result.status().message();
  EXPECT_NE(message.find(path), std::string_view::npos) << message;
  EXPECT_NE(message.find(expected_fragment), std::string_view::npos) << message;
}

TEST_F(MasterKeyTest, LoadsRawBytes) {
  ASSERT_OK_AND_ASSIGN(Key key, LoadMasterKey(WriteFile("raw.key", RawKeyBytes())));
  EXPECT_EQ(key, ExpectedKey());
}

TEST_F(MasterKeyTest, RawKeyEndingInNewlineByteIsTakenLiterally) {
  std::string raw = RawKeyBytes();
  raw[31] = '\n';
  ASSERT_OK_AND_ASSIGN(Key key, LoadMasterKey(WriteFile("raw.key", raw)));
  EXPECT_EQ(key[31], '\n');
}

TEST_F(MasterKeyTest, LoadsHexWithAndWithoutTrailingNewline) {
  for (const std::string& contents :
       {std::string(kHex), std::string(kHex) + "\n", std::string(kHex) + "\r\n",
        std::string(kHex) + " ", ToUpperForTest(kHex) + "\n"}) {
    ASSERT_OK_AND_ASSIGN(Key key, LoadMasterKey(WriteFile("hex.key", contents)));
    EXPECT_EQ(key, ExpectedKey()) << contents;
  }
}

TEST_F(MasterKeyTest, WrongLengthIsRejected) {
  const std::string short_path = WriteFile("short.key", RawKeyBytes().substr(0, 31));
  ExpectInvalid(LoadMasterKey(short_path), short_path,
                "expected 32 raw bytes or 64 hex characters, found 31 bytes");
  const std::string long_path = WriteFile("long.key", RawKeyBytes() + "x");
  ExpectInvalid(LoadMasterKey(long_path), long_path, "found 33 bytes");
  const std::string empty_path = WriteFile("empty.key", "");
  ExpectInvalid(LoadMasterKey(empty_path), empty_path, "found 0 bytes");
  const std::string hex63_path = WriteFile("hex63.key", std::string(kHex.substr(1)) + "\n");
  ExpectInvalid(LoadMasterKey(hex63_path), hex63_path, "found 64 bytes");
}

TEST_F(MasterKeyTest, BadHexIsRejected) {
  std::string bad(kHex);
  bad[17] = 'g';
  const std::string path = WriteFile("bad.key", bad + "\n");
  ExpectInvalid(LoadMasterKey(path), path, "not valid hex");
}

TEST_F(MasterKeyTest, MissingFileIsRejected) {
  const std::string path = dir_ + "/does-not-exist.key";
  ExpectInvalid(LoadMasterKey(path), path, "cannot read master key file");
}

TEST_F(MasterKeyTest, DirectoryIsRejected) {
  ExpectInvalid(LoadMasterKey(dir_), dir_, "cannot read master key file");
}

TEST(MasterKeyFingerprintTest, IsStableShortHexAndKeyDependent) {
  Key zero{};
  // First 8 bytes of SHA-256 of 32 zero bytes.
  EXPECT_EQ(MasterKeyFingerprint(zero), "66687aadf862bd77");
  Key other{};
  other[0] = 1;
  EXPECT_NE(MasterKeyFingerprint(other), MasterKeyFingerprint(zero));
  EXPECT_EQ(MasterKeyFingerprint(other).size(), 16u);
}

}  // namespace
}  // namespace strata::storage
