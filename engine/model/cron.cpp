#include "model/cron.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "base/suggest.h"

namespace dagrun {
namespace {

using Bits = std::bitset<64>;

struct FieldSpec {
  int number;  // 1-based, as messages name it
  std::string_view name;
  int lo, hi;
  std::span<const std::string_view> names;  // names[i] means lo + i; may be empty
};

constexpr std::array<std::string_view, 12> kMonthNames{
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kWeekdayNames{"SUN", "MON", "TUE", "WED",
                                                        "THU", "FRI", "SAT"};

const FieldSpec kFields[5] = {
    {1, "minute", 0, 59, {}},
    {2, "hour", 0, 23, {}},
    {3, "day-of-month", 1, 31, {}},
    {4, "month", 1, 12, kMonthNames},
    {5, "day-of-week", 0, 7, kWeekdayNames},
};

struct Preset {
  std::string_view name;
  std::string_view expansion;  // empty for @once
};

constexpr Preset kPresets[] = {
    {"@hourly", "0 * * * *"},  {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
    {"@weekly", "0 0 * * 0"},  {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"},
    {"@annually", "0 0 1 1 *"}, {"@once", ""},
};

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class FieldParser {
 public:
  FieldParser(const FieldSpec& spec, std::string* error) : spec_(spec), error_(error) {}

  std::optional<Bits> parse(std::string_view text) {
    Bits bits;
    size_t start = 0;
    while (true) {
      size_t comma = text.find(',', start);
      std::string_view item = text.substr(start, comma == std::string_view::npos
                                                     ? std::string_view::npos
                                                     : comma - start);
      if (item.empty()) return fail("empty list item in '" + std::string(text) + "'");
      if (!parse_item(item, bits)) return std::nullopt;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return bits;
  }

 private:
  struct Value {
    int number;
    bool by_name;
  };

  std::nullopt_t fail(const std::string& why) {
    if (error_)
      *error_ = "field " + std::to_string(spec_.number) + " (" + std::string(spec_.name) +
                "): " + why;
    return std::nullopt;
  }

  std::optional<Value> value(std::string_view token) {
    if (token.empty()) return fail("missing number");
    if (is_alpha(token[0]) && !spec_.names.empty()) {
      std::string up;
      for (char c : token) up += upper(c);
      for (size_t i = 0; i < spec_.names.size(); ++i)
        if (spec_.names[i] == up) return Value{spec_.lo + static_cast<int>(i), true};
      return fail("unknown name '" + std::string(token) + "'" +
                  did_you_mean(closest_match(up, spec_.names)));
    }
    int n = 0;
    for (char c : token) {
      if (!is_digit(c)) return fail("'" + std::string(token) + "' is not a number");
      if (n > 1000) return fail(std::string(token) + " is out of range " + range_text());
      n = n * 10 + (c - '0');
    }
    if (n < spec_.lo || n > spec_.hi)
      return fail(std::to_string(n) + " is out of range " + range_text());
    return Value{n, false};
  }

  std::string range_text() const {
    return std::to_string(spec_.lo) + "-" + std::to_string(spec_.hi);
  }

  bool parse_item(std::string_view item, Bits& bits) {
    int step = 1;
    bool has_step = false;
    if (size_t slash = item.find('/'); slash != std::string_view::npos) {
      std::string_view step_text = item.substr(slash + 1);
      item = item.substr(0, slash);
      if (step_text.empty()) {
        fail("missing step after '/'");
        return false;
      }
      step = 0;
      for (char c : step_text) {
        if (!is_digit(c)) {
          fail("step '" + std::string(step_text) + "' is not a number");
          return false;
        }
        if (step > 1000) {
          fail("step " + std::string(step_text) + " is too large");
          return false;
        }
        step = step * 10 + (c - '0');
      }
      if (step == 0) {
        fail("step must be at least 1");
        return false;
      }
      has_step = true;
    }
    int lo, hi;
    if (item == "*") {
      lo = spec_.lo;
      // Day-of-week 7 duplicates Sunday; '*' covers 0-6 only.
      hi = spec_.number == 5 ? 6 : spec_.hi;
    } else if (size_t dash = item.find('-'); dash != std::string_view::npos) {
      auto first = value(item.substr(0, dash));
      if (!first) return false;
      auto last = value(item.substr(dash + 1));
      if (!last) return false;
      lo = first->number;
      hi = last->number;
      // "FRI-SUN" reads naturally; SUN is 0 but ends a range as 7.
      if (spec_.number == 5 && last->by_name && hi == 0 && lo > 0) hi = 7;
      if (lo > hi) {
        fail("range " + std::string(item) + " is reversed (write " +
             std::string(item.substr(dash + 1)) + "-" + std::string(item.substr(0, dash)) + ")");
        return false;
      }
    } else {
      auto single = value(item);
      if (!single) return false;
      lo = single->number;
      // "5/15" means 5-59/15, as croniter (Airflow) reads it.
      hi = has_step ? spec_.hi : lo;
    }
    for (int v = lo; v <= hi; v += step) bits.set(static_cast<size_t>(v));
    return true;
  }

  const FieldSpec& spec_;
  std::string* error_;
};

template <size_t N>
std::bitset<N> narrow(const Bits& bits) {
  std::bitset<N> out;
  for (size_t i = 0; i < N; ++i) out[i] = bits[i];
  return out;
}

int days_in_month(int year, int month) {
  using namespace std::chrono;
  return static_cast<int>(static_cast<unsigned>(
      year_month_day_last{std::chrono::year{year}, month_day_last{std::chrono::month{
                                                       static_cast<unsigned>(month)}}}
          .day()));
}

int weekday_of(int year, int month, int day) {
  using namespace std::chrono;
  sys_days d{std::chrono::year{year} / static_cast<unsigned>(month) / static_cast<unsigned>(day)};
  return static_cast<int>(weekday{d}.c_encoding());
}

// Whether the day-of-month field can ever match in one of the chosen months, counting
// February as 29 days (leap years exist).
bool some_day_exists(const CronFields& f) {
  static constexpr int kLongest[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int m = 1; m <= 12; ++m) {
    if (!f.months[static_cast<size_t>(m)]) continue;
    for (int d = 1; d <= kLongest[m]; ++d)
      if (f.days_of_month[static_cast<size_t>(d)]) return true;
  }
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

bool CronFields::matches_time(int hour, int minute) const {
  return hours[static_cast<size_t>(hour)] && minutes[static_cast<size_t>(minute)];
}

bool CronFields::matches_day(int month, int day_of_month, int weekday) const {
  if (!months[static_cast<size_t>(month)]) return false;
  bool dom = days_of_month[static_cast<size_t>(day_of_month)];
  bool dow = days_of_week[static_cast<size_t>(weekday)];
  if (day_of_month_star || day_of_week_star) return dom && dow;
  return dom || dow;
}

std::optional<CivilMinute> next_match(const CronFields& f, const CivilMinute& after) {
  CivilMinute c = after;
  // Step one minute forward, carrying into hour and day; the day carry is handled by
  // the loop below, which normalises day overflow into the next month.
  if (++c.minute == 60) {
    c.minute = 0;
    if (++c.hour == 24) {
      c.hour = 0;
      ++c.day;
    }
  }
  const int last_year = after.year + 400;
  while (c.year <= last_year) {
    if (!f.months[static_cast<size_t>(c.month)] || c.day > days_in_month(c.year, c.month)) {
      c.day = 1;
      c.hour = c.minute = 0;
      if (++c.month == 13) {
        c.month = 1;
        ++c.year;
      }
      continue;
    }
    if (f.matches_day(c.month, c.day, weekday_of(c.year, c.month, c.day))) {
      for (; c.hour < 24; ++c.hour, c.minute = 0) {
        if (!f.hours[static_cast<size_t>(c.hour)]) continue;
        for (; c.minute < 60; ++c.minute)
          if (f.minutes[static_cast<size_t>(c.minute)]) return c;
      }
    }
    ++c.day;
    c.hour = c.minute = 0;
  }
  return std::nullopt;
}

std::optional<CronSchedule> CronSchedule::parse(std::string_view text, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<CronSchedule> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  std::string_view expr = trim(text);
  CronSchedule s;
  s.text_ = std::string(expr);
  if (expr.empty()) return fail("empty cron expression");
  if (expr[0] == '@') {
    std::string name;
    for (char c : expr) name += lower(c);
    const Preset* preset = nullptr;
    for (const Preset& p : kPresets)
      if (p.name == name) preset = &p;
    if (!preset) {
      std::vector<std::string_view> names;
      for (const Preset& p : kPresets) names.push_back(p.name);
      return fail("unknown preset '" + std::string(expr) + "'" +
                  did_you_mean(closest_match(name, names)));
    }
    if (preset->expansion.empty()) {
      s.once_ = true;
      return s;
    }
    expr = preset->expansion;
  }

  std::vector<std::string_view> parts;
  for (size_t pos = 0; pos < expr.size();) {
    while (pos < expr.size() && is_space(expr[pos])) ++pos;
    size_t start = pos;
    while (pos < expr.size() && !is_space(expr[pos])) ++pos;
    if (pos > start) parts.push_back(expr.substr(start, pos - start));
  }
  if (parts.size() != 5)
    return fail("expected 5 fields (minute hour day-of-month month day-of-week), got " +
                std::to_string(parts.size()));

  std::string why;
  std::array<Bits, 5> bits;
  for (size_t i = 0; i < 5; ++i) {
    auto parsed = FieldParser(kFields[i], &why).parse(parts[i]);
    if (!parsed) return fail(why);
    bits[i] = *parsed;
  }
  CronFields& f = s.fields_;
  f.minutes = narrow<60>(bits[0]);
  f.hours = narrow<24>(bits[1]);
  f.days_of_month = narrow<32>(bits[2]);
  f.months = narrow<13>(bits[3]);
  f.days_of_week = narrow<7>(bits[4]);
  if (bits[4][7]) f.days_of_week.set(0);
  f.day_of_month_star = parts[2][0] == '*';
  f.day_of_week_star = parts[4][0] == '*';
  // With the OR rule the weekday field alone fires every week; otherwise the day of
  // month has to exist in one of the months.
  bool either_day = !f.day_of_month_star && !f.day_of_week_star;
  if (!either_day && !some_day_exists(f))
    return fail("never fires: no chosen month has day " + std::string(parts[2]));
  return s;
}

std::optional<TimePoint> CronSchedule::next_after(TimePoint t) const {
  using namespace std::chrono;
  if (once_) return std::nullopt;
  auto minute = floor<minutes>(t);
  auto day = floor<days>(minute);
  year_month_day ymd{day};
  hh_mm_ss hms{minute - day};
  CivilMinute after{static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
                    static_cast<int>(static_cast<unsigned>(ymd.day())),
                    static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count())};
  auto next = next_match(fields_, after);
  if (!next) return std::nullopt;
  sys_days d{std::chrono::year{next->year} / static_cast<unsigned>(next->month) /
             static_cast<unsigned>(next->day)};
  return TimePoint(d + hours(next->hour) + minutes(next->minute));
}

}  // namespace dagrun
