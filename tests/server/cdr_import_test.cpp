// import_cdr (server/phone_intake.cpp) on a file of several units of work: each call filed
// once however often the file comes, one call-back ticket per caller per day, answered calls
// on the caller's open ticket, bad rows reported by line and skipped.
#include "server/phone_intake.hpp"

#include "engine/time_format.hpp"
#include "tests/support/triaged_process.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <map>
#include <set>

using namespace triage;

namespace {

std::string stamp(std::int64_t epoch) {
    std::time_t t = static_cast<std::time_t>(epoch);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

// Asterisk Master.csv rows as the channels bench writes them: `callers` numbers, a third of
// the calls missed, one call every 40 s (a caller's calls spread over days).
std::string master_csv(std::size_t rows, std::size_t callers) {
    std::string out;
    const char* dispositions[] = {"ANSWERED", "ANSWERED", "NO ANSWER", "ANSWERED", "BUSY", "ANSWERED"};
    for (std::size_t i = 0; i < rows; ++i) {
        const auto caller = 358401000000ull + (i * 7919) % callers;
        const std::int64_t start = 1710140000 + static_cast<std::int64_t>(i) * 40;
        const std::string d = dispositions[i % 6];
        const bool answered = d == "ANSWERED";
        out += fmt::format(
            "\"helpdesk\",\"+{0}\",\"600\",\"ext-queues\",\"\"\"Caller {0}\"\" <+{0}>\",\"PJSIP/trunk-{1:08x}\",\"PJSIP/2001-{1:08x}\","
            "\"Queue\",\"helpdesk,tTr,,,300\",\"{2}\",{3},\"{4}\",40,{5},\"{6}\",\"DOCUMENTATION\",\"{7}.{1}\",\"\"\n",
            caller, i, stamp(start), answered ? "\"" + stamp(start + 5) + "\"" : std::string(), stamp(start + 40),
            answered ? 35 : 0, d, start);
    }
    return out;
}

}  // namespace

TEST_CASE("a CDR file of many units is filed once however often it is imported, one call-back per caller per day") {
    test::TempDir dir;
    server::Config config;
    config.data_dir = dir.path();
    config.phone.support_lines = {"600"};
    SystemClock clock;
    auto app = server::App::open(config, clock);
    const std::size_t rows = 9000, callers = 500;
    auto bytes = master_csv(rows, callers);
    bytes += "\"cut\",\"off\n";  // line 9001: bad, skipped
    auto first = server::import_cdr(*app, bytes, channels::CdrFormat::asterisk);
    CHECK(first.rows == rows);
    CHECK(first.calls == rows);
    CHECK(first.filed == rows);
    CHECK(first.duplicates == 0);
    CHECK(first.call_backs == rows / 3);
    REQUIRE(first.errors.size() == 1);
    CHECK(first.errors[0].line == rows + 1);

    auto second = server::import_cdr(*app, bytes, channels::CdrFormat::asterisk);
    CHECK(second.filed == 0);
    CHECK(second.duplicates == rows);

    // Every call is one message; call-back tickets are one per caller per UTC day; an
    // answered call went onto an open ticket of its caller whenever there was one before it.
    auto reader = app->store().reader();
    std::map<std::pair<CustomerId, std::string>, int> call_backs;
    std::map<CustomerId, int> answered_tickets;
    std::size_t messages = 0;
    for (TicketId id = 1;; ++id) {
        auto t = reader->ticket(id);
        if (!t) break;
        messages += reader->messages(id).size();
        if (std::find(t->tags.begin(), t->tags.end(), "call-back") != t->tags.end()) {
            auto day = format_rfc3339(t->created_at).substr(0, 10);
            CHECK(++call_backs[{t->requester_id, day}] == 1);
        } else {
            // Opened by an answered call with no open ticket before it; as tickets stay
            // open here, every later call of the caller joins an open ticket.
            CHECK(++answered_tickets[t->requester_id] == 1);
        }
    }
    CHECK(messages == rows);
    std::set<CustomerId> requesters;
    for (const auto& [key, n] : call_backs) requesters.insert(key.first);
    for (const auto& [who, n] : answered_tickets) requesters.insert(who);
    CHECK(requesters.size() == callers);  // each number is one customer
    CHECK_FALSE(reader->customer(static_cast<CustomerId>(callers + 1)).has_value());
    app->stop();
}
