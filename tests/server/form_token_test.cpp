#include "server/form_token.hpp"
#include "tests/support/triaged_process.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

using namespace triage;
using namespace triage::server;
using namespace std::chrono_literals;
using Verdict = FormTokens::Verdict;

namespace {

const Timestamp kStart = Timestamp{std::chrono::milliseconds(1'780'000'000'000)};

FormTokens tokens(std::string key = std::string(32, 'k')) {
    return FormTokens(std::move(key), FormTokenSettings{true, 3s, 2h}, kStart);
}

}  // namespace

TEST_CASE("a form token is taken once it is old enough and until it is too old") {
    auto t = tokens();
    auto issued = t.issue(kStart);
    const auto ts = std::to_string(issued.form_ts);
    auto early = t.check(ts, issued.csrf_token, kStart + 1s);
    CHECK(early.verdict == Verdict::too_fast);
    CHECK(early.wait == 2s);
    auto ok = t.check(ts, issued.csrf_token, kStart + 3s);
    CHECK(ok.verdict == Verdict::ok);
    CHECK(ok.nonce.size() == 24);
    CHECK_FALSE(ok.from_earlier_run);
    CHECK(t.check(ts, issued.csrf_token, kStart + 2h).verdict == Verdict::ok);
    CHECK(t.check(ts, issued.csrf_token, kStart + 2h + 1s).verdict == Verdict::expired);
}

TEST_CASE("a form token that is missing, malformed, forged or moved in time is refused") {
    auto t = tokens();
    auto issued = t.issue(kStart);
    const auto ts = std::to_string(issued.form_ts);
    const auto later = kStart + 10s;
    CHECK(t.check("", issued.csrf_token, later).verdict == Verdict::missing);
    CHECK(t.check(ts, "", later).verdict == Verdict::missing);
    CHECK(t.check(ts, "b7d2c1e9a4f30d6e", later).verdict == Verdict::invalid);  // another site's token
    CHECK(t.check("1710405600x", issued.csrf_token, later).verdict == Verdict::invalid);
    // form_ts moved back to pass the time trap: the MAC covers it.
    CHECK(t.check(std::to_string(issued.form_ts - 60), issued.csrf_token, later).verdict == Verdict::invalid);
    auto forged = issued.csrf_token;
    forged.back() = forged.back() == '0' ? '1' : '0';
    CHECK(t.check(ts, forged, later).verdict == Verdict::invalid);
    // Signed with another key.
    auto other = tokens(std::string(32, 'x')).issue(kStart);
    CHECK(t.check(std::to_string(other.form_ts), other.csrf_token, later).verdict == Verdict::invalid);
    // From the future.
    auto future = t.issue(kStart + 1h);
    CHECK(t.check(std::to_string(future.form_ts), future.csrf_token, later).verdict == Verdict::invalid);
}

TEST_CASE("a token is spent by its first post: the same bytes again pass, other bytes are a replay") {
    auto t = tokens();
    auto issued = t.issue(kStart);
    auto ok = t.check(std::to_string(issued.form_ts), issued.csrf_token, kStart + 5s);
    REQUIRE(ok.verdict == Verdict::ok);
    CHECK(t.spend(ok.nonce, "sha-of-post-1", kStart + 5s));
    CHECK(t.spend(ok.nonce, "sha-of-post-1", kStart + 6s));   // a double click
    CHECK_FALSE(t.spend(ok.nonce, "sha-of-post-2", kStart + 7s));  // a replay
    CHECK_FALSE(t.spend(ok.nonce, "sha-of-post-2", kStart + 2h));  // remembered as long as the token lives
    auto second = t.issue(kStart + 1s);
    auto ok2 = t.check(std::to_string(second.form_ts), second.csrf_token, kStart + 5s);
    CHECK(t.spend(ok2.nonce, "sha-of-post-2", kStart + 5s));
}

TEST_CASE("tokens issued before this process started are marked for the durable replay check") {
    auto t = tokens();
    auto before = t.issue(kStart - 10min);
    CHECK(t.check(std::to_string(before.form_ts), before.csrf_token, kStart).from_earlier_run);
}

TEST_CASE("the form key is made once, private, and read back the same") {
    triage::test::TempDir dir;
    const auto file = dir.path() / "webform.key";
    auto key = FormTokens::load_or_create_key(file);
    CHECK(key.size() == FormTokens::kKeyBytes);
    CHECK(FormTokens::load_or_create_key(file) == key);
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    std::filesystem::resize_file(file, 5);
    CHECK_THROWS(FormTokens::load_or_create_key(file));
}

TEST_CASE("a post's external id starts with its token's issue time, so later posts sort after earlier ones") {
    auto t = tokens();
    auto first = t.issue(kStart);
    auto later = t.issue(kStart + 90min);
    auto a = t.check(std::to_string(first.form_ts), first.csrf_token, kStart + 2h);
    auto b = t.check(std::to_string(later.form_ts), later.csrf_token, kStart + 2h);
    REQUIRE(a.verdict == Verdict::ok);
    REQUIRE(b.verdict == Verdict::ok);
    CHECK(a.issued == first.form_ts);
    const auto id_a = FormTokens::post_id(a.issued, a.nonce);
    const auto id_b = FormTokens::post_id(b.issued, b.nonce);
    CHECK(id_a == "form-" + std::to_string(first.form_ts) + "-" + a.nonce);
    CHECK(id_a < id_b);  // whatever their random nonces
    CHECK(FormTokens::post_id(5, "ab") == "form-0000000005-ab");  // fixed width: text order is time order
}
