#include "model/time_zone.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace dagrun {
namespace {

using namespace std::chrono;

constexpr std::int64_t kDay = 86400;

std::string zone_dir() {
  const char* dir = std::getenv("TZDIR");
  return dir && *dir ? dir : "/usr/share/zoneinfo";
}

// The longest zone name is 32 bytes ("America/Argentina/ComodRivadavia"); the
// bound leaves room for a local zone of a custom $TZDIR while keeping a DAG's
// megabyte-long string away from the filesystem and the suggestion search.
constexpr size_t kMaxZoneName = 255;

// Whether a name from a DAG may be joined to the zone directory: relative, no
// "..", and no NUL, which would cut the path short and load another zone
// under this name.
bool may_be_zone_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxZoneName && name.front() != '/' &&
         name.find("..") == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

// A zone file starts with "TZif"; zoneinfo also holds tables (zone.tab, tzdata.zi).
bool is_zone_file(const std::filesystem::path& p) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(p, ec)) return false;
  std::ifstream in(p, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && std::string_view(magic, 4) == "TZif";
}

// A transition date of a POSIX rule: "Mm.w.d", "Jn" or "n", at a local time.
struct RuleDate {
  enum class Kind { month_week_day, julian_no_leap, julian } kind = Kind::month_week_day;
  int month = 3, week = 2, weekday = 0;  // Mm.w.d
  int day = 0;                           // Jn (1-365) or n (0-365)
  std::int64_t time = 2 * 3600;          // seconds after local midnight; may be negative or past 24h
};

std::int64_t days_from_civil(int y, int m, int d) {
  return sys_days{year_month_day{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}}}
      .time_since_epoch()
      .count();
}

bool is_leap(int y) { return year{y}.is_leap(); }

// Local midnight (as UTC-read seconds) of the rule's day in year y.
std::int64_t rule_day_start(const RuleDate& r, int y) {
  switch (r.kind) {
    case RuleDate::Kind::julian_no_leap: {
      int day = r.day;  // 1..365, February 29 never counted
      std::int64_t base = days_from_civil(y, 1, 1) + day - 1;
      if (is_leap(y) && day >= 60) ++base;
      return base * kDay;
    }
    case RuleDate::Kind::julian:
      return (days_from_civil(y, 1, 1) + r.day) * kDay;
    case RuleDate::Kind::month_week_day: {
      std::int64_t first = days_from_civil(y, r.month, 1);
      int first_weekday = static_cast<int>(weekday{sys_days{days{first}}}.c_encoding());
      int offset = (r.weekday - first_weekday + 7) % 7 + (r.week - 1) * 7;
      int month_days = static_cast<int>(
          static_cast<unsigned>(year_month_day_last{year{y}, month_day_last{month{static_cast<unsigned>(r.month)}}}.day()));
      while (offset >= month_days) offset -= 7;  // week 5: the last such weekday
      return (first + offset) * kDay;
    }
  }
  return 0;
}

}  // namespace

struct TimeZone::Rule {
  int std_offset = 0;  // seconds east of UTC
  bool has_dst = false;
  int dst_offset = 0;
  RuleDate start, end;

  int offset_at(std::int64_t t) const {
    if (!has_dst) return std_offset;
    const int y = seconds_to_civil(t + std_offset).year;
    const std::int64_t s = rule_day_start(start, y) + start.time - std_offset;
    const std::int64_t e = rule_day_start(end, y) + end.time - dst_offset;
    // Southern zones start DST late in the year and end it early in the next.
    const bool dst = s < e ? (t >= s && t < e) : (t >= s || t < e);
    return dst ? dst_offset : std_offset;
  }
};

struct TimeZone::Data {
  std::vector<std::int64_t> transitions;  // UTC seconds, ascending
  std::vector<int> offsets;               // offset in force from each transition on
  int initial_offset = 0;                 // before the first transition
  std::optional<Rule> rule;               // after the last transition
};

namespace {

class Reader {
 public:
  explicit Reader(const std::string& bytes) : b_(bytes) {}
  bool has(size_t n) const { return pos_ + n <= b_.size(); }
  std::int64_t be(int n) {
    if (!has(static_cast<size_t>(n))) throw std::runtime_error("truncated file");
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(b_[pos_++]);
    if (n == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
    return static_cast<std::int64_t>(v);
  }
  void skip(size_t n) {
    if (!has(n)) throw std::runtime_error("truncated file");
    pos_ += n;
  }
  size_t pos() const { return pos_; }
  const std::string& bytes() const { return b_; }

 private:
  const std::string& b_;
  size_t pos_ = 0;
};

struct Header {
  char version;
  std::int64_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

Header read_header(Reader& r) {
  if (!r.has(44) || r.bytes().compare(r.pos(), 4, "TZif") != 0) throw std::runtime_error("not a TZif file");
  Header h{};
  h.version = r.bytes()[r.pos() + 4];
  r.skip(20);
  h.isutcnt = r.be(4);
  h.isstdcnt = r.be(4);
  h.leapcnt = r.be(4);
  h.timecnt = r.be(4);
  h.typecnt = r.be(4);
  h.charcnt = r.be(4);
  if (h.typecnt <= 0) throw std::runtime_error("no local time types");
  return h;
}

// A POSIX TZ offset "[+-]hh[:mm[:ss]]" as seconds; sign as written.
bool parse_hms(std::string_view& s, std::int64_t& out) {
  int sign = 1;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
  }
  std::int64_t parts[3] = {0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    if (i > 0) {
      if (s.empty() || s[0] != ':') break;
      s.remove_prefix(1);
    }
    size_t n = 0;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
    if (n == 0) return false;
    parts[i] = std::atoi(std::string(s.substr(0, n)).c_str());
    s.remove_prefix(n);
  }
  out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
  return true;
}

bool skip_name(std::string_view& s) {
  if (!s.empty() && s[0] == '<') {
    size_t end = s.find('>');
    if (end == std::string_view::npos) return false;
    s.remove_prefix(end + 1);
    return true;
  }
  size_t n = 0;
  while (n < s.size() && ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z'))) ++n;
  if (n < 3) return false;
  s.remove_prefix(n);
  return true;
}

bool parse_rule_date(std::string_view& s, RuleDate& d) {
  auto number = [&](int& out) {
    size_t n = 0;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
    if (n == 0) return false;
    out = std::atoi(std::string(s.substr(0, n)).c_str());
    s.remove_prefix(n);
    return true;
  };
  if (s.empty()) return false;
  if (s[0] == 'M') {
    s.remove_prefix(1);
    d.kind = RuleDate::Kind::month_week_day;
    if (!number(d.month) || s.empty() || s[0] != '.') return false;
    s.remove_prefix(1);
    if (!number(d.week) || s.empty() || s[0] != '.') return false;
    s.remove_prefix(1);
    if (!number(d.weekday)) return false;
  } else if (s[0] == 'J') {
    s.remove_prefix(1);
    d.kind = RuleDate::Kind::julian_no_leap;
    if (!number(d.day)) return false;
  } else {
    d.kind = RuleDate::Kind::julian;
    if (!number(d.day)) return false;
  }
  if (!s.empty() && s[0] == '/') {
    s.remove_prefix(1);
    if (!parse_hms(s, d.time)) return false;
  }
  return true;
}

}  // namespace

TimeZone TimeZone::utc() {
  TimeZone z;
  z.name_ = "UTC";
  z.data_ = std::make_shared<Data>();
  return z;
}

bool TimeZone::is_utc() const { return data_->transitions.empty() && !data_->rule && data_->initial_offset == 0; }

TimeZone TimeZone::load(std::string_view name) {
  if (name == "UTC" || name == "Etc/UTC" || name == "Z" || name == "Etc/GMT" || name == "GMT") return utc();
  if (!may_be_zone_name(name)) throw std::runtime_error("unknown time zone '" + std::string(name) + "'");
  std::string path = zone_dir() + "/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("unknown time zone '" + std::string(name) + "' (no " + path + ")");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  auto data = std::make_shared<Data>();
  try {
    Reader r(bytes);
    Header h = read_header(r);
    int time_size = 4;
    if (h.version >= '2') {
      // Skip the 32-bit block; the 64-bit one follows with its own header.
      r.skip(static_cast<size_t>(h.timecnt * 5 + h.typecnt * 6 + h.charcnt + h.leapcnt * 8 + h.isstdcnt + h.isutcnt));
      h = read_header(r);
      time_size = 8;
    }
    std::vector<std::int64_t> times(static_cast<size_t>(h.timecnt));
    for (auto& t : times) t = r.be(time_size);
    std::vector<int> type_of(static_cast<size_t>(h.timecnt));
    for (auto& i : type_of) i = static_cast<int>(r.be(1));
    std::vector<int> type_offset(static_cast<size_t>(h.typecnt));
    std::vector<bool> type_dst(static_cast<size_t>(h.typecnt));
    for (size_t i = 0; i < type_offset.size(); ++i) {
      type_offset[i] = static_cast<int>(r.be(4));
      type_dst[i] = r.be(1) != 0;
      r.skip(1);
    }
    r.skip(static_cast<size_t>(h.charcnt + h.leapcnt * (time_size + 4) + h.isstdcnt + h.isutcnt));
    data->transitions = std::move(times);
    for (int t : type_of) {
      if (t < 0 || t >= h.typecnt) throw std::runtime_error("bad local time type");
      data->offsets.push_back(type_offset[static_cast<size_t>(t)]);
    }
    // Before the first transition: the first standard-time type (RFC 8536).
    data->initial_offset = type_offset[0];
    for (size_t i = 0; i < type_dst.size(); ++i)
      if (!type_dst[i]) {
        data->initial_offset = type_offset[i];
        break;
      }
    if (h.version >= '2' && r.pos() < bytes.size() && bytes[r.pos()] == '\n') {
      size_t end = bytes.find('\n', r.pos() + 1);
      if (end != std::string::npos && end > r.pos() + 1)
        data->rule = parse_rule(std::string_view(bytes).substr(r.pos() + 1, end - r.pos() - 1));
    }
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("time zone '" + std::string(name) + "': " + path + ": " + e.what());
  }
  TimeZone z;
  z.name_ = std::string(name);
  z.data_ = std::move(data);
  return z;
}

// "CET-1CEST,M3.5.0,M10.5.0/3": offsets west of UTC, as POSIX writes them.
std::optional<TimeZone::Rule> TimeZone::parse_rule(std::string_view s) {
  TimeZone::Rule rule;
  std::int64_t west = 0;
  if (!skip_name(s) || !parse_hms(s, west)) return std::nullopt;
  rule.std_offset = static_cast<int>(-west);
  if (s.empty()) return rule;
  if (!skip_name(s)) return std::nullopt;
  rule.has_dst = true;
  rule.dst_offset = rule.std_offset + 3600;
  if (!s.empty() && s[0] != ',') {
    if (!parse_hms(s, west)) return std::nullopt;
    rule.dst_offset = static_cast<int>(-west);
  }
  if (s.empty() || s[0] != ',') return std::nullopt;  // no rule given: unsupported, use transitions only
  s.remove_prefix(1);
  if (!parse_rule_date(s, rule.start) || s.empty() || s[0] != ',') return std::nullopt;
  s.remove_prefix(1);
  if (!parse_rule_date(s, rule.end) || !s.empty()) return std::nullopt;
  return rule;
}

int TimeZone::offset_at(std::int64_t t) const {
  const Data& d = *data_;
  if (d.transitions.empty()) return d.rule ? d.rule->offset_at(t) : d.initial_offset;
  if (t < d.transitions.front()) return d.initial_offset;
  if (t >= d.transitions.back() && d.rule) return d.rule->offset_at(t);
  auto it = std::upper_bound(d.transitions.begin(), d.transitions.end(), t);
  return d.offsets[static_cast<size_t>(it - d.transitions.begin() - 1)];
}

CivilTime TimeZone::to_local(TimePoint t) const {
  std::int64_t s = floor<seconds>(t.time_since_epoch()).count();
  return seconds_to_civil(s + offset_at(s));
}

std::vector<TimePoint> TimeZone::from_local(const CivilTime& local) const {
  const std::int64_t l = civil_to_seconds(local);
  // Transitions are far more than a day apart: the offsets a day before and a
  // day after are the only ones that can apply.
  std::vector<std::int64_t> found;
  for (int o : {offset_at(l - kDay), offset_at(l + kDay)}) {
    std::int64_t t = l - o;
    if (offset_at(t) == o && std::find(found.begin(), found.end(), t) == found.end()) found.push_back(t);
  }
  std::sort(found.begin(), found.end());
  std::vector<TimePoint> out;
  for (std::int64_t t : found) out.push_back(TimePoint{seconds(t)});
  return out;
}

std::int64_t civil_to_seconds(const CivilTime& c) {
  return days_from_civil(c.year, c.month, c.day) * kDay + c.hour * 3600 + c.minute * 60 + c.second;
}

CivilTime seconds_to_civil(std::int64_t s) {
  std::int64_t d = s >= 0 ? s / kDay : -((-s + kDay - 1) / kDay);
  std::int64_t rest = s - d * kDay;
  year_month_day ymd{sys_days{days{d}}};
  CivilTime c;
  c.year = static_cast<int>(ymd.year());
  c.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  c.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
  c.hour = static_cast<int>(rest / 3600);
  c.minute = static_cast<int>(rest / 60 % 60);
  c.second = static_cast<int>(rest % 60);
  return c;
}

std::vector<std::string> zone_names_near(std::string_view name) {
  const std::filesystem::path root(zone_dir());
  std::vector<std::string> names{"UTC"};
  // The name is the DAG's: it must not lead the listing out of the zone directory.
  if (!may_be_zone_name(name)) return names;
  // The region is the part before the last slash, or the whole name when it is
  // a region itself ("Asia", "America/Argentina").
  const size_t slash = name.rfind('/');
  std::string region = slash == std::string_view::npos ? "" : std::string(name.substr(0, slash));
  std::error_code ec;
  if (std::filesystem::is_directory(root / std::string(name), ec)) region = std::string(name);
  for (const auto& e : std::filesystem::directory_iterator(root / region, ec)) {
    if (!is_zone_file(e.path())) continue;
    std::string file = e.path().filename().string();
    names.push_back(region.empty() ? file : region + "/" + file);
  }
  return names;
}

}  // namespace dagrun
