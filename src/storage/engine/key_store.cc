#include "storage/engine/key_store.h"

#include <cstring>

#include "storage/crypto/data_key.h"
#include "storage/encoding/byte_io.h"
#include "storage/encoding/crc32c.h"

namespace strata::storage {
namespace {

constexpr std::string_view kKeyMagic = "STRKEY01";
constexpr std::string_view kKeyCheckFile = "KEYCHECK";
constexpr std::string_view kKeyCheckContext = "strata-keycheck";

struct KeyFile {
  std::string wrapped;
  NoncePrefix prefix{};
  uint64_t reserved_until = 0;
};

std::string EncodeKeyFile(const KeyFile& file) {
  ByteWriter out;
  out.PutBytes(kKeyMagic);
  out.PutLengthPrefixed(file.wrapped);
  out.PutBytes(
      std::string_view(reinterpret_cast<const char*>(file.prefix.data()), file.prefix.size()));
  out.PutFixed64(file.reserved_until);
  out.PutFixed32(Crc32c(out.buffer()));
  return out.Release();
}

Result<KeyFile> ReadKeyFile(Env* env, const std::string& path) {
  STRATA_ASSIGN_OR_RETURN(std::string data, env->ReadFile(path));
  auto bad = [&] { return Status::Corruption("key file " + path + " is damaged"); };
  if (data.size() < kKeyMagic.size() + 4) return bad();
  ByteReader crc_reader(std::string_view(data).substr(data.size() - 4));
  uint32_t crc = 0;
  if (!crc_reader.GetFixed32(&crc) ||
      Crc32c(std::string_view(data).substr(0, data.size() - 4)) != crc) {
    return bad();
  }
  ByteReader in(std::string_view(data).substr(0, data.size() - 4));
  std::string_view magic;
  std::string_view wrapped;
  std::string_view prefix;
  KeyFile file;
  if (!in.GetBytes(kKeyMagic.size(), &magic) || magic != kKeyMagic ||
      !in.GetLengthPrefixed(&wrapped) || !in.GetBytes(file.prefix.size(), &prefix) ||
      !in.GetFixed64(&file.reserved_until) || !in.empty()) {
    return bad();
  }
  file.wrapped.assign(wrapped);
  std::memcpy(file.prefix.data(), prefix.data(), prefix.size());
  return file;
}

}  // namespace

Status CheckMasterKey(Env* env, const std::string& data_dir, const Key& master) {
  const std::string path = JoinPath(data_dir, kKeyCheckFile);
  if (!env->FileExists(path)) {
    STRATA_ASSIGN_OR_RETURN(Key probe, NewDataKey());
    KeyFile file;
    STRATA_ASSIGN_OR_RETURN(file.wrapped, WrapDataKey(master, kKeyCheckContext, probe));
    return WriteFileAtomically(env, path, EncodeKeyFile(file));
  }
  STRATA_ASSIGN_OR_RETURN(KeyFile file, ReadKeyFile(env, path));
  Result<Key> probe = UnwrapDataKey(master, kKeyCheckContext, file.wrapped);
  if (!probe.ok()) {
    return Status::InvalidArgument(
        "storage.encryption.master_key_file does not hold the master key this data directory "
        "was encrypted with (checked against " +
        path +
        "); start with the right key, or "
        "rotate keys with `stratad rotate-master-key`");
  }
  return {};
}

Status CreateDataKeyFile(Env* env, const std::string& dataset_dir, const std::string& dataset_id,
                         const Key& master) {
  STRATA_ASSIGN_OR_RETURN(Key data_key, NewDataKey());
  KeyFile file;
  STRATA_ASSIGN_OR_RETURN(file.wrapped, WrapDataKey(master, dataset_id, data_key));
  STRATA_ASSIGN_OR_RETURN(file.prefix, NewNoncePrefix());
  return WriteFileAtomically(env, JoinPath(dataset_dir, kDataKeyFileName), EncodeKeyFile(file));
}

Result<std::unique_ptr<BlockCipher>> OpenDatasetCipher(Env* env, const std::string& dataset_dir,
                                                       const std::string& dataset_id,
                                                       const Key& master) {
  const std::string path = JoinPath(dataset_dir, kDataKeyFileName);
  STRATA_ASSIGN_OR_RETURN(KeyFile file, ReadKeyFile(env, path));
  STRATA_ASSIGN_OR_RETURN(Key data_key, UnwrapDataKey(master, dataset_id, file.wrapped));
  auto persist = [env, path, file](uint64_t reserved_until) mutable -> Status {
    file.reserved_until = reserved_until;
    return WriteFileAtomically(env, path, EncodeKeyFile(file));
  };
  return std::make_unique<BlockCipher>(data_key, file.prefix, file.reserved_until,
                                       std::move(persist));
}

Status RewrapDataKeys(Env* env, const std::string& data_dir, const Key& old_master,
                      const Key& new_master) {
  auto rewrap = [&](const std::string& path, const std::string& context) -> Status {
    STRATA_ASSIGN_OR_RETURN(KeyFile file, ReadKeyFile(env, path));
    Result<Key> key = UnwrapDataKey(old_master, context, file.wrapped);
    if (!key.ok()) {
      // Already re-wrapped by an interrupted earlier run?
      if (UnwrapDataKey(new_master, context, file.wrapped).ok()) return {};
      return key.status();
    }
    STRATA_ASSIGN_OR_RETURN(file.wrapped, WrapDataKey(new_master, context, key.value()));
    return WriteFileAtomically(env, path, EncodeKeyFile(file));
  };
  const std::string datasets_dir = JoinPath(data_dir, "datasets");
  if (env->FileExists(datasets_dir)) {
    STRATA_ASSIGN_OR_RETURN(std::vector<std::string> names, env->ListDir(datasets_dir));
    for (const std::string& name : names) {
      const std::string path = JoinPath(JoinPath(datasets_dir, name), kDataKeyFileName);
      if (env->FileExists(path)) STRATA_RETURN_IF_ERROR(rewrap(path, name));
    }
  }
  const std::string check = JoinPath(data_dir, kKeyCheckFile);
  if (env->FileExists(check)) STRATA_RETURN_IF_ERROR(rewrap(check, std::string(kKeyCheckContext)));
  return {};
}

}  // namespace strata::storage
