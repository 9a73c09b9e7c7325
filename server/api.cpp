#include "server/api.hpp"
#include "server/api_response.hpp"

#include "channels/api_enquiry.hpp"
#include "channels/phone_number.hpp"
#include "engine/text.hpp"
#include "server/api_channels.hpp"
#include "engine/time_format.hpp"
#include "server/api_reports.hpp"
#include "server/email_outbox.hpp"
#include "server/event_log.hpp"
#include "server/json_codec.hpp"
#include "server/access.hpp"
#include "server/sessions.hpp"
#include "server/store_async.hpp"
#include "server/api_escalation.hpp"

#include <algorithm>
#include <cctype>
#include <array>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace triage::server {
namespace http = boost::beast::http;
namespace json = boost::json;
namespace asio = boost::asio;
using Status = http::status;

struct Api::Routed {
    std::string pattern = "unmatched";  // route pattern for metrics and logs
    std::optional<ApiToken> token;
    std::optional<Principal> principal;
};

namespace {


// Parses a JSON request body: 415 for another media type, 400 for malformed JSON.
// `storage`: where the parsed value lives (a monotonic resource makes a request's JSON a few
// allocations instead of one per string); it must outlive the value.
Result<json::value> parse_body(const Request& req, json::storage_ptr storage = {}) {
    auto type = req[http::field::content_type];
    // The media type is case-insensitive (RFC 9110 8.3.1) and may carry parameters; JSON is
    // application/json or a +json type (application/merge-patch+json).
    const std::string media = ascii_lower(trim_space(std::string_view(type.data(), type.size()).substr(0, type.find(';'))));
    if (!type.empty() && media != "application/json" && !(media.find('/') != std::string::npos && media.ends_with("+json")))
        return problem(errc::malformed, fmt::format("Content-Type must be application/json, not {}", std::string(type)));
    boost::system::error_code ec;
    json::parse_options options;
    options.max_depth = 32;
    auto value = json::parse(req.body(), ec, std::move(storage), options);
    if (ec) return problem(errc::malformed, fmt::format("malformed JSON: {}", ec.message()));
    return value;
}

// A queue the configuration does not list (`queues:`; any queue when it lists none): a
// ticket filed there would wait in a queue nobody serves. "" (the default queue) is known.
std::optional<Problem> unknown_queue(const Config& config, std::string_view queue) {
    if (config.queues.empty() || queue.empty() || queue == config.default_queue) return std::nullopt;
    if (std::find(config.queues.begin(), config.queues.end(), queue) != config.queues.end()) return std::nullopt;
    std::string known;
    for (const auto& q : config.queues) known += (known.empty() ? "" : ", ") + q;
    return problem(errc::invalid_field, fmt::format("queue '{}' is not one of the configured queues ({})", queue, known),
                   "queue");
}

Actor actor_of(const Principal& who) {
    if (who.user_id && who.via_session) return Actor{"user:" + who.name, who.name, who.agent_id};
    return Actor{"token:" + who.name, who.name, who.agent_id};
}

// The coarse, route-level half of the access policy (server/access.cpp decides): which
// action a request under /api/v1 is. Ticket-level checks follow in the routes.
std::optional<Action> action_of(const std::vector<std::string>& seg, http::verb method) {
    const bool reads = method == http::verb::get || method == http::verb::head;
    if (seg.size() < 3) return std::nullopt;
    const auto& area = seg[2];
    if (area == "escalations") return Action::handle_escalations;
    if (area == "reports") return Action::read_reports;
    if (area == "users" || area == "tokens" || area == "config" || area == "partners" || area == "admin" ||
        area == "import")
        return Action::admin;
    if (area == "me") return std::nullopt;  // everyone may read and change their own preferences
    return reads ? Action::read_tickets : Action::write_tickets;
}

Result<TicketPatch> parse_patch(const json::value& body, StoreReader& reader) {
    if (!body.is_object()) return problem(errc::invalid_field, "the request body must be a JSON object");
    TicketPatch patch;
    auto want_string = [](const json::value& v, std::string_view field) -> Result<std::string> {
        if (!v.is_string()) return problem(errc::invalid_field, fmt::format("{} must be a string", field), std::string(field));
        return std::string(v.get_string());
    };
    for (const auto& kv : body.get_object()) {
        std::string_view key = kv.key();
        const auto& v = kv.value();
        if (key == "status") {
            std::string s;
            TRIAGE_TRY(s, want_string(v, key));
            patch.status = parse_status(s);
            if (!patch.status)
                return problem(errc::invalid_field, "status must be one of new, open, pending, on_hold, solved, closed",
                               "status");
        } else if (key == "priority") {
            std::string s;
            TRIAGE_TRY(s, want_string(v, key));
            patch.priority = parse_priority(s);
            if (!patch.priority)
                return problem(errc::invalid_field, "priority must be one of low, normal, high, urgent", "priority");
        } else if (key == "queue") {
            TRIAGE_TRY(patch.queue, want_string(v, key));
        } else if (key == "subject") {
            TRIAGE_TRY(patch.subject, want_string(v, key));
            if (has_line_control(*patch.subject))
                return problem(errc::invalid_field, "subject must be one line, without control characters", "subject");
        } else if (key == "category") {
            if (v.is_null()) patch.category = std::string{};
            else { TRIAGE_TRY(patch.category, want_string(v, key)); }
        } else if (key == "assignee") {
            if (v.is_null()) {
                patch.assignee.emplace(std::nullopt);
            } else if (v.is_int64() && v.get_int64() > 0) {
                patch.assignee.emplace(v.get_int64());
            } else if (v.is_string()) {
                auto agent = reader.agent_by_email(v.get_string());
                if (!agent)
                    return problem(errc::invalid_field, fmt::format("no agent has the email {}", std::string_view(v.get_string())),
                                   "assignee");
                patch.assignee.emplace(agent->id);
            } else {
                return problem(errc::invalid_field, "assignee must be an agent id, an agent's email or null", "assignee");
            }
        } else if (key == "tier") {
            std::string s;
            TRIAGE_TRY(s, want_string(v, key));
            patch.tier = parse_tier(s);
            if (!patch.tier) return problem(errc::invalid_field, "tier must be one of L1, L2, supervisor, external", "tier");
        } else if (key == "tags") {
            if (!v.is_array()) return problem(errc::invalid_field, "tags must be an array of strings", "tags");
            std::vector<std::string> tags;
            for (const auto& t : v.get_array()) {
                if (!t.is_string() || t.get_string().size() > 64)
                    return problem(errc::invalid_field, "tags must be strings of at most 64 bytes", "tags");
                tags.emplace_back(t.get_string());
            }
            patch.tags = std::move(tags);
        } else {
            return problem(errc::invalid_field, fmt::format("unknown field {}", key), std::string(key));
        }
    }
    return patch;
}

Result<TicketQuery> parse_ticket_query(const boost::urls::params_view& params, StoreReader& reader) {
    TicketQuery q;
    for (const auto& p : params) {
        const std::string& key = p.key;
        const std::string& value = p.value;
        if (key == "status") {
            q.status = parse_status(value);
            if (!q.status)
                return problem(errc::invalid_field, "status must be one of new, open, pending, on_hold, solved, closed",
                               "status");
        } else if (key == "queue") {
            q.queue = value;
        } else if (key == "channel") {
            q.channel = parse_channel(value);
            if (!q.channel)
                return problem(errc::invalid_field, "channel must be one of email, fax, web, phone, api", "channel");
        } else if (key == "assignee") {
            if (value == "none") {
                q.unassigned = true;
            } else if (auto id = parse_ticket_ref(value)) {
                q.assignee = *id;
            } else if (auto agent = reader.agent_by_email(value)) {
                q.assignee = agent->id;
            } else {
                return problem(errc::invalid_field, "assignee must be an agent id, an agent's email or none", "assignee");
            }
        } else if (key == "requester") {
            auto id = parse_ticket_ref(value);
            if (!id) return problem(errc::invalid_field, "requester must be a customer id", "requester");
            q.requester = *id;
        } else if (key == "q") {
            q.text = value;
        } else if (key == "limit") {
            int limit = 0;
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
            if (ec != std::errc{} || end != value.data() + value.size() || limit < 1 || limit > 200)
                return problem(errc::invalid_field, "limit must be an integer from 1 to 200", "limit");
            q.limit = limit;
        } else if (key == "cursor") {
            auto id = parse_ticket_ref(value);
            if (!id) return problem(errc::invalid_field, "cursor must be the next_cursor of an earlier page", "cursor");
            q.after = *id;
        } else if (!key.empty() || !value.empty()) {  // "?&limit=1": an empty pair is nothing
            return problem(errc::invalid_field, fmt::format("unknown query parameter {}", key), key);
        }
    }
    return q;
}

}  // namespace

Api::Api(App& app) : app_(app), channels_(std::make_unique<ChannelRoutes>(app)), web_(app) {}
Api::~Api() = default;

asio::awaitable<void> Api::serve_websocket(boost::beast::tcp_stream stream, Request req) {
    auto who = app_.sessions().authenticate(req[http::field::authorization], req[http::field::cookie]);
    std::optional<Problem> refused;
    if (!who) refused = problem(errc::unauthorized, "log in first");
    else if (auto origin = req[http::field::origin]; !origin.empty() && who->via_session) {
        Principal check = *who;  // the Origin half of the CSRF rule (browsers cannot set headers here)
        refused = Sessions::check_csrf(check, check.csrf_token, origin, req[http::field::host]);
    }
    if (refused) {
        auto res = problem_response(req.version(), *refused);
        add_security_headers(res);
        res.keep_alive(false);
        boost::system::error_code ec;
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
        co_return;
    }
    spdlog::info("GET /ws 101 {}", who->name);
    co_await app_.live().serve(std::move(stream), std::move(req), std::move(*who));
}

Response Api::error_response(unsigned version, Status status, std::string_view code, std::string_view message) {
    return json_response(version, status, error_json(code, message));
}

void Api::refused(std::string_view method, std::string_view target, unsigned status) {
    app_.metrics().observe(method, "(not routed)", status, std::chrono::nanoseconds{0});
    spdlog::info("{} {} {} refused before routing", method.empty() ? "-" : method, target.empty() ? "-" : target, status);
}

asio::awaitable<Response> Api::handle(Request req) {
    const auto started = std::chrono::steady_clock::now();
    Routed routed;
    Response res;
    try {
        res = co_await route(req, routed);
        add_security_headers(res);
    } catch (const std::exception& e) {
        spdlog::error("{} {}: {}", std::string(req.method_string()), std::string(req.target()), e.what());
        res = error_response(req.version(), Status::internal_server_error, "internal",
                             "the server failed to answer; the error is in its log");
    }
    const auto elapsed = std::chrono::steady_clock::now() - started;
    app_.metrics().observe(req.method_string(), routed.pattern, res.result_int(), elapsed);
    spdlog::info("{} {} {} {}us{}{}", std::string_view(req.method_string()), std::string_view(req.target()),
                 res.result_int(), std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count(),
                 routed.principal ? (routed.principal->via_session ? " user:" : " token:") : "",
                 routed.principal ? std::string_view(routed.principal->name) : std::string_view{});
    co_return res;
}

asio::awaitable<Response> Api::route(const Request& req, Routed& routed) {
    const unsigned v = req.version();
    auto url = boost::urls::parse_origin_form(req.target());
    std::string escaped;
    if (!url) {  // clients such as curl send raw UTF-8 in the query: escape it and try again
        for (unsigned char c : req.target()) {
            if (c >= 0x80 || c == ' ') escaped += fmt::format("%{:02X}", c);
            else escaped += static_cast<char>(c);
        }
        url = boost::urls::parse_origin_form(escaped);
    }
    if (!url) co_return error_response(v, Status::bad_request, "malformed", "the request target is not a valid path");
    std::vector<std::string> seg;
    for (auto s : url->segments()) seg.push_back(s);
    if (!seg.empty() && seg.back().empty()) seg.pop_back();  // trailing slash
    const auto method = req.method();
    if (WebUi::owns(seg)) co_return co_await web_.handle(req, seg, routed.pattern);
    auto not_allowed = [&](std::string_view allow) {
        auto res = error_response(v, Status::method_not_allowed, "method_not_allowed",
                                  fmt::format("{} is not allowed here; use {}", std::string(req.method_string()), allow));
        res.set(http::field::allow, allow);
        return res;
    };

    if (seg.size() == 1 && seg[0] == "metrics") {
        routed.pattern = "/metrics";
        if (method != http::verb::get) co_return not_allowed("GET");
        Response res{Status::ok, v};
        res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        res.body() = app_.metrics().prometheus(app_.store().reader()->count_by_status());
        res.prepare_payload();
        co_return res;
    }
    if (auto res = co_await channels_->route_public(req, *url, seg, routed.pattern)) co_return std::move(*res);
    if (seg.size() < 2 || seg[0] != "api" || seg[1] != "v1") {
        co_return error_response(v, Status::not_found, "not_found", fmt::format("no such page: {}", std::string(url->path())));
    }
    if (seg.size() == 3 && seg[2] == "health") {
        routed.pattern = "/api/v1/health";
        if (method != http::verb::get) co_return not_allowed("GET");
        co_return json_response(v, Status::ok, {{"status", "ok"}, {"time", format_rfc3339(app_.clock().system_now())}});
    }

    routed.principal = app_.sessions().authenticate(req[http::field::authorization], req[http::field::cookie]);
    if (!routed.principal) {
        routed.pattern = "/api/v1/*";
        auto res = error_response(v, Status::unauthorized, "unauthorized",
                                  req[http::field::authorization].empty()
                                      ? "this endpoint needs an Authorization: Bearer token or a login session"
                                      : "the bearer token is not valid");
        res.set(http::field::www_authenticate, "Bearer realm=\"triage\"");
        co_return res;
    }
    // The token form of the principal, for routes written against ApiToken.
    routed.token = ApiToken{0, routed.principal->name, std::string(to_string(routed.principal->role))};
    const Principal& who = *routed.principal;
    const Actor actor = actor_of(who);
    if (method != http::verb::get && method != http::verb::head)
        if (auto refused = Sessions::check_csrf(who, req[kCsrfHeader], req[http::field::origin], req[http::field::host]))
            co_return problem_response(v, *refused);
    if (auto action = action_of(seg, method); action && !may(who, *action))
        co_return problem_response(
            v, problem(errc::forbidden, fmt::format("a {} may not do this ({} {})", to_string(who.role),
                                                    std::string(req.method_string()), std::string(url->path()))));

    // Every route under a ticket (ours and those other modules add) hides the tickets of
    // other queues from an agent, here, once.
    if (who.role == Role::agent && seg.size() >= 4 && seg[2] == "tickets")
        if (auto id = parse_ticket_ref(seg[3]))
            if (auto t = app_.store().reader()->ticket(*id); t && !may_see(who, *t))
                co_return problem_response(v, problem(errc::not_found, fmt::format("ticket {} does not exist", ticket_key(*id))));

    if (auto res = co_await channels_->route_authenticated(req, seg, who, actor.id, routed.pattern)) co_return std::move(*res);

    // /api/v1/users: the logins (admins only, by the gate above); never their secrets.
    if (seg.size() == 3 && seg[2] == "users") {
        routed.pattern = "/api/v1/users";
        if (method != http::verb::get) co_return not_allowed("GET");
        json::array users;
        for (const auto& u : app_.accounts().users()) {
            json::array queues;
            for (const auto& q : u.queues) queues.emplace_back(q);
            users.push_back({{"id", u.id}, {"name", u.name}, {"role", u.role}, {"queues", std::move(queues)},
                             {"language", u.language}, {"agent_email", u.agent_email},
                             {"can_log_in", !u.password_hash.empty()}, {"created_at", format_rfc3339(u.created_at)}});
        }
        co_return json_response(v, Status::ok, {{"users", std::move(users)}});
    }

    // /api/v1/me: who is logged in, the CSRF token for the pages, the UI language.
    if (seg.size() == 3 && seg[2] == "me") {
        routed.pattern = "/api/v1/me";
        if (method == http::verb::get) {
            json::array queues;
            for (const auto& q : who.queues) queues.emplace_back(q);
            co_return json_response(
                v, Status::ok,
                {{"name", who.name}, {"role", to_string(who.role)}, {"queues", std::move(queues)},
                 {"language", who.language}, {"home", home_page(who.role)},
                 {"agent_id", who.agent_id ? json::value(*who.agent_id) : json::value(nullptr)},
                 {"csrf_token", who.via_session ? json::value(who.csrf_token) : json::value(nullptr)},
                 {"can", {{"write_tickets", may(who, Action::write_tickets)},
                          {"reassign", may(who, Action::reassign)},
                          {"escalations", may(who, Action::handle_escalations)},
                          {"reports", may(who, Action::read_reports)},
                          {"admin", may(who, Action::admin)}}}});
        }
        if (method == http::verb::patch) {
            auto body = parse_body(req);
            if (!body) co_return problem_response(v, body.error());
            const json::value* lang = body->is_object() ? body->as_object().if_contains("language") : nullptr;
            static const std::array<std::string_view, 4> kLanguages{"en", "fi", "et", "lv"};
            if (!lang || !lang->is_string() ||
                std::find(kLanguages.begin(), kLanguages.end(), std::string_view(lang->get_string())) == kLanguages.end())
                co_return problem_response(v, problem(errc::invalid_field, "language must be en, fi, et or lv", "language"));
            if (!who.user_id)
                co_return problem_response(v, problem(errc::invalid_field, "this token has no user to keep a language for"));
            app_.accounts().set_language(*who.user_id, std::string_view(lang->get_string()));
            co_return json_response(v, Status::ok, {{"language", lang->get_string()}});
        }
        co_return not_allowed("GET, PATCH");
    }

    // /api/v1/tickets
    if (seg.size() == 3 && seg[2] == "tickets") {
        routed.pattern = "/api/v1/tickets";
        if (method == http::verb::get) {
            auto reader = app_.store().reader();
            auto query = parse_ticket_query(url->params(), *reader);
            if (!query) co_return problem_response(v, query.error());
            auto visible = restrict_query(who, *query);
            if (!visible) co_return problem_response(v, visible.error());
            auto page = *visible ? reader->tickets(*query) : TicketPage{};
            std::string out = "{\"tickets\":[";
            out.reserve(64 + 600 * page.tickets.size());
            for (std::size_t i = 0; i < page.tickets.size(); ++i) {
                if (i > 0) out += ',';
                append_ticket_json(out, page.tickets[i]);
            }
            out += "],\"next_cursor\":";
            if (page.next_cursor) append_json_string(out, std::to_string(*page.next_cursor));
            else out += "null";
            out += '}';
            co_return json_text_response(v, Status::ok, std::move(out));
        }
        if (method == http::verb::post) {
            json::monotonic_resource scratch;
            auto body = parse_body(req, &scratch);
            if (!body) co_return problem_response(v, body.error());
            auto enquiry = channels::enquiry_from_api_json(*body, app_.clock().system_now(), app_.config().phone.default_region);
            if (!enquiry) co_return problem_response(v, enquiry.error());
            auto key = idempotency_key(req);
            if (!key) co_return problem_response(v, key.error());
            const char* key_field = enquiry->external_id.empty() ? "Idempotency-Key" : "external_id";
            if (enquiry->external_id.empty()) enquiry->external_id = std::move(*key);
            enquiry->client_idempotency_key = !enquiry->external_id.empty();
            enquiry->metadata["created_by"] = actor.id;
            if (auto unknown = unknown_queue(app_.config(), enquiry->queue)) co_return problem_response(v, *unknown);
            if (!may_see_queue(who, enquiry->queue.empty() ? app_.config().default_queue : enquiry->queue))
                co_return problem_response(v, problem(errc::forbidden, "you are not a member of that queue", "queue"));
            app_.escalation().detect_language(*enquiry);
            const Intake& intake = app_.intake();
            auto work = [&intake, &escalation = app_.escalation(), e = std::move(*enquiry)](StoreTx& tx) {
                auto outcome = intake.accept(tx, e);
                if (outcome) escalation.after_intake(tx, *outcome);
                return outcome;
            };
            auto outcome = *co_await write_async<Result<IntakeOutcome>>(app_.store(), std::move(work));
            if (!outcome) co_return problem_response(v, name_key_field(outcome.error(), key_field));
            log_events(outcome->events);
            app_.live().publish(outcome->events);
            std::string out;
            out.reserve(640);
            append_ticket_json(out, outcome->ticket);
            auto res = json_text_response(v, outcome->duplicate ? Status::ok : Status::created, std::move(out));
            res.set(http::field::location, fmt::format("/api/v1/tickets/{}", outcome->ticket.id));
            co_return res;
        }
        co_return not_allowed("GET, POST");
    }

    // /api/v1/tickets/{id}[/messages|/events]
    if (seg.size() >= 4 && seg.size() <= 5 && seg[2] == "tickets") {
        auto id = parse_ticket_ref(seg[3]);
        const std::string sub = seg.size() == 5 ? seg[4] : "";
        // Only the sub-resources there are: a made-up one ("/tickets/1/x%22y") must not become
        // a metrics series of its own.
        routed.pattern = sub.empty()           ? "/api/v1/tickets/{id}"
                         : sub == "messages" ? "/api/v1/tickets/{id}/messages"
                         : sub == "events"   ? "/api/v1/tickets/{id}/events"
                                             : "unmatched";
        if (!id)
            co_return problem_response(v, problem(errc::not_found, fmt::format("'{}' is not a ticket id or key", seg[3])));
        auto missing = [&] { return problem_response(v, problem(errc::not_found, fmt::format("ticket {} does not exist", ticket_key(*id)))); };
        // A ticket outside an agent's queues is answered as if it did not exist.
        auto visible = [&](StoreReader& reader) {
            auto t = reader.ticket(*id);
            return t && may_see(who, *t) ? t : std::nullopt;
        };

        if (sub.empty()) {
            if (method == http::verb::get) {
                auto ticket = visible(*app_.store().reader());
                if (!ticket) co_return missing();
                std::string out;
                out.reserve(640);
                append_ticket_json(out, *ticket);
                co_return json_text_response(v, Status::ok, std::move(out));
            }
            if (method == http::verb::patch) {
                auto body = parse_body(req);
                if (!body) co_return problem_response(v, body.error());
                auto patch = parse_patch(*body, *app_.store().reader());
                if (!patch) co_return problem_response(v, patch.error());
                if (auto unknown = unknown_queue(app_.config(), patch->queue.value_or(""))) co_return problem_response(v, *unknown);
                const TicketDesk& desk = app_.desk();
                auto work = [&desk, &escalation = app_.escalation(), id = *id, p = std::move(*patch), actor, who](StoreTx& tx) -> Result<DeskOutcome> {
                    if (auto t = tx.ticket(id))  // checked in the writing unit: the queue cannot move meanwhile
                        if (auto refused = check_change(who, *t, p)) return *refused;
                    auto outcome = desk.update(tx, id, p, actor);
                    if (outcome) escalation.after_desk(tx, *outcome);
                    return outcome;
                };
                auto outcome = *co_await write_async<Result<DeskOutcome>>(app_.store(), std::move(work));
                if (!outcome) co_return problem_response(v, outcome.error());
                log_events(outcome->events);
                app_.live().publish(outcome->events);
                co_return json_response(v, Status::ok, to_json(outcome->ticket));
            }
            co_return not_allowed("GET, PATCH");
        }
        if (sub == "messages") {
            if (method == http::verb::get) {
                auto reader = app_.store().reader();
                if (!visible(*reader)) co_return missing();
                json::array messages;
                for (const auto& m : reader->messages(*id)) messages.push_back(to_json(m));
                co_return json_response(v, Status::ok, {{"messages", std::move(messages)}});
            }
            if (method == http::verb::post) {
                auto body = parse_body(req);
                if (!body) co_return problem_response(v, body.error());
                if (!body->is_object()) co_return problem_response(v, problem(errc::invalid_field, "the request body must be a JSON object"));
                NewMessage m;
                for (const auto& kv : body->get_object()) {
                    if (kv.key() == "body" && kv.value().is_string()) m.body = kv.value().get_string();
                    else if (kv.key() == "kind" && kv.value().is_string()) {
                        auto kind = parse_message_kind(kv.value().get_string());
                        if (!kind || *kind == MessageKind::inbound)
                            co_return problem_response(v, problem(errc::invalid_field, "kind must be \"reply\" or \"note\"", "kind"));
                        m.kind = *kind;
                    } else {
                        co_return problem_response(
                            v, problem(errc::invalid_field,
                                       fmt::format("unknown or mistyped field {}", std::string_view(kv.key())),
                                       std::string(kv.key())));
                    }
                }
                const TicketDesk& desk = app_.desk();
                const EmailOutbox& outbox = app_.outbox();
                auto work = [&desk, &outbox, &escalation = app_.escalation(), id = *id, m = std::move(m), actor, who](StoreTx& tx) -> Result<DeskOutcome> {
                    if (auto t = tx.ticket(id))  // checked in the writing unit: the queue cannot move meanwhile
                        if (auto refused = check_change(who, *t, TicketPatch{})) return *refused;
                    auto outcome = add_message_and_mail(desk, outbox, tx, id, m, actor);  // server/email_outbox.hpp
                    if (outcome) escalation.after_desk(tx, *outcome);
                    return outcome;
                };
                auto outcome = *co_await write_async<Result<DeskOutcome>>(app_.store(), std::move(work));
                if (!outcome) co_return problem_response(v, outcome.error());
                log_events(outcome->events);
                app_.mail_queued();
                app_.live().publish(outcome->events);
                auto out = to_json(*outcome->message);
                out.as_object()["ticket"] = to_json(outcome->ticket);
                auto res = json_response(v, Status::created, out);
                res.set(http::field::location, fmt::format("/api/v1/tickets/{}/messages", *id));
                co_return res;
            }
            co_return not_allowed("GET, POST");
        }
        if (sub == "events") {
            if (method != http::verb::get) co_return not_allowed("GET");
            auto reader = app_.store().reader();
            if (!visible(*reader)) co_return missing();
            json::array events;
            for (const auto& e : reader->events(*id)) events.push_back(to_json(e));
            co_return json_response(v, Status::ok, {{"events", std::move(events)}});
        }
    }

    // /api/v1/tickets/{id}/attachments/{sha256}
    if (seg.size() == 6 && seg[2] == "tickets" && seg[4] == "attachments") {
        routed.pattern = "/api/v1/tickets/{id}/attachments/{sha256}";
        if (method != http::verb::get) co_return not_allowed("GET");
        auto id = parse_ticket_ref(seg[3]);
        if (!id) co_return problem_response(v, problem(errc::not_found, fmt::format("'{}' is not a ticket id or key", seg[3])));
        co_return co_await web_.attachment(req, who, *id, seg[5]);
    }

    // /api/v1/customers[/{id}]
    if (seg.size() == 3 && seg[2] == "customers") {
        routed.pattern = "/api/v1/customers";
        if (method != http::verb::get) co_return not_allowed("GET");
        auto params = url->params();
        auto it = params.find("identity");
        if (it == params.end() || (*it).value.empty())
            co_return problem_response(v, problem(errc::invalid_field,
                                                  "give ?identity=email:ADDRESS or ?identity=phone:+NUMBER", "identity"));
        std::string asked((*it).value);
        // A '+' in a query string reads as a space: "phone:+358..." arrives as "phone: 358...".
        for (std::string_view prefix : {"phone: ", "fax: "})
            if (asked.starts_with(prefix) && asked.size() > prefix.size() &&
                std::isdigit(static_cast<unsigned char>(asked[prefix.size()])))
                asked[prefix.size() - 1] = '+';
        auto identity = parse_identity(asked);
        if (identity && identity->kind != IdentityKind::email) {
            // National forms ("040 765 4322") in the site's region, as the channels store them.
            std::string_view number = asked;
            for (std::string_view prefix : {"phone:", "fax:"})
                if (number.starts_with(prefix)) number.remove_prefix(prefix.size());
            if (auto e164 = channels::to_e164(number, app_.config().phone.default_region)) identity->value = *e164;
        }
        if (!identity)
            co_return problem_response(v, problem(errc::invalid_field, "identity is not an email address or a phone number", "identity"));
        auto reader = app_.store().reader();
        json::array customers;
        if (auto id = reader->customer_by_identity(*identity))
            if (auto c = reader->customer(*id)) customers.push_back(to_json(*c));
        co_return json_response(v, Status::ok, {{"customers", std::move(customers)}});
    }
    if (seg.size() == 4 && seg[2] == "customers") {
        routed.pattern = "/api/v1/customers/{id}";
        if (method != http::verb::get) co_return not_allowed("GET");
        auto id = parse_ticket_ref(seg[3]);
        auto customer = id ? app_.store().reader()->customer(*id) : std::nullopt;
        if (!customer) co_return problem_response(v, problem(errc::not_found, fmt::format("customer {} does not exist", seg[3])));
        co_return json_response(v, Status::ok, to_json(*customer));
    }
    if (seg.size() == 3 && seg[2] == "agents") {
        routed.pattern = "/api/v1/agents";
        if (method != http::verb::get) co_return not_allowed("GET");
        json::array agents;
        for (const auto& a : app_.store().reader()->agents()) agents.push_back(to_json(a));
        co_return json_response(v, Status::ok, {{"agents", std::move(agents)}});
    }
    if (auto escalation = co_await route_escalation(app_, req, seg, *routed.token, actor, routed.pattern))
        co_return std::move(*escalation);
    if (seg.size() >= 3 && (seg[2] == "reports" || seg[2] == "import"))
        co_return co_await handle_reports_route(app_, req, *url, seg, routed.pattern);
    co_return error_response(v, Status::not_found, "not_found", fmt::format("no such endpoint: {}", std::string(url->path())));
}

}  // namespace triage::server
