#include "news_time.h"

#include <array>
#include <cctype>
#include <cstdio>

namespace dagrun::news {
namespace {

using namespace std::chrono;

constexpr std::array<std::string_view, 7> kWeekdays{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct Zone {
  std::string_view name;
  int minutes;
};
constexpr std::array<Zone, 12> kZones{{{"GMT", 0}, {"UT", 0}, {"UTC", 0}, {"Z", 0},
                                       {"EST", -300}, {"EDT", -240}, {"CST", -360}, {"CDT", -300},
                                       {"MST", -420}, {"MDT", -360}, {"PST", -480}, {"PDT", -420}}};

// A cursor over the text with the few token readers the grammar needs.
struct Scanner {
  std::string_view s;
  size_t pos = 0;

  void skip_space() {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t')) ++pos;
  }
  bool eat(char c) {
    if (pos < s.size() && s[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  // Reads min..max digits.
  std::optional<int> number(size_t min, size_t max) {
    size_t n = 0;
    int value = 0;
    while (pos < s.size() && n < max && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      value = value * 10 + (s[pos++] - '0');
      ++n;
    }
    if (n < min || (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])))) return std::nullopt;
    return value;
  }
  std::string_view word() {
    const size_t start = pos;
    while (pos < s.size() && std::isalpha(static_cast<unsigned char>(s[pos]))) ++pos;
    return s.substr(start, pos - start);
  }
};

bool same_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::optional<int> parse_zone(Scanner& sc) {
  if (sc.pos < sc.s.size() && (sc.s[sc.pos] == '+' || sc.s[sc.pos] == '-')) {
    const int sign = sc.s[sc.pos++] == '-' ? -1 : 1;
    auto hhmm = sc.number(4, 4);
    if (!hhmm || *hhmm / 100 > 23 || *hhmm % 100 > 59) return std::nullopt;
    return sign * (*hhmm / 100 * 60 + *hhmm % 100);
  }
  const std::string_view name = sc.word();
  for (const Zone& z : kZones) {
    if (same_ignoring_case(name, z.name)) return z.minutes;
  }
  return std::nullopt;
}

std::string iso_local(const year_month_day& ymd, int h, int m, int sec, int offset_minutes) {
  char buf[64];
  const int off = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), h, m, sec,
                offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
  return buf;
}

}  // namespace

std::optional<PubDate> parse_rfc822(std::string_view text) {
  Scanner sc{text};
  sc.skip_space();
  const size_t mark = sc.pos;
  const std::string_view first = sc.word();
  if (!first.empty()) {
    bool weekday = false;
    for (auto w : kWeekdays) weekday = weekday || same_ignoring_case(first, w);
    if (!weekday || !sc.eat(',')) return std::nullopt;
  } else {
    sc.pos = mark;
  }
  sc.skip_space();
  auto day = sc.number(1, 2);
  sc.skip_space();
  const std::string_view month_name = sc.word();
  sc.skip_space();
  const size_t year_start = sc.pos;
  auto year = sc.number(2, 4);
  if (sc.pos - year_start == 3) return std::nullopt;  // obsolete 3-digit years are not news
  sc.skip_space();
  auto hour = sc.number(2, 2);
  if (!day || !year || !hour || !sc.eat(':')) return std::nullopt;
  auto minute = sc.number(2, 2);
  std::optional<int> second = 0;
  if (sc.eat(':')) second = sc.number(2, 2);
  sc.skip_space();
  auto zone = parse_zone(sc);
  sc.skip_space();
  if (!minute || !second || !zone || sc.pos != sc.s.size()) return std::nullopt;

  int month = 0;
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (same_ignoring_case(month_name, kMonths[i])) month = static_cast<int>(i) + 1;
  }
  int y = *year;
  if (y < 100) y += y < 50 ? 2000 : 1900;  // RFC 2822 section 4.3
  const year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(month)},
                           std::chrono::day{static_cast<unsigned>(*day)}};
  if (month == 0 || !ymd.ok() || *hour > 23 || *minute > 59 || *second > 59) return std::nullopt;

  const auto local = sys_days{ymd} + hours{*hour} + minutes{*minute} + seconds{*second};
  const auto utc = local - minutes{*zone};
  return PubDate{iso_local(ymd, *hour, *minute, *second, *zone), utc.time_since_epoch().count()};
}

std::string kst_day_stamp(SysTime t) {
  const year_month_day ymd{floor<days>(t + kKstOffset)};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

std::optional<std::int64_t> day_stamp_days(std::string_view stamp) {
  if (stamp.size() != 8) return std::nullopt;
  for (char c : stamp) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  const auto num = [&](size_t from, size_t len) {
    int v = 0;
    for (size_t i = from; i < from + len; ++i) v = v * 10 + (stamp[i] - '0');
    return v;
  };
  const year_month_day ymd{std::chrono::year{num(0, 4)}, std::chrono::month{static_cast<unsigned>(num(4, 2))},
                           std::chrono::day{static_cast<unsigned>(num(6, 2))}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd}.time_since_epoch().count();
}

std::int64_t kst_days(SysTime t) { return floor<days>(t + kKstOffset).time_since_epoch().count(); }

}  // namespace dagrun::news
