#include "spec/task_stream.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <vector>

#include "model/limits.h"

namespace dagrun {
namespace {

// nlohmann's message without "[json.exception.parse_error.101] parse error at line 1,
// column 2: ": the position is reported in our own terms.
std::string json_error_text(std::string_view s) {
  if (auto bracket = s.find("] "); bracket != std::string_view::npos) s.remove_prefix(bracket + 2);
  if (s.starts_with("parse error")) {
    if (auto colon = s.find(": "); colon != std::string_view::npos) s.remove_prefix(colon + 2);
  }
  // "; last read: '...'" may quote earlier tokens too; the position says where.
  std::string out(s);
  if (auto last = out.find("; last read: "); last != std::string::npos) {
    auto next = out.find("; expected", last + 1);
    out.erase(last, next == std::string::npos ? std::string::npos : next - last);
  }
  return out;
}

// The offset of the first '{' or '[' that opens level limit + 1, found by one pass
// over the bytes (strings skipped); the parser stops there, this says where.
size_t too_deep_offset(std::string_view text, size_t limit) {
  size_t depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\') ++i;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return i;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return text.size();
}

// Builds the tree the way nlohmann's own DOM parser does (a stack of open
// containers), except that elements of the top-level tasks array are built one at a
// time in element_ and handed to the callback.
class StreamHandler {
 public:
  StreamHandler(std::string_view text, StreamedDag& out, const TaskCallback& on_task,
                Problems& problems)
      : text_(text), out_(out), on_task_(on_task), problems_(problems) {}

  bool null() { return scalar(Json(nullptr)); }
  bool boolean(bool v) { return scalar(Json(v)); }
  bool number_integer(Json::number_integer_t v) { return scalar(Json(v)); }
  bool number_unsigned(Json::number_unsigned_t v) { return scalar(Json(v)); }
  bool number_float(Json::number_float_t v, const std::string&) { return scalar(Json(v)); }
  bool string(std::string& v) {
    check_text(v, JsonTarget::value, nullptr);
    return scalar(Json(std::move(v)));
  }
  bool binary(Json::binary_t& v) { return scalar(Json(std::move(v))); }

  bool start_object(size_t) {
    if (!can_open()) return false;
    Json* object = place(Json(Json::value_t::object));
    // Most objects in a DAG file are small tasks: room for a few keys up front saves
    // the vector's first regrowths.
    object->get_ref<Json::object_t&>().reserve(4);
    stack_.push_back({object, nullptr});
    return true;
  }

  bool key(std::string& k) {
    check_text(k, JsonTarget::key, &k);
    Level& level = stack_.back();
    using Members = std::vector<Json::object_t::value_type>;
    // ordered_map is a vector of members; it is used as one (its operator[] takes keys).
    auto& members = static_cast<Members&>(level.value->get_ref<Json::object_t&>());
    if (stack_.size() == 1) next_is_tasks_ = k == "tasks" && !out_.tasks_streamed;
    // Small objects (tasks) are scanned; a large one (params with thousands of keys)
    // gets a hash index, so finding repeated keys stays linear.
    Json::object_t::value_type* existing = nullptr;
    if (level.keys) {
      if (auto it = level.keys->find(k); it != level.keys->end()) existing = &members[it->second];
    } else {
      for (auto& member : members)
        if (member.first == k) existing = &member;
    }
    if (existing) {
      duplicate_key(k);
      last_key_ = &existing->first;
      object_element_ = &existing->second;  // the last copy wins, as in nlohmann
      return true;
    }
    if (!level.keys && members.size() >= kIndexedKeys) {
      level.keys = std::make_unique<std::unordered_map<std::string, size_t>>();
      for (size_t i = 0; i < members.size(); ++i) level.keys->emplace(members[i].first, i);
    }
    if (level.keys) level.keys->emplace(k, members.size());
    auto& added = members.emplace_back(std::move(k), nullptr);
    last_key_ = &added.first;
    object_element_ = &added.second;
    return true;
  }

  bool end_object() { return close(); }

  bool start_array(size_t) {
    if (!can_open()) return false;
    bool tasks = stack_.size() == 1 && next_is_tasks_;
    stack_.push_back({place(Json(Json::value_t::array)), nullptr});
    if (tasks) {
      out_.tasks_streamed = true;
      tasks_depth_ = stack_.size();
    }
    return true;
  }

  bool end_array() {
    if (stack_.size() == tasks_depth_) tasks_depth_ = 0;
    return close();
  }

  // position counts the characters read, the last being the one that failed. An
  // unexpected complete string or number is pointed at from its start (the token is
  // exactly that literal then), a misspelt literal such as "tru" from its first
  // letter; anything else at the failing character.
  bool parse_error(size_t position, const std::string& token, const nlohmann::detail::exception& e) {
    std::string_view what = e.what();
    size_t offset = std::min(position > 0 ? position - 1 : 0, text_.size());
    if (what.find("unexpected string literal") != std::string_view::npos ||
        what.find("unexpected number literal") != std::string_view::npos) {
      if (token.size() <= position) offset = position - token.size();
    } else if (what.find("invalid literal") != std::string_view::npos) {
      auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
      while (offset > 0 && letter(text_[offset - 1])) --offset;
    }
    out_.error = JsonSyntaxError{offset, json_error_text(e.what())};
    return false;
  }

 private:
  static constexpr size_t kIndexedKeys = 32;

  struct Level {
    Json* value;
    std::unique_ptr<std::unordered_map<std::string, size_t>> keys;  // key -> member index
  };

  // The parser itself keeps no recursion, but every later walk of the tree does.
  bool can_open() {
    if (stack_.size() < limits::kMaxDepth) return true;
    out_.error = JsonSyntaxError{too_deep_offset(text_, limits::kMaxDepth),
                                 "nesting is deeper than " + std::to_string(limits::kMaxDepth) +
                                     " levels of objects and arrays"};
    return false;
  }

  // Every key and string: a NUL would cut a C string short (an argument, a path, an
  // env name), so none is accepted anywhere; the length is bounded too.
  void check_text(const std::string& v, JsonTarget target, const std::string* key) {
    const bool nul = std::memchr(v.data(), '\0', v.size()) != nullptr;
    const bool long_text = v.size() > limits::kMaxStringBytes;
    if (!nul && !long_text) return;
    if (saturated()) return problems_.drop();
    std::string what = key ? "key" : "string";
    report(key ? open_pointer() + "/" + pointer_token(*key) : value_pointer(), target,
           nul ? what + " contains a NUL character (\\u0000)"
               : what + " is longer than " + std::to_string(limits::kMaxStringBytes >> 20) +
                     " MiB",
           0);
  }

  bool in_task_element() const { return tasks_depth_ != 0 && stack_.size() >= tasks_depth_; }

  // Where a new value goes: the root, the task being built, an array or the value
  // slot of the last key.
  Json* place(Json&& v) {
    if (stack_.empty()) {
      out_.root = std::move(v);
      return &out_.root;
    }
    if (tasks_depth_ != 0 && stack_.size() == tasks_depth_) {
      element_ = std::move(v);
      return &element_;
    }
    Json& top = *stack_.back().value;
    if (top.is_array()) {
      top.push_back(std::move(v));
      return &top.back();
    }
    *object_element_ = std::move(v);
    return object_element_;
  }

  bool scalar(Json&& v) {
    place(std::move(v));
    if (tasks_depth_ != 0 && stack_.size() == tasks_depth_) emit();
    return true;
  }

  bool close() {
    stack_.pop_back();
    if (tasks_depth_ != 0 && stack_.size() == tasks_depth_) emit();
    return true;
  }

  void emit() {
    int index = static_cast<int>(out_.task_count++);
    if (!element_problems_.empty()) report_task_problems(index);
    // Past the limit tasks are parsed (the file is bounded) but not read.
    if (out_.task_count <= limits::kMaxTasks) {
      on_task_(index, element_);
    } else if (out_.task_count == limits::kMaxTasks + 1) {
      problems_.at("/tasks/" + std::to_string(index), JsonTarget::value, "tasks",
                   "more than " + std::to_string(limits::kMaxTasks) + " tasks");
    }
    element_ = Json();
  }

  void report_task_problems(int index) {
    std::string context = "tasks[" + std::to_string(index) + "]";
    if (auto id = element_.find("task_id"); id != element_.end() && id->is_string()) {
      const std::string* text = id->get_ptr<const std::string*>();
      if (text && is_valid_id(*text)) context = "task '" + *text + "'";
    }
    for (Pending& d : element_problems_)
      problems_.at(std::move(d.pointer), d.target, context, std::move(d.message), d.occurrence);
    element_problems_.clear();
  }

  // The pointer of the innermost open container, found by looking each level up in
  // its parent: done only for a problem, so the happy path keeps no path.
  std::string open_pointer() const {
    std::string pointer;
    for (size_t level = 1; level < stack_.size(); ++level) {
      const Json* child = stack_[level].value;
      if (level == tasks_depth_) {
        pointer += "/" + std::to_string(out_.task_count);
        continue;
      }
      const Json& parent = *stack_[level - 1].value;
      if (parent.is_array()) {
        pointer += "/" + std::to_string(parent.size() - 1);
        continue;
      }
      for (auto it = parent.begin(); it != parent.end(); ++it)
        if (&it.value() == child) pointer += "/" + pointer_token(it.key());
    }
    return pointer;
  }

  // The pointer of the scalar being placed: the next element of the open array, or
  // the value of the last key.
  std::string value_pointer() const {
    if (stack_.empty()) return "";
    if (stack_.size() == tasks_depth_) return open_pointer() + "/" + std::to_string(out_.task_count);
    const Json& top = *stack_.back().value;
    if (top.is_array()) return open_pointer() + "/" + std::to_string(top.size());
    return open_pointer() + "/" + pointer_token(last_key_ ? *last_key_ : std::string());
  }

  void duplicate_key(const std::string& k) {
    if (saturated()) return problems_.drop();
    std::string pointer = open_pointer() + "/" + pointer_token(k);
    // Later copies of the key: count how many came before to point at this one.
    int occurrence = ++duplicates_seen_[pointer];
    report(std::move(pointer), JsonTarget::key, "key '" + k + "' is given more than once",
           occurrence);
  }

  // Past the diagnostics that will be shown, problems are only counted: finding
  // their pointers (a scan of each parent object) is what must not repeat.
  bool saturated() const {
    return problems_.full() || element_problems_.size() >= limits::kMaxDiagnostics;
  }

  // Problems inside a task wait for the task to be complete, to be named by its id.
  void report(std::string pointer, JsonTarget target, std::string message, int occurrence) {
    if (in_task_element()) {
      element_problems_.push_back({std::move(pointer), target, std::move(message), occurrence});
      return;
    }
    std::string context = "dag";
    if (stack_.size() > 1 && pointer.size() > 1) {
      std::string_view p = pointer;
      p.remove_prefix(1);
      context = std::string(p.substr(0, p.find('/')));
    }
    problems_.at(std::move(pointer), target, std::move(context), std::move(message), occurrence);
  }

  struct Pending {
    std::string pointer;
    JsonTarget target;
    std::string message;
    int occurrence;
  };

  std::string_view text_;
  StreamedDag& out_;
  const TaskCallback& on_task_;
  Problems& problems_;
  std::vector<Level> stack_;
  Json* object_element_ = nullptr;
  const std::string* last_key_ = nullptr;  // valid until the next member is added
  bool next_is_tasks_ = false;
  size_t tasks_depth_ = 0;  // stack size while the tasks array is the innermost container
  Json element_;
  std::vector<Pending> element_problems_;
  std::unordered_map<std::string, int> duplicates_seen_;
};

}  // namespace

StreamedDag parse_dag_json(std::string_view text, const TaskCallback& on_task, Problems& problems) {
  StreamedDag out;
  StreamHandler handler(text, out, on_task, problems);
  Json::sax_parse(text, &handler);
  return out;
}

}  // namespace dagrun
