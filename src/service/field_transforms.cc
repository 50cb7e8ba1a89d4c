#include "service/field_transforms.h"

namespace strata::service {
namespace {

class Mask final : public sql::ValueTransform {
 public:
  std::string_view name() const override { return "mask"; }
  void Apply(std::string_view text, std::string& out) const override {
    security::AppendMasked(text, out);
  }
};

class Hash final : public sql::ValueTransform {
 public:
  explicit Hash(security::FieldTransformKeys keys) : keys_(std::move(keys)) {}
  std::string_view name() const override { return "hash"; }
  void Apply(std::string_view text, std::string& out) const override {
    security::AppendHashed(keys_, text, out);
  }

 private:
  const security::FieldTransformKeys keys_;
};

class Token final : public sql::ValueTransform {
 public:
  Token(security::FieldTransformKeys keys, uint32_t field_id)
      : keys_(std::move(keys)), field_id_(field_id) {}
  std::string_view name() const override { return "tokenize"; }
  void Apply(std::string_view text, std::string& out) const override {
    security::AppendToken(keys_, field_id_, text, out);
  }

 private:
  const security::FieldTransformKeys keys_;
  const uint32_t field_id_;
};

}  // namespace

std::shared_ptr<const sql::ValueTransform> MaskTransform() {
  static const auto mask = std::make_shared<const Mask>();
  return mask;
}

std::shared_ptr<const sql::ValueTransform> HashTransform(const security::FieldTransformKeys& keys) {
  return std::make_shared<const Hash>(keys);
}

std::shared_ptr<const sql::ValueTransform> TokenTransform(const security::FieldTransformKeys& keys,
                                                          uint32_t field_id) {
  return std::make_shared<const Token>(keys, field_id);
}

}  // namespace strata::service
