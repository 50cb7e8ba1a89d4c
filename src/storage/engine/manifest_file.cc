#include "storage/engine/manifest_file.h"

#include "storage/crypto/block_cipher.h"
#include "storage/encoding/byte_io.h"
#include "storage/encoding/crc32c.h"

namespace strata::storage {

Status ReadManifestFile(Env* env, const std::string& dir, BlockCipher* cipher,
                        const std::string& dataset_id, Manifest* manifest) {
  const std::string path = JoinPath(dir, kManifestFileName);
  if (!env->FileExists(path)) return Status::NotFound("no manifest in " + dir);
  STRATA_ASSIGN_OR_RETURN(std::string data, env->ReadFile(path));
  ByteReader in(data);
  std::string_view magic;
  uint32_t crc = 0;
  uint32_t length = 0;
  std::string_view payload;
  if (!in.GetBytes(kManifestMagic.size(), &magic) || magic != kManifestMagic ||
      !in.GetFixed32(&crc) || !in.GetFixed32(&length) || !in.GetBytes(length, &payload) ||
      !in.empty() || Crc32c(payload) != crc) {
    return Status::Corruption("manifest " + path + " is damaged (checksum or framing)");
  }
  std::string plain;
  if (cipher != nullptr) {
    if (!cipher->Open(BlockAad(dataset_id, kManifestFileName, 0), payload, plain).ok()) {
      return Status::Corruption("manifest " + path +
                                " failed authentication (altered, or another key)");
    }
    payload = plain;
  }
  Status status = DecodeManifestPayload(payload, manifest);
  if (!status.ok()) return status.Annotate(path);
  return {};
}

Status WriteManifestFile(Env* env, const std::string& dir, BlockCipher* cipher,
                         const std::string& dataset_id, const Manifest& manifest) {
  std::string payload = EncodeManifestPayload(manifest);
  if (cipher != nullptr) {
    std::string sealed;
    STRATA_RETURN_IF_ERROR(
        cipher->Seal(BlockAad(dataset_id, kManifestFileName, 0), payload, sealed));
    payload = std::move(sealed);
  }
  ByteWriter out;
  out.PutBytes(kManifestMagic);
  out.PutFixed32(Crc32c(payload));
  out.PutFixed32(static_cast<uint32_t>(payload.size()));
  out.PutBytes(payload);
  return WriteFileAtomically(env, JoinPath(dir, kManifestFileName), out.buffer());
}

}  // namespace strata::storage
