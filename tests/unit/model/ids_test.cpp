#include "model/ids.h"

#include <doctest/doctest.h>

#include <set>
#include <string>

#include "run/runner.h"
#include "sched/scheduler.h"

using namespace dagrun;

namespace {

// Whether `name` is one component that stays in its directory and fits NAME_MAX.
bool safe_name(const std::string& name, std::size_t reserve) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos && name.size() + reserve <= kMaxFileName;
}

}  // namespace

TEST_CASE("dag and task ids follow Airflow's key rules, without '.' and '..'") {
  for (IdKind kind : {IdKind::dag, IdKind::task}) {
    CHECK(is_valid_id(kind, "etl"));
    CHECK(is_valid_id(kind, "a.b-c_D9"));
    CHECK(is_valid_id(kind, ".hidden"));
    CHECK(is_valid_id(kind, "..."));
    CHECK(is_valid_id(kind, std::string(250, 'x')));
    CHECK_FALSE(is_valid_id(kind, std::string(251, 'x')));
    CHECK_FALSE(is_valid_id(kind, ""));
    CHECK_FALSE(is_valid_id(kind, "."));
    CHECK_FALSE(is_valid_id(kind, ".."));
    CHECK_FALSE(is_valid_id(kind, "a/b"));
    CHECK_FALSE(is_valid_id(kind, "a b"));
    CHECK_FALSE(is_valid_id(kind, "a:b"));
    CHECK_FALSE(is_valid_id(kind, "a\nb"));
    CHECK_FALSE(is_valid_id(kind, std::string("a\0b", 3)));
    CHECK_FALSE(is_valid_id(kind, "caf\xc3\xa9"));
  }
}

TEST_CASE("run ids take Airflow's run id characters, so generated ids are valid") {
  CHECK(is_valid_id(IdKind::run, "manual__2026-11-29T02:07:39.123Z"));
  CHECK(is_valid_id(IdKind::run, "backfill+00:00~x"));
  CHECK(is_valid_id(IdKind::run, make_run_id("manual", std::chrono::system_clock::now())));
  CHECK(is_valid_id(IdKind::run, std::string(250, 'r')));
  for (const char* bad : {"", ".", "..", "../../..", "/tmp/x", "a/b", "a b", "a\tb", "a\nb", "a\x7f", "a@b", "a%b"})
    CHECK_MESSAGE(!is_valid_id(IdKind::run, bad), bad);
  CHECK_FALSE(is_valid_id(IdKind::run, std::string(251, 'r')));
  CHECK_FALSE(is_valid_id(IdKind::run, std::string(300, 'r')));
}

TEST_CASE("id problems say what is wrong and never echo control characters") {
  CHECK(*id_problem(IdKind::run, "") == "must not be empty");
  CHECK(*id_problem(IdKind::dag, std::string(251, 'x')) == "is longer than 250 bytes");
  CHECK(*id_problem(IdKind::task, "..") == "must not be '..': it names a directory");
  CHECK(*id_problem(IdKind::task, "a/b") == "'a/b' may contain only letters, digits, '_', '-' and '.'");
  CHECK(*id_problem(IdKind::run, "x y") == "'x y' may contain only letters, digits, '_', '-', '.', '~', ':' and '+'");
  std::string why = *id_problem(IdKind::run, "a\nb\x1b[31m");
  CHECK(why == "'a\\x0ab\\x1b[31m' contains a control character (\\x0a)");
  CHECK(why.find('\n') == std::string::npos);
  CHECK(quote_id(std::string(100, 'q')) == "'" + std::string(60, 'q') + "'... (100 bytes)");
}

TEST_CASE("printable_text writes control characters as \\xNN and keeps UTF-8") {
  CHECK(printable_text("plain 'text' \\ ok") == "plain 'text' \\ ok");
  CHECK(printable_text("a\nb\rc\x1b[2J\x7f") == "a\\x0ab\\x0dc\\x1b[2J\\x7f");
  CHECK(printable_text(std::string("nul\0end", 7)) == "nul\\x00end");
  CHECK(printable_text("서울 지하철") == "서울 지하철");
  // U+009B (CSI as one C1 character) and U+0085 (next line), but not U+00A0 or U+00E9.
  CHECK(printable_text("x\xc2\x9b" "31my\xc2\x85z") == "x\\xc2\\x9b31my\\xc2\\x85z");
  CHECK(printable_text("\xc2\xa0\xc3\xa9") == "\xc2\xa0\xc3\xa9");
  CHECK(printable_text("ends with \xc2") == "ends with \xc2");
}

TEST_CASE("sha256 matches the standard's test vectors") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(std::string(1000, 'a')) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

TEST_CASE("a valid id that fits is its own file name") {
  CHECK(id_file_name("etl") == "etl");
  CHECK(id_file_name("manual__2026-11-29T02:07:39.123Z") == "manual__2026-11-29T02:07:39.123Z");
  CHECK(id_file_name(std::string(250, 'd')) == std::string(250, 'd'));
  CHECK(id_file_name(std::string(240, 't'), 15) == std::string(240, 't'));
}

TEST_CASE("every other id becomes a safe, distinct file name that fits with its suffix") {
  const std::string long_task(250, 't');
  std::string name = id_file_name(long_task, 15);
  CHECK(name.size() == 240);
  CHECK(name.rfind(std::string(215, 't'), 0) == 0);  // readable prefix
  CHECK(name.find('@') != std::string::npos);
  CHECK(id_file_name(long_task, 15) == name);  // stable

  std::set<std::string> names;
  const std::vector<std::string> ids = {"",
                                        ".",
                                        "..",
                                        "../../..",
                                        "/tmp/x",
                                        "a/b",
                                        "a\nb",
                                        "a@b",
                                        "a_b",
                                        std::string(300, 'x'),
                                        long_task,
                                        long_task + "u",
                                        std::string(249, 't') + "u",
                                        std::string("a\0b", 3),
                                        "\xff\xfe"};
  for (std::size_t reserve : {0u, 15u, 200u}) {
    names.clear();
    for (const std::string& id : ids) {
      std::string n = id_file_name(id, reserve);
      CHECK_MESSAGE(safe_name(n, reserve), quote_id(id));
      names.insert(n);
    }
    CHECK(names.size() == ids.size());
  }
  // A hashed name never equals a valid id used as it is.
  CHECK(id_file_name("..").find('@') != std::string::npos);
  CHECK(id_file_name("a/b") != id_file_name("a_b"));
}

TEST_CASE("try logs of the longest ids fit NAME_MAX and stay in the run's directory") {
  const std::filesystem::path dir = run_log_dir("/home/logs", std::string(250, 'd'), std::string(250, 'r'));
  CHECK(dir == std::filesystem::path("/home/logs") / std::string(250, 'd') / std::string(250, 'r'));
  const std::filesystem::path log = try_log_path(dir, std::string(250, 't'), 2147483647);
  CHECK(log.parent_path() == dir);
  CHECK(log.filename().string().size() <= kMaxFileName);
  CHECK(try_log_path(dir, "extract", 1).filename() == "extract.1.log");
  // Ids an older history may hold cannot leave the roots.
  CHECK(run_data_dir("/home/data", "..", "../../..").lexically_normal().string().rfind("/home/data/", 0) == 0);
  CHECK(run_log_dir("/home/logs", "d", "/etc").parent_path() == "/home/logs/d");
}

TEST_CASE("scheduled run ids of the longest dag ids stay valid and distinct") {
  const TimePoint at = std::chrono::sys_days{std::chrono::year{2026} / 11 / 29} + std::chrono::hours{2};
  CHECK(scheduled_run_id("etl", at) == "scheduled__etl__2026-11-29T02:00:00.000Z");
  const std::string a = scheduled_run_id(std::string(250, 'd'), at);
  const std::string b = scheduled_run_id(std::string(249, 'd') + "e", at);
  CHECK(is_valid_id(IdKind::run, a));
  CHECK(is_valid_id(IdKind::run, b));
  CHECK(a.size() == kMaxIdLength);
  CHECK(a != b);
}
