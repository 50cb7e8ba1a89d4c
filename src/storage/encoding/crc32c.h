// CRC-32C (Castagnoli, iSCSI polynomial 0x1EDC6F41) checksums for blocks and log records.
// Uses the SSE4.2 crc32 instruction when the CPU has it and a slicing-by-8 table otherwise;
// both give identical results.
// Thread safety: all functions are thread-safe (the tables are immutable after static init).
#pragma once

#include <cstdint>
#include <string_view>

namespace strata::storage {

// The CRC-32C of `data`, continuing from `crc`, the CRC-32C of some preceding bytes
// (0 for none): Crc32c(b, Crc32c(a)) == Crc32c(a + b).
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);

// The table-driven implementation, exposed so tests can compare it with the hardware path.
uint32_t Crc32cPortable(std::string_view data, uint32_t crc = 0);
// True when Crc32c runs on the SSE4.2 instruction.
bool Crc32cHasHardware();
// The SSE4.2 implementation. REQUIRES: Crc32cHasHardware().
uint32_t Crc32cHardware(std::string_view data, uint32_t crc = 0);

}  // namespace strata::storage
