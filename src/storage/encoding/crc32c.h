// TEMPORARY stand-in (replaced by the encoding module).
#pragma once
#include <cstdint>
#include <string_view>
namespace strata::storage {
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);
}
