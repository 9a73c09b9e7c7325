#include "server/api_escalation.hpp"
#include "server/api_response.hpp"

#include "engine/time_format.hpp"
#include "escalation/escalation_engine.hpp"
#include "server/event_log.hpp"
#include "server/json_codec.hpp"
#include "server/store_async.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <fmt/format.h>

namespace triage::server {
namespace http = boost::beast::http;
namespace json = boost::json;
namespace asio = boost::asio;
using Status = http::status;

namespace {


Response failure(unsigned version, const Problem& p) { return problem_response(version, p); }

Response not_allowed(unsigned version, std::string_view allow) {
    auto res = json_response(version, Status::method_not_allowed,
                     error_json("method_not_allowed", fmt::format("use {}", allow)));
    res.set(http::field::allow, allow);
    return res;
}

Result<json::object> body_object(const Request& req) {
    boost::system::error_code ec;
    auto value = json::parse(req.body(), ec);
    if (ec) return problem(errc::malformed, fmt::format("malformed JSON: {}", ec.message()));
    if (!value.is_object()) return problem(errc::invalid_field, "the request body must be a JSON object");
    return value.as_object();
}

Result<std::string> string_field(const json::object& o, std::string_view key, bool required) {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) {
        if (required) return problem(errc::invalid_field, fmt::format("{} is required", key), std::string(key));
        return std::string{};
    }
    if (!it->value().is_string()) return problem(errc::invalid_field, fmt::format("{} must be a string", key), std::string(key));
    return std::string(it->value().get_string());
}

json::value sla_json(const TicketSlaRecord& r, const EscalationSettings& settings, const Ticket& t, Timestamp now) {
    const BusinessCalendar* calendar = settings.calendar_named(r.calendar);
    if (!calendar) calendar = &settings.calendar_for(t.queue);
    SlaClock clock(sla_state_of(r));
    static constexpr std::array<std::string_view, 5> kPhases{"idle", "running", "paused", "met", "breached"};
    json::object o;
    o["target"] = r.target;
    o["policy"] = r.policy;
    o["calendar"] = r.calendar;
    o["phase"] = kPhases[std::min<std::size_t>(static_cast<std::size_t>(r.phase), kPhases.size() - 1)];
    o["target_business_minutes"] = r.target_minutes;
    o["started_at"] = format_rfc3339(r.started_at);
    auto deadline = clock.deadline();
    o["deadline"] = deadline ? json::value(format_rfc3339(*deadline)) : json::value(nullptr);
    o["business_minutes_used"] = clock.minutes_used(now, *calendar);
    o["business_minutes_left"] = clock.minutes_left(now, *calendar);
    o["warned"] = (r.fired & SlaClockState::kFiredWarning) != 0;
    o["breached"] = (r.fired & SlaClockState::kFiredBreach) != 0;
    o["wall_minutes"] = r.wall_minutes ? json::value(*r.wall_minutes) : json::value(nullptr);
    o["business_minutes"] = r.business_minutes ? json::value(*r.business_minutes) : json::value(nullptr);
    json::array timeline;
    for (const auto& e : decode_sla_timeline(r.timeline))
        timeline.push_back({{"event", to_string(e.kind)},
                            {"at", format_rfc3339(e.at)},
                            {"business_minutes_used", e.business_minutes_used},
                            {"business_minutes_left", e.business_minutes_left}});
    o["timeline"] = std::move(timeline);
    return o;
}

json::value referral_json(const ReferralRecord& r) {
    return {{"id", r.id},
            {"ticket_id", r.ticket_id},
            {"partner", r.partner},
            {"specialty", r.specialty},
            {"state", r.state},
            {"note", r.note},
            {"created_at", format_rfc3339(r.created_at)},
            {"updated_at", format_rfc3339(r.updated_at)}};
}

json::value notification_json(const NotificationRecord& n) {
    return {{"id", n.id},          {"channel", n.channel},   {"target", n.target},
            {"subject", n.subject}, {"body", n.body},         {"status", n.status},
            {"attempts", n.attempts}, {"last_error", n.last_error}, {"created_at", format_rfc3339(n.created_at)}};
}

}  // namespace

asio::awaitable<std::optional<Response>> route_escalation(App& app, const Request& req,
                                                          const std::vector<std::string>& seg, const ApiToken& token,
                                                          const Actor& actor, std::string& pattern) {
    const unsigned v = req.version();
    const auto method = req.method();
    const Timestamp now = app.clock().system_now();
    auto& escalation = app.escalation();

    // POST /api/v1/admin/reload
    if (seg.size() == 4 && seg[2] == "admin" && seg[3] == "reload") {
        pattern = "/api/v1/admin/reload";
        if (method != http::verb::post) co_return not_allowed(v, "POST");
        if (token.role != "admin")
            co_return failure(v, problem(errc::forbidden, "reloading the rules needs an admin token"));
        auto reloaded = escalation.reload();
        if (!reloaded) co_return json_response(v, Status::unprocessable_entity, error_json(reloaded.error()));
        co_return json_response(v, Status::ok, {{"status", "reloaded"}, {"rules", *reloaded}});
    }

    // GET /api/v1/escalations
    if (seg.size() == 3 && seg[2] == "escalations") {
        pattern = "/api/v1/escalations";
        if (method != http::verb::get) co_return not_allowed(v, "GET");
        auto reader = app.store().reader();
        json::array list;
        for (const auto& r : reader->escalated_slas(200)) {
            auto t = reader->ticket(r.ticket_id);
            if (!t) continue;
            auto o = sla_json(r, escalation.engine().settings(), *t, now).as_object();
            o["state"] = (r.fired & SlaClockState::kFiredBreach) ? "breached" : "at_risk";
            o["ticket"] = to_json(*t);
            list.push_back(std::move(o));
        }
        co_return json_response(v, Status::ok, {{"escalations", std::move(list)}});
    }

    if (seg.size() < 5 || seg[2] != "tickets") co_return std::nullopt;
    auto id = parse_ticket_ref(seg[3]);
    if (!id) co_return std::nullopt;
    const std::string& sub = seg[4];

    // GET /api/v1/tickets/{id}/sla
    if (seg.size() == 5 && sub == "sla") {
        pattern = "/api/v1/tickets/{id}/sla";
        if (method != http::verb::get) co_return not_allowed(v, "GET");
        auto reader = app.store().reader();
        auto t = reader->ticket(*id);
        if (!t) co_return failure(v, problem(errc::not_found, fmt::format("ticket {} does not exist", ticket_key(*id))));
        json::array clocks;
        for (const auto& r : reader->ticket_slas(*id)) clocks.push_back(sla_json(r, escalation.engine().settings(), *t, now));
        co_return json_response(v, Status::ok, {{"ticket", ticket_key(*id)}, {"tier", to_string(t->tier)}, {"clocks", std::move(clocks)}});
    }

    // GET /api/v1/tickets/{id}/notifications
    if (seg.size() == 5 && sub == "notifications") {
        pattern = "/api/v1/tickets/{id}/notifications";
        if (method != http::verb::get) co_return not_allowed(v, "GET");
        json::array list;
        auto reader = app.store().reader();
        for (const auto& n : reader->notifications(*id)) {
            auto o = notification_json(n).as_object();
            // An email notification's delivery is its outbox row's: pending, sending, sent, failed.
            if (n.outbox_id != 0)
                if (auto mail = reader->outbound(n.outbox_id)) {
                    o["outbox_id"] = n.outbox_id;
                    o["message_id"] = mail->rfc_message_id;
                    o["delivery"] = to_string(mail->state);
                }
            list.push_back(std::move(o));
        }
        co_return json_response(v, Status::ok, {{"notifications", std::move(list)}});
    }

    // /api/v1/tickets/{id}/referrals[/{rid}]
    if (sub == "referrals" && seg.size() <= 6) {
        pattern = seg.size() == 5 ? "/api/v1/tickets/{id}/referrals" : "/api/v1/tickets/{id}/referrals/{rid}";
        if (seg.size() == 5 && method == http::verb::get) {
            json::array list;
            for (const auto& r : app.store().reader()->referrals(*id)) list.push_back(referral_json(r));
            co_return json_response(v, Status::ok, {{"referrals", std::move(list)}});
        }
        auto body = body_object(req);
        if (seg.size() == 5 && method == http::verb::post) {
            if (!body) co_return failure(v, body.error());
            auto specialty = string_field(*body, "specialty", true);
            if (!specialty) co_return failure(v, specialty.error());
            auto region = string_field(*body, "region", false);
            if (!region) co_return failure(v, region.error());
            auto out = std::make_shared<EscalationOutcome>();
            auto work = [&escalation, id = *id, s = *specialty, r = *region, actor, out](StoreTx& tx) {
                return escalation.refer(tx, id, s, r, actor, *out);
            };
            auto referred = *co_await write_async<Result<ReferralRecord>>(app.store(), std::move(work));
            if (!referred) co_return failure(v, referred.error());
            log_events(out->events);
            app.live().publish(out->events);
            co_return json_response(v, Status::created, referral_json(*referred));
        }
        if (seg.size() == 6 && method == http::verb::patch) {
            std::int64_t rid = 0;
            auto [end, ec] = std::from_chars(seg[5].data(), seg[5].data() + seg[5].size(), rid);
            if (ec != std::errc{} || end != seg[5].data() + seg[5].size())
                co_return failure(v, problem(errc::not_found, fmt::format("'{}' is not a referral id", seg[5])));
            if (!body) co_return failure(v, body.error());
            auto state = string_field(*body, "state", true);
            if (!state) co_return failure(v, state.error());
            auto note = string_field(*body, "note", false);
            if (!note) co_return failure(v, note.error());
            auto out = std::make_shared<EscalationOutcome>();
            auto work = [&escalation, ticket = *id, rid, s = *state, n = *note, actor, out](StoreTx& tx) -> Result<ReferralRecord> {
                auto r = tx.referral(rid);
                if (!r || r->ticket_id != ticket)
                    return problem(errc::not_found, fmt::format("referral {} of {} does not exist", rid, ticket_key(ticket)));
                return escalation.move_referral(tx, rid, s, n, actor, *out);
            };
            auto moved = *co_await write_async<Result<ReferralRecord>>(app.store(), std::move(work));
            if (!moved) co_return failure(v, moved.error());
            log_events(out->events);
            app.live().publish(out->events);
            co_return json_response(v, Status::ok, referral_json(*moved));
        }
        co_return not_allowed(v, seg.size() == 5 ? "GET, POST" : "PATCH");
    }
    co_return std::nullopt;
}

}  // namespace triage::server
