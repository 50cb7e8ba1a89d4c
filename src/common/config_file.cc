// The only translation unit that includes toml++ (a heavy header-only library).
#define TOML_EXCEPTIONS 0
#define TOML_ENABLE_FORMATTERS 0
#include <toml++/toml.h>

#include "common/config.h"

namespace strata {
namespace {

const TableListSpec* FindTableList(std::string_view key) {
  for (const TableListSpec& spec : ConfigTableLists()) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

// Flattens one table of an array of tables into `out`; nested tables get dotted keys.
Status FlattenTable(const toml::table& table, const std::string& where, const std::string& prefix,
                    ConfigTable& out) {
  for (const auto& [raw_key, node] : table) {
    const std::string key = prefix + std::string(raw_key.str());
    if (const toml::table* child = node.as_table()) {
      STRATA_RETURN_IF_ERROR(FlattenTable(*child, where, key + ".", out));
      continue;
    }
    ConfigItem item;
    if (node.is_string()) {
      item.kind = OptionKind::kString;
      item.text = node.as_string()->get();
    } else if (node.is_integer()) {
      item.kind = OptionKind::kInt;
      item.int_value = node.as_integer()->get();
    } else if (node.is_boolean()) {
      item.kind = OptionKind::kBool;
      item.bool_value = node.as_boolean()->get();
    } else if (const toml::array* list = node.as_array()) {
      item.kind = OptionKind::kStringList;
      for (const toml::node& element : *list) {
        if (!element.is_string()) {
          return Status::InvalidArgument(where + ": option " + key +
                                         ": expected an array of strings");
        }
        item.list.push_back(element.as_string()->get());
      }
    } else {
      return Status::InvalidArgument(where + ": option " + key +
                                     ": expected a string, integer, boolean or array of strings");
    }
    out[key] = std::move(item);
  }
  return Status();
}

Status ApplyTableList(Config& config, const TableListSpec& spec, const toml::node& node) {
  const toml::array* tables = node.as_array();
  if (tables == nullptr) {
    return Status::InvalidArgument("option " + std::string(spec.key) +
                                   ": expected an array of tables ([[" + std::string(spec.key) +
                                   "]])");
  }
  for (size_t table_idx = 0; table_idx < tables->size(); ++table_idx) {
    const std::string where = std::string(spec.key) + "[" + std::to_string(table_idx) + "]";
    const toml::table* table = (*tables)[table_idx].as_table();
    if (table == nullptr) {
      return Status::InvalidArgument(where + ": expected a table ([[" + std::string(spec.key) +
                                     "]])");
    }
    ConfigTable flat;
    STRATA_RETURN_IF_ERROR(FlattenTable(*table, where, "", flat));
    STRATA_RETURN_IF_ERROR(spec.apply(config, flat, where));
  }
  return Status();
}

Status ApplyTable(Config& config, const toml::table& table, const std::string& prefix) {
  for (const auto& [raw_key, node] : table) {
    const std::string key =
        prefix.empty() ? std::string(raw_key.str()) : prefix + "." + std::string(raw_key.str());
    if (const TableListSpec* list_spec = FindTableList(key)) {
      STRATA_RETURN_IF_ERROR(ApplyTableList(config, *list_spec, node));
      continue;
    }
    if (const toml::table* child = node.as_table()) {
      STRATA_RETURN_IF_ERROR(ApplyTable(config, *child, key));
      continue;
    }
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& candidate : ConfigOptions()) {
      if (candidate.key == key) spec = &candidate;
    }
    if (spec == nullptr) return ApplyConfigOption(config, key, "");  // Unknown: with suggestion.
    std::string text;
    const toml::array* list = node.as_array();
    bool type_ok = (spec->kind == OptionKind::kString && node.is_string()) ||
                   (spec->kind == OptionKind::kInt && node.is_integer()) ||
                   (spec->kind == OptionKind::kBool && node.is_boolean()) ||
                   (spec->kind == OptionKind::kStringList && list != nullptr);
    if (list != nullptr) {
      for (const toml::node& item : *list) type_ok &= item.is_string();
    }
    if (!type_ok) {
      const char* expected = spec->kind == OptionKind::kString ? "a string"
                             : spec->kind == OptionKind::kInt  ? "an integer"
                             : spec->kind == OptionKind::kBool ? "a boolean"
                                                               : "an array of strings";
      return Status::InvalidArgument("option " + key + ": expected " + expected);
    }
    if (list != nullptr) {
      // The text form of a list: items joined by commas (no item may hold one).
      for (const toml::node& item : *list) {
        const std::string& value = item.as_string()->get();
        if (value.find(',') != std::string::npos) {
          return Status::InvalidArgument("option " + key + ": an item holds a comma: '" + value +
                                         "'");
        }
        if (!text.empty()) text += ",";
        text += value;
      }
    } else if (node.is_string()) {
      text = node.as_string()->get();
    } else if (node.is_integer()) {
      text = std::to_string(node.as_integer()->get());
    } else {
      text = node.as_boolean()->get() ? "true" : "false";
    }
    STRATA_RETURN_IF_ERROR(spec->apply(config, text));
  }
  return Status();
}

}  // namespace

Status ApplyConfigFile(Config& config, const std::string& path) {
  toml::parse_result parsed = toml::parse_file(path);
  if (!parsed) {
    const toml::parse_error& error = parsed.error();
    return Status::InvalidArgument(
        "config file " + path + ":" + std::to_string(error.source().begin.line) + ":" +
        std::to_string(error.source().begin.column) + ": " + std::string(error.description()));
  }
  Status status = ApplyTable(config, parsed.table(), "");
  return status.ok() ? status : status.Annotate("config file " + path);
}

}  // namespace strata
