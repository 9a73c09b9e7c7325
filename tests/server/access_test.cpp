// The access policy (server/access.cpp) as a table: who may do what, and which tickets
// each role sees and changes. Pure values, no server.
#include "server/access.hpp"
#include "server/sessions.hpp"

#include <doctest/doctest.h>

using namespace triage;
using namespace triage::server;

namespace {

Principal as(Role role, std::vector<std::string> queues = {}) {
    Principal p;
    p.name = std::string(to_string(role));
    p.role = role;
    p.queues = std::move(queues);
    return p;
}

Ticket in_queue(std::string queue) {
    Ticket t;
    t.id = 7;
    t.queue = std::move(queue);
    return t;
}

}  // namespace

TEST_CASE("each role may do exactly its actions") {
    struct Row {
        Role role;
        bool read, write, reassign, escalations, reports, admin;
    };
    const Row rows[] = {
        {Role::agent, true, true, false, false, false, false},
        {Role::supervisor, true, true, true, true, false, false},
        {Role::manager, true, false, false, false, true, false},
        {Role::admin, true, true, true, true, true, true},
    };
    for (const auto& r : rows) {
        CAPTURE(to_string(r.role));
        const auto p = as(r.role);
        CHECK(may(p, Action::read_tickets) == r.read);
        CHECK(may(p, Action::write_tickets) == r.write);
        CHECK(may(p, Action::reassign) == r.reassign);
        CHECK(may(p, Action::handle_escalations) == r.escalations);
        CHECK(may(p, Action::read_reports) == r.reports);
        CHECK(may(p, Action::admin) == r.admin);
    }
}

TEST_CASE("an agent sees and changes only the tickets of its queues") {
    const auto agent = as(Role::agent, {"support"});
    CHECK(may_see(agent, in_queue("support")));
    CHECK_FALSE(may_see(agent, in_queue("billing")));
    CHECK(may_see(as(Role::supervisor), in_queue("billing")));

    CHECK_FALSE(check_change(agent, in_queue("support"), TicketPatch{}));
    auto hidden = check_change(agent, in_queue("billing"), TicketPatch{});
    REQUIRE(hidden);
    CHECK(hidden->code == errc::not_found);  // another queue's ticket stays unseen

    TicketPatch move;
    move.queue = "billing";
    auto moved = check_change(agent, in_queue("support"), move);
    REQUIRE(moved);
    CHECK(moved->code == errc::forbidden);
}

TEST_CASE("only supervisors and admins reassign, and managers change nothing") {
    TicketPatch reassign;
    reassign.assignee.emplace(3);
    auto by_agent = check_change(as(Role::agent, {"support"}), in_queue("support"), reassign);
    REQUIRE(by_agent);
    CHECK(by_agent->code == errc::forbidden);
    CHECK_FALSE(check_change(as(Role::supervisor), in_queue("support"), reassign));
    CHECK_FALSE(check_change(as(Role::admin), in_queue("support"), reassign));
    auto by_manager = check_change(as(Role::manager), in_queue("support"), TicketPatch{});
    REQUIRE(by_manager);
    CHECK(by_manager->code == errc::forbidden);
}

TEST_CASE("an agent's ticket list is narrowed to its queues") {
    TicketQuery any;
    auto agent = as(Role::agent, {"support", "returns"});
    REQUIRE(restrict_query(agent, any));
    CHECK(*restrict_query(agent, any));
    CHECK(any.queues == std::vector<std::string>{"support", "returns"});

    TicketQuery other;
    other.queue = "billing";
    auto refused = restrict_query(agent, other);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == errc::forbidden);

    TicketQuery none;
    auto r = restrict_query(as(Role::agent), none);
    REQUIRE(r);
    CHECK_FALSE(*r);  // an agent without queues sees nothing

    TicketQuery all;
    REQUIRE(restrict_query(as(Role::manager), all));
    CHECK(all.queues.empty());
}

TEST_CASE("the session cookie is found among other cookies") {
    CHECK(Sessions::cookie_value("a=1; triage_session=abc; b=2") == std::string_view("abc"));
    CHECK(Sessions::cookie_value("triage_session=xyz") == std::string_view("xyz"));
    CHECK_FALSE(Sessions::cookie_value("triage_sessionx=1; other=2"));
    CHECK_FALSE(Sessions::cookie_value(""));
}

TEST_CASE("a cookie-borne write needs the session's CSRF token and our own Origin") {
    Principal p = as(Role::agent, {"support"});
    p.via_session = true;
    p.csrf_token = "token-123";
    CHECK_FALSE(Sessions::check_csrf(p, "token-123", "", "127.0.0.1:8080"));
    CHECK_FALSE(Sessions::check_csrf(p, "token-123", "http://127.0.0.1:8080", "127.0.0.1:8080"));
    CHECK(Sessions::check_csrf(p, "", "", "127.0.0.1:8080"));
    CHECK(Sessions::check_csrf(p, "token-124", "", "127.0.0.1:8080"));
    CHECK(Sessions::check_csrf(p, "token-123", "http://evil.example", "127.0.0.1:8080"));
    Principal token = as(Role::agent);  // a bearer token: browsers never send it by themselves
    CHECK_FALSE(Sessions::check_csrf(token, "", "http://evil.example", "127.0.0.1:8080"));
}
