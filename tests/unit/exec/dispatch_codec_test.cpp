// The JSON an engine and a worker exchange through the work queue: what one
// writes the other reads back exactly, and text from a process that may be
// hostile or of another version is refused with a reason, never trusted.
#include <doctest/doctest.h>

#include "exec/dispatch_codec.h"

using namespace dagrun;

TEST_CASE("dispatch codec: a payload and an outcome round-trip") {
  TryPayload p{"etl", std::string(64, 'a'), {{"extract", "rows", "42"}, {"extract", "names", R"(["서울"])"}}};
  std::string error;
  auto back = decode_payload(encode_payload(p), &error);
  REQUIRE_MESSAGE(back, error);
  CHECK(back->dag_id == "etl");
  CHECK(back->dag_version == p.dag_version);
  CHECK(back->xcoms == p.xcoms);

  RemoteOutcome r;
  r.outcome.status = TryOutcome::Status::failed_no_retry;
  r.outcome.exit_code = 3;
  r.outcome.signal = std::nullopt;
  r.outcome.error = "exit code 3";
  r.outcome.timed_out = true;
  r.outcome.hostname = "worker-7";
  r.outcome.log_path = "/var/lib/dagrun/logs/etl/r/t.1.log";
  r.xcoms = {{"k", "1"}};
  auto o = decode_outcome(encode_outcome(r), &error);
  REQUIRE_MESSAGE(o, error);
  CHECK(o->outcome.status == TryOutcome::Status::failed_no_retry);
  CHECK(o->outcome.exit_code == 3);
  CHECK_FALSE(o->outcome.signal);
  CHECK(o->outcome.error == "exit code 3");
  CHECK(o->outcome.timed_out);
  CHECK_FALSE(o->outcome.cancelled);
  CHECK(o->outcome.hostname == "worker-7");
  CHECK(o->outcome.log_path == r.outcome.log_path);
  CHECK(o->xcoms == r.xcoms);
}

TEST_CASE("dispatch codec: an error that is not UTF-8 is carried, its bad bytes replaced") {
  RemoteOutcome r;
  r.outcome.error = std::string("bad \xff\xfe byte");
  std::string error;
  auto o = decode_outcome(encode_outcome(r), &error);
  REQUIRE_MESSAGE(o, error);
  CHECK(o->outcome.error.starts_with("bad "));
  CHECK(o->outcome.error.ends_with(" byte"));
}

TEST_CASE("dispatch codec: malformed or hostile text is refused with a reason") {
  for (const char* text : {"", "nope", "[]", "{}", R"({"dag_id": 1, "dag_version": "v", "xcoms": []})",
                           R"({"dag_id": "d", "dag_version": "v", "xcoms": [["t", "k"]]})",
                           R"({"dag_id": "d", "dag_version": "v", "xcoms": {"a": 1}})"}) {
    CAPTURE(text);
    std::string error;
    CHECK_FALSE(decode_payload(text, &error));
    CHECK(error.starts_with("not a try payload"));
  }
  const std::string good = encode_outcome(RemoteOutcome{});
  for (std::string text : {std::string("{"), std::string(R"({"status": "exploded"})"),
                           std::string(R"({"status": "success"})"), good.substr(0, good.size() - 1)}) {
    CAPTURE(text);
    std::string error;
    CHECK_FALSE(decode_outcome(text, &error));
    CHECK(error.starts_with("not a try outcome"));
  }
  std::string deep(100000, '[');  // nlohmann parses iteratively: no stack to exhaust
  std::string error;
  CHECK_FALSE(decode_outcome(deep, &error));
}
