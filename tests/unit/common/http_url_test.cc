#include "common/http_url.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace strata {
namespace {

TEST(HttpUrlTest, ParsesHostPortAndTarget) {
  ASSERT_OK_AND_ASSIGN(HttpUrl url, ParseHttpUrl("https://Login.Example.com/a/jwks?x=1"));
  EXPECT_TRUE(url.https);
  EXPECT_EQ(url.host, "login.example.com");
  EXPECT_EQ(url.port, 443);
  EXPECT_EQ(url.target, "/a/jwks?x=1");
  EXPECT_EQ(url.host_field, "login.example.com");

  ASSERT_OK_AND_ASSIGN(HttpUrl plain, ParseHttpUrl("http://127.0.0.1:8000"));
  EXPECT_FALSE(plain.https);
  EXPECT_EQ(plain.port, 8000);
  EXPECT_EQ(plain.target, "/");
  EXPECT_EQ(plain.host_field, "127.0.0.1:8000");

  ASSERT_OK_AND_ASSIGN(HttpUrl v6, ParseHttpUrl("http://[::1]:81?q"));
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.target, "/?q");
  EXPECT_EQ(v6.host_field, "[::1]:81");
}

TEST(HttpUrlTest, RefusesMalformedUrls) {
  for (std::string_view url :
       {"", "login.example.com/jwks", "ftp://x/", "https://", "https://:443/", "https://x:0/",
        "https://x:65536/", "https://x:/", "https://u:p@x/", "https://x/#frag", "https://x/ a",
        "https://[::1/", "https://[::1]x/", "https://x\x01/"}) {
    EXPECT_FALSE(ParseHttpUrl(url).ok()) << url;
  }
}

TEST(HttpUrlTest, PlainHttpOnlyToLoopback) {
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.8.9.10"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_FALSE(IsLoopbackHost("128.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost("localhost.example.com"));
  EXPECT_FALSE(IsLoopbackHost("10.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost("::2"));

  EXPECT_OK(ParseFetchUrl("http://127.0.0.1:9/jwks").status());
  EXPECT_OK(ParseFetchUrl("http://[::1]/jwks").status());
  EXPECT_OK(ParseFetchUrl("https://login.example.com/jwks").status());
  EXPECT_FALSE(ParseFetchUrl("http://login.example.com/jwks").ok());
  EXPECT_FALSE(ParseFetchUrl("http://192.168.1.1/jwks").ok());
}

}  // namespace
}  // namespace strata
