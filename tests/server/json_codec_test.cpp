#include "server/json_codec.hpp"

#include "engine/time_format.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using namespace triage;
using namespace triage::server;
namespace json = boost::json;

namespace {

Ticket sample_ticket() {
    Ticket t;
    t.id = 1042;
    t.subject = "Tilaus \"123\" ei näy\n\tvielä \\ \x01 jäädään odottamaan";
    t.status = TicketStatus::pending;
    t.priority = Priority::high;
    t.queue = "billing";
    t.tags = {"vip", "lasku \"tärkeä\""};
    t.language = "fi";
    t.channel = Channel::email;
    t.requester_id = 7;
    t.assignee_id = 3;
    t.tier = Tier::l2;
    t.reopen_count = 2;
    t.created_at = Timestamp{std::chrono::milliseconds(1'780'000'000'123)};
    t.updated_at = t.created_at + std::chrono::minutes(5);
    t.first_response_at = t.updated_at;
    return t;
}

}  // namespace

TEST_CASE("a ticket written as JSON text parses back to every field, escapes and nulls included") {
    const Ticket t = sample_ticket();
    std::string text;
    append_ticket_json(text, t);
    const json::object o = json::parse(text).as_object();
    CHECK(o.size() == 20);
    CHECK(o.at("id").as_int64() == 1042);
    CHECK(o.at("key").as_string() == "T-1042");
    CHECK(std::string(o.at("subject").as_string()) == t.subject);
    CHECK(o.at("status").as_string() == "pending");
    CHECK(o.at("priority").as_string() == "high");
    CHECK(o.at("queue").as_string() == "billing");
    CHECK(o.at("category").is_null());
    CHECK(o.at("tags").as_array().size() == 2);
    CHECK(std::string(o.at("tags").as_array()[1].as_string()) == "lasku \"tärkeä\"");
    CHECK(o.at("language").as_string() == "fi");
    CHECK(o.at("channel").as_string() == "email");
    CHECK(o.at("requester_id").as_int64() == 7);
    CHECK(o.at("assignee_id").as_int64() == 3);
    CHECK(o.at("tier").as_string() == "L2");
    CHECK(o.at("follow_up_of").is_null());
    CHECK(o.at("reopen_count").as_int64() == 2);
    CHECK(o.at("created_at").as_string() == format_rfc3339(t.created_at));
    CHECK(o.at("first_response_at").as_string() == format_rfc3339(*t.first_response_at));
    CHECK(o.at("solved_at").is_null());
    CHECK(o.at("closed_at").is_null());
}

TEST_CASE("to_json of a ticket is the JSON text parsed") {
    Ticket t = sample_ticket();
    t.category = "invoices";
    t.assignee_id.reset();
    std::string text;
    append_ticket_json(text, t);
    CHECK(to_json(t) == json::parse(text));
    CHECK(to_json(t).as_object().at("category").as_string() == "invoices");
    CHECK(to_json(t).as_object().at("assignee_id").is_null());
}

TEST_CASE("JSON string escapes control characters, quotes and backslashes and keeps UTF-8 as is") {
    std::string out;
    append_json_string(out, std::string_view("a\"b\\c\x1f\x7f õ", 10));
    CHECK(out == "\"a\\\"b\\\\c\\u001f\x7f õ\"");
    CHECK(json::parse(out).as_string() == std::string_view("a\"b\\c\x1f\x7f õ", 10));
}

TEST_CASE("JSON text writes fractions in plain decimal, not Boost's 7.109E1, and parses back to the same value") {
    CHECK(json_text(json::value(71.09)) == "71.09");
    CHECK(json_text(json::value(45.0)) == "45");
    CHECK(json_text(json::value(0.5)) == "0.5");
    CHECK(json_text(json::value(-2269.71)) == "-2269.71");
    CHECK(json_text(json::value(1e21)) == "1e+21");
    CHECK(json_text(json::value(std::numeric_limits<double>::infinity())) == "null");
    CHECK(json_text(json::value(std::nan(""))) == "null");
    CHECK(json_text(json::value(std::int64_t{-9007199254740993})) == "-9007199254740993");
    CHECK(json_text(json::value(std::uint64_t{18446744073709551615u})) == "18446744073709551615");

    const json::value v = json::parse(
        R"({"report":"resolution","rows":[{"queue":"laskutus \"ä\"\n","pct":71.09,"n":3,"ok":true,"x":null}],)"
        R"("empty":{},"none":[],"tiny":1.25e-7,"big":123456789.125})");
    const std::string text = json_text(v);
    CHECK(json::parse(text) == v);
    CHECK(text.find('E') == std::string::npos);
    CHECK(text.find(R"("pct":71.09)") != std::string::npos);
    CHECK(text.find(R"("big":123456789.125)") != std::string::npos);
    CHECK(text.find(R"("queue":"laskutus \"ä\"\n")") != std::string::npos);
}
