// The escalation service inside store units: the SLA timers an intake asks for reach the
// scheduler only after the unit is durably committed, never from a unit that rolled back.
#include "server/escalation_service.hpp"

#include "storage/sqlite_store.hpp"
#include "tests/support/result_printer.hpp"
#include "tests/support/time_literals.hpp"
#include "tests/support/triaged_process.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <future>

using namespace triage;
using triage::test::at;

namespace {

Enquiry enquiry(std::string subject) {
    Enquiry e;
    e.channel = Channel::api;
    e.sender_name = "Liisa";
    e.sender = {{IdentityKind::email, "liisa@example.fi"}};
    e.subject = std::move(subject);
    e.text = "Hei, tarvitsen apua laskun kanssa.";
    e.language = "fi";
    return e;
}

// Posts a unit that takes `e` in and runs the service after it, then keeps or refuses it
// (`keep`) or throws; returns what its `done` was told.
std::exception_ptr run_unit(Store& store, const Intake& intake, server::EscalationService& service, const Enquiry& e,
                            int keep, std::size_t& timers_inside) {
    std::promise<std::exception_ptr> done;
    store.post_write(
        [&](StoreTx& tx) {
            auto r = intake.accept(tx, e);
            REQUIRE(r.has_value());
            service.after_intake(tx, *r);
            timers_inside = service.pending_timers();
            if (keep < 0) throw std::runtime_error{"the unit fails after writing"};
            return keep > 0;
        },
        [&](std::exception_ptr error) { done.set_value(error); });
    return done.get_future().get();
}

}  // namespace

TEST_CASE("SLA timers are armed after the unit's commit, and a unit rolled back arms none") {
    test::TempDir dir;
    const auto config = dir.path() / "triage.yaml";
    std::ofstream(config) << R"(calendars:
  always:
    timezone: Europe/Helsinki
    hours: mon-sun 00:00-24:00
escalation:
  default_calendar: always
  sla_policies:
    - {name: standard, first_response: 60, next_response: 30, resolution: 480}
)";
    ManualClock clock{at("2026-12-21T10:00:00+02:00")};
    auto store = SqliteStore::open_in_memory();
    Intake intake{clock};
    TicketDesk desk{clock};
    server::EscalationService service(config, clock, desk, *store);

    std::size_t inside = 99;
    CHECK_FALSE(run_unit(*store, intake, service, enquiry("refused"), 0, inside));
    CHECK(inside == 0);
    CHECK(service.pending_timers() == 0);
    CHECK(run_unit(*store, intake, service, enquiry("thrown"), -1, inside));
    CHECK(service.pending_timers() == 0);
    CHECK(store->reader()->tickets({}).tickets.empty());  // both rolled back

    CHECK_FALSE(run_unit(*store, intake, service, enquiry("kept"), 1, inside));
    CHECK(inside == 0);                       // not while the unit runs
    CHECK(service.pending_timers() == 2);     // first response and resolution, after the commit
    CHECK(store->reader()->ticket_slas(1).size() == 2);
}
