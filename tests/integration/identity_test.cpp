// Integration: one customer across channels — a phone number given on the web form and a
// later call from it land on one customer; two customers merge with all tickets and identities.
#include "tests/support/triaged_process.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <fstream>

using namespace triage::test;
namespace json = boost::json;

namespace {

json::object parse(const std::string& body) { return json::parse(body).as_object(); }

// A JSON form post carrying a token fetched as an embedding page does.
HttpResult post_form(const TriagedProcess& server, json::object fields) {
    auto token = parse(server.request("GET", "/api/v1/form/token", "", "").body);
    fields["form_ts"] = token.at("form_ts");
    fields["csrf_token"] = token.at("csrf_token");
    return server.request("POST", "/api/v1/form", json::serialize(fields), "");
}

}  // namespace

TEST_CASE("a number seen on the web form and a later call from it land on one customer, and two customers merge") {
    TempDir dir;
    auto config = dir.path() / "triage.yaml";
    std::ofstream(config) << "webform:\n  token: {min_seconds: 0}\n";
    TriagedProcess server(dir.path(), {"--config", config.string()});
    auto form = post_form(server, {{"name", "Matti Virtanen"}, {"email", "matti@esimerkki.fi"},
                                   {"phone", "+358 40 123 4567"}, {"message", "Tulostin"}});
    CAPTURE(form.body);
    REQUIRE(form.status == 201);
    const auto customer = parse(form.body).at("customer_id").as_int64();

    auto call = server.request("POST", "/api/v1/calls",
                               R"({"number":"040 1234567","direction":"inbound","started_at":"2026-11-23T09:00:00Z",
                                   "duration_s":60,"disposition":"answered","notes":"Soitti tulostimesta"})");
    CAPTURE(call.body);
    REQUIRE(call.status == 201);
    CHECK(parse(call.body).at("customer_id").as_int64() == customer);
    CHECK(parse(call.body).at("requester_id").as_int64() == customer);

    // The same person wrote earlier from another address: another customer, until merged.
    auto other = post_form(server, {{"name", "M. Virtanen"}, {"email", "matti.v@koti.example"}, {"message", "Lasku"}});
    REQUIRE(other.status == 201);
    const auto gone = parse(other.body).at("customer_id").as_int64();
    const auto other_ticket = parse(other.body).at("id").as_int64();
    REQUIRE(gone != customer);

    auto merged = server.request("POST", "/api/v1/customers/" + std::to_string(customer) + "/merge",
                                 "{\"customer_id\":" + std::to_string(gone) + "}");
    CAPTURE(merged.body);
    REQUIRE(merged.status == 200);
    auto identities = parse(merged.body).at("identities").as_array();
    CHECK(identities.size() == 3);
    CHECK(parse(merged.body).at("moved_tickets").as_array().size() == 1);
    CHECK(server.request("GET", "/api/v1/customers/" + std::to_string(gone)).status == 404);
    auto moved = parse(server.request("GET", "/api/v1/tickets/" + std::to_string(other_ticket)).body);
    CHECK(moved.at("requester_id").as_int64() == customer);
    auto by_mail = parse(server.request("GET", "/api/v1/customers?identity=email:matti.v@koti.example").body);
    CHECK(by_mail.at("customers").as_array().at(0).at("id").as_int64() == customer);
    auto tickets = parse(server.request("GET", "/api/v1/tickets?requester=" + std::to_string(customer)).body);
    CHECK(tickets.at("tickets").as_array().size() == 3);
    auto events = parse(server.request("GET", "/api/v1/tickets/" + std::to_string(other_ticket) + "/events").body);
    CHECK(events.at("events").as_array().back().at("type").as_string() == "requester_merged");
    // The id merged away was the highest; the next new customer does not get it again.
    auto newcomer = post_form(server, {{"name", "Uusi"}, {"email", "uusi@koti.example"}, {"message", "Hei"}});
    REQUIRE(newcomer.status == 201);
    CHECK(parse(newcomer.body).at("customer_id").as_int64() > gone);

    CHECK(server.request("POST", "/api/v1/customers/" + std::to_string(customer) + "/merge",
                         "{\"customer_id\":" + std::to_string(customer) + "}").status == 422);
    CHECK(server.request("POST", "/api/v1/customers/999/merge", "{\"customer_id\":" + std::to_string(customer) + "}").status == 404);
    CHECK(server.request("POST", "/api/v1/customers/" + std::to_string(customer) + "/merge", "{}").status == 422);
}

TEST_CASE("a national phone number on the API finds the same customer however it is written") {
    TempDir dir;
    TriagedProcess server(dir.path());  // phone.default_region: FI
    auto created = server.request("POST", "/api/v1/tickets",
                                  R"({"subject":"Lasku","body":"Hei","requester":{"name":"Pia","phone":"040 765 4322"}})");
    CAPTURE(created.body);
    REQUIRE(created.status == 201);
    const auto customer = parse(created.body).at("requester_id").as_int64();
    for (const char* q : {"phone:040%20765%204322", "phone:+358407654322", "phone:%2B358407654322", "0407654322"}) {
        CAPTURE(q);
        auto r = server.request("GET", std::string("/api/v1/customers?identity=") + q);
        CAPTURE(r.body);
        REQUIRE(r.status == 200);
        auto list = parse(r.body).at("customers").as_array();
        REQUIRE(list.size() == 1);
        CHECK(list[0].at("id").as_int64() == customer);
    }
    auto bad = server.request("POST", "/api/v1/tickets", R"({"subject":"s","body":"b","requester":{"phone":"12"}})");
    CHECK(bad.status == 422);
}
