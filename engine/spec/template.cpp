#include "spec/template.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <stdexcept>

#include "model/iso_time.h"
#include "base/suggest.h"

namespace dagrun {
namespace {

struct Hole {
  size_t begin;  // offset of "{{"
  size_t end;    // offset after "}}"
  std::string name;
};

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// Splits text into holes; an unterminated "{{" is reported through error.
std::vector<Hole> holes(std::string_view text, std::vector<TemplateError>* errors) {
  std::vector<Hole> out;
  size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string_view::npos) {
    size_t close = text.find("}}", pos + 2);
    if (close == std::string_view::npos) {
      if (errors) errors->push_back({pos, "'{{' without a closing '}}'"});
      break;
    }
    out.push_back({pos, close + 2, trim(text.substr(pos + 2, close - pos - 2))});
    pos = close + 2;
  }
  return out;
}

bool valid_key(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

std::string value_text(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string compact(std::string iso) {  // "2026-11-29T00:00:00+00:00" -> "20261129T000000"
  std::string out;
  for (char c : iso.substr(0, 19))
    if (c != '-' && c != ':') out += c;
  return out;
}

// Airflow's `ts`: ISO 8601 with an explicit +00:00 offset, to the second.
std::string airflow_ts(TimePoint t) { return format_iso8601(t).substr(0, 19) + "+00:00"; }

}  // namespace

std::vector<TemplateError> check_template(std::string_view text, const nlohmann::json* params, bool mapped) {
  std::vector<TemplateError> errors;
  for (const Hole& h : holes(text, &errors)) {
    if (h.name.empty()) {
      errors.push_back({h.begin, "empty template '{{ }}'"});
      continue;
    }
    auto dot = h.name.find('.');
    if (dot != std::string::npos) {
      std::string scope = h.name.substr(0, dot), key = h.name.substr(dot + 1);
      if (scope != "params" && scope != "conf" && scope != "map_item") {
        errors.push_back({h.begin, "unknown template name '" + h.name +
                                       "' (only params.KEY, conf.KEY and map_item.KEY have a dot)"});
      } else if (scope == "map_item" && !mapped) {
        errors.push_back({h.begin, "template '" + h.name + "' is for a mapped task's instances: the task has no expand"});
      } else if (!valid_key(key)) {
        errors.push_back({h.begin, "template '" + h.name + "': '" + key + "' is not a key name"});
      } else if (scope == "params" && params && !(params->is_object() && params->contains(key))) {
        std::vector<std::string> keys;
        if (params->is_object())
          for (auto it = params->begin(); it != params->end(); ++it) keys.push_back(it.key());
        errors.push_back({h.begin, "template '" + h.name + "': the task has no param '" + key + "'" +
                                       did_you_mean(closest_match(key, keys))});
      }
      continue;
    }
    if (std::find(std::begin(kMapTemplateNames), std::end(kMapTemplateNames), h.name) != std::end(kMapTemplateNames)) {
      if (!mapped)
        errors.push_back({h.begin, "template '" + h.name + "' is for a mapped task's instances: the task has no expand"});
      continue;
    }
    if (std::find(std::begin(kTemplateNames), std::end(kTemplateNames), h.name) == std::end(kTemplateNames)) {
      std::vector<std::string> names(std::begin(kTemplateNames), std::end(kTemplateNames));
      if (mapped) names.insert(names.end(), std::begin(kMapTemplateNames), std::end(kMapTemplateNames));
      errors.push_back({h.begin, "unknown template name '" + h.name + "'" + did_you_mean(closest_match(h.name, names))});
    }
  }
  std::stable_sort(errors.begin(), errors.end(),
                   [](const TemplateError& a, const TemplateError& b) { return a.offset < b.offset; });
  return errors;
}

TemplateContext make_template_context(const std::string& dag_id, const std::string& task_id,
                                      const std::string& run_id, int try_number, TimePoint logical_date,
                                      TimePoint interval_start, TimePoint interval_end) {
  TemplateContext ctx;
  std::string ts = airflow_ts(logical_date);
  ctx.values = {{"ds", ts.substr(0, 10)},
                {"ds_nodash", ts.substr(0, 4) + ts.substr(5, 2) + ts.substr(8, 2)},
                {"ts", ts},
                {"ts_nodash", compact(ts)},
                {"logical_date", ts},
                {"data_interval_start", airflow_ts(interval_start)},
                {"data_interval_end", airflow_ts(interval_end)},
                {"run_id", run_id},
                {"dag_id", dag_id},
                {"task_id", task_id},
                {"try_number", std::to_string(try_number)}};
  return ctx;
}

void add_map_values(TemplateContext& ctx, int index, const nlohmann::json& item) {
  ctx.values.insert_or_assign("map_index", std::to_string(index));
  ctx.values.insert_or_assign("map_item", value_text(item));
  ctx.map_item = &item;
}

std::string render_template(std::string_view text, const TemplateContext& ctx) {
  if (!has_template(text)) return std::string(text);
  std::string out;
  size_t pos = 0;
  for (const Hole& h : holes(text, nullptr)) {
    out.append(text.substr(pos, h.begin - pos));
    pos = h.end;
    if (auto it = ctx.values.find(h.name); it != ctx.values.end()) {
      out += it->second;
      continue;
    }
    auto dot = h.name.find('.');
    const nlohmann::json* scope = nullptr;
    if (dot != std::string::npos) {
      const std::string_view name = std::string_view(h.name).substr(0, dot);
      scope = name == "params" ? ctx.params : name == "map_item" ? ctx.map_item : ctx.conf;
    }
    std::string key = dot == std::string::npos ? "" : h.name.substr(dot + 1);
    if (scope && scope->is_object() && scope->contains(key)) {
      out += value_text((*scope)[key]);
      continue;
    }
    throw std::runtime_error("template '{{ " + h.name + " }}' has no value in this run");
  }
  out.append(text.substr(pos));
  return out;
}

namespace {

// In place, on the one copy render_json makes: copying at every level would cost
// the value's size times its depth. The depth is bounded by the loader.
void render_in_place(nlohmann::json& value, const TemplateContext& ctx) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (has_template(text)) value = render_template(text, ctx);
  } else if (value.is_structured()) {
    for (auto& item : value) render_in_place(item, ctx);
  }
}

}  // namespace

nlohmann::json render_json(const nlohmann::json& value, const TemplateContext& ctx) {
  nlohmann::json out = value;
  render_in_place(out, ctx);
  return out;
}

}  // namespace dagrun
