#include "server/demo_history.hpp"

#include "engine/time_format.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <fstream>
#include <stdexcept>

namespace triage::server {
namespace json = boost::json;
namespace {

std::string str(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string{};
}

// "days_ago" + "time" (HH:MM, UTC) relative to today, so the demo always looks recent.
Timestamp when(const json::object& o, Timestamp now) {
    using namespace std::chrono;
    auto days_ago = o.contains("days_ago") ? o.at("days_ago").to_number<int>() : 0;
    auto time = str(o, "time");
    int h = 9, m = 0;
    if (time.size() == 5) h = std::stoi(time.substr(0, 2)), m = std::stoi(time.substr(3, 2));
    auto at = floor<days>(now) - days{days_ago} + hours{h} + minutes{m};
    return std::min<Timestamp>(at, now - minutes{days_ago * 7 + 1});  // never in the future, order kept
}

}  // namespace

std::size_t load_demo_history_if_fresh(App& app) {
    const auto& path = app.config().demo_history;
    if (path.empty()) return 0;
    auto counts = app.store().reader()->count_by_status();
    for (const auto& [status, n] : counts)
        if (n > 0) return 0;
    std::ifstream in(path);
    if (!in) throw std::runtime_error(fmt::format("{}: cannot read the demo history", path.string()));

    const Timestamp now = app.clock().system_now();
    std::size_t created = 0, line_no = 0;
    std::string line;
    while (std::getline(in, line)) {
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#') continue;
        try {
            auto value = json::parse(line);
            const auto& o = value.as_object();
            ManualClock clock(when(o, now));
            Intake intake(clock, IntakeDefaults{app.config().default_queue});
            TicketDesk desk(clock);

            Enquiry e;
            auto channel = parse_channel(str(o, "channel"));
            if (!channel) throw std::runtime_error("channel must be email, fax, web, phone or api");
            e.channel = *channel;
            e.received_at = clock.system_now();
            const auto& from = o.at("from").as_object();
            e.sender_name = str(from, "name");
            e.organisation = str(from, "organisation");
            if (auto email = str(from, "email"); !email.empty()) e.sender.push_back({IdentityKind::email, email});
            if (auto phone = str(from, "phone"); !phone.empty()) e.sender.push_back({IdentityKind::phone, phone});
            e.subject = str(o, "subject");
            e.text = str(o, "body");
            e.queue = str(o, "queue");
            e.category = str(o, "category");
            e.language = str(o, "language");
            e.external_id = str(o, "external_id");
            if (auto p = str(o, "priority"); !p.empty()) e.priority = parse_priority(p);

            auto outcome = write_sync(app.store(), [&](StoreTx& tx) { return intake.accept(tx, e); });
            if (!outcome) throw std::runtime_error(outcome.error().message);
            if (outcome->created) ++created;
            const TicketId id = outcome->ticket.id;

            if (auto then = o.find("then"); then != o.end()) {
                for (const auto& step_value : then->value().as_array()) {
                    const auto& step = step_value.as_object();
                    clock.advance(std::chrono::minutes(step.at("after_minutes").to_number<int>()));
                    if (clock.system_now() >= now) break;  // the rest of this story has not happened yet
                    std::optional<AgentId> agent_id;
                    std::string agent_name = "Triage";
                    if (auto email = str(step, "agent"); !email.empty()) {
                        auto agent = app.store().reader()->agent_by_email(email);
                        if (!agent) throw std::runtime_error(fmt::format("no agent {} in the config", email));
                        agent_id = agent->id;
                        agent_name = agent->name;
                    }
                    Actor actor = agent_id ? Actor{fmt::format("agent:{}", *agent_id), agent_name, agent_id}
                                           : Actor::system();
                    auto r = write_sync(app.store(), [&](StoreTx& tx) -> Result<DeskOutcome> {
                        if (auto reply = str(step, "reply"); !reply.empty())
                            return desk.add_message(tx, id, NewMessage{MessageKind::reply, reply, std::nullopt}, actor);
                        if (auto note = str(step, "note"); !note.empty())
                            return desk.add_message(tx, id, NewMessage{MessageKind::note, note, std::nullopt}, actor);
                        TicketPatch patch;
                        if (auto s = str(step, "status"); !s.empty()) patch.status = parse_status(s);
                        if (step.contains("assign")) patch.assignee.emplace(agent_id);
                        if (auto q = str(step, "queue"); !q.empty()) patch.queue = q;
                        return desk.update(tx, id, patch, actor);
                    });
                    if (!r) throw std::runtime_error(r.error().message);
                }
            }
        } catch (const std::exception& ex) {
            throw std::runtime_error(fmt::format("{}:{}: {}", path.string(), line_no, ex.what()));
        }
    }
    return created;
}

}  // namespace triage::server
