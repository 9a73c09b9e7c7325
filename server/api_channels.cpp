#include "server/api_channels.hpp"
#include "server/api_response.hpp"

#include "channels/call_json.hpp"
#include "channels/mime_charset.hpp"
#include "engine/customer_merge.hpp"
#include "engine/phone_call.hpp"
#include "server/event_log.hpp"
#include "server/json_codec.hpp"
#include "server/store_async.hpp"
#include "storage/sha256.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace triage::server {
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace json = boost::json;
namespace asio = boost::asio;
using Status = http::status;

namespace {


Result<json::value> parse_json_body(const Request& req) {
    auto type = req[http::field::content_type];
    if (!type.empty() && type.find("json") == std::string_view::npos)
        return problem(errc::malformed, fmt::format("Content-Type must be application/json, not {}", std::string(type)));
    boost::system::error_code ec;
    json::parse_options options;
    options.max_depth = 32;
    auto value = json::parse(req.body(), ec, {}, options);
    if (ec) return problem(errc::malformed, fmt::format("malformed JSON: {}", ec.message()));
    return value;
}

Response method_not_allowed(const Request& req, std::string_view allow) {
    auto res = json_response(req.version(), Status::method_not_allowed,
                             error_json("method_not_allowed",
                                        fmt::format("{} is not allowed here; use {}", std::string(req.method_string()), allow)));
    res.set(http::field::allow, allow);
    return res;
}

}  // namespace

std::string raw_request_bytes(const Request& req) {
    // As the client sent it: request line, header fields in order (without ours), body.
    std::string out;
    out.reserve(256 + req.body().size());
    out.append(req.method_string()).append(" ").append(req.target()).append(req.version() == 10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
    for (const auto& field : req) {
        if (beast::iequals(field.name_string(), kPeerAddressField)) continue;
        out.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
    }
    out.append("\r\n").append(req.body());
    return out;
}

ChannelRoutes::ChannelRoutes(App& app)
    : app_(app),
      form_rate_(app.clock(), app.config().webform.rate_per_minute, app.config().webform.rate_burst),
      form_tokens_(FormTokens::load_or_create_key(app.config().data_dir / "webform.key"),
                   FormTokenSettings{app.config().webform.token_required,
                                     std::chrono::seconds(app.config().webform.token_min_seconds),
                                     std::chrono::seconds(app.config().webform.token_max_seconds)},
                   app.clock().system_now()),
      acknowledge_([&outbox = app.outbox()](StoreTx& tx, const Enquiry& enquiry, IntakeOutcome& outcome,
                                            const std::string& lang) { outbox.acknowledge(tx, enquiry, outcome, lang); }) {}
ChannelRoutes::~ChannelRoutes() { blocking_.join(); }

asio::awaitable<std::optional<Response>> ChannelRoutes::route_authenticated(const Request& req,
                                                                           const std::vector<std::string>& seg,
                                                                           const Principal& who,
                                                                           const std::string& actor,
                                                                           std::string& pattern) {
    if (seg.size() == 3 && seg[2] == "calls") {
        pattern = "/api/v1/calls";
        if (req.method() != http::verb::post) co_return method_not_allowed(req, "POST");
        co_return co_await post_call(req, who, actor);
    }
    if (seg.size() == 5 && seg[2] == "customers" && seg[4] == "merge") {
        pattern = "/api/v1/customers/{id}/merge";
        if (req.method() != http::verb::post) co_return method_not_allowed(req, "POST");
        // A merge moves every ticket of both customers, in any queue: not for an agent, who
        // sees only their queues' tickets.
        if (who.role == Role::agent)
            co_return problem_response(req.version(), problem(errc::forbidden, "merging customers needs a supervisor or an admin"));
        co_return co_await merge_customers(req, seg[3], actor);
    }
    co_return std::nullopt;
}

channels::FormLimits ChannelRoutes::form_limits() const {
    channels::FormLimits limits;
    limits.max_attachment_bytes = app_.config().webform.max_attachment_bytes;
    limits.max_message = app_.config().webform.max_message_bytes;
    return limits;
}

bool ChannelRoutes::origin_allowed(const Request& req) const {
    const auto origin = std::string(req[http::field::origin]);
    const auto& allowed = app_.config().webform.allowed_origins;
    if (!origin.empty() && std::find(allowed.begin(), allowed.end(), origin) != allowed.end()) return true;
    // A browser says when the post comes from another site; no configured origin, no post.
    if (beast::iequals(req["Sec-Fetch-Site"], "cross-site")) return false;
    if (origin.empty() || origin == "null") return origin.empty();
    // Same site: the Origin's host is the Host we were asked for.
    auto scheme = origin.find("://");
    auto host = scheme == std::string::npos ? origin : origin.substr(scheme + 3);
    return beast::iequals(host, req[http::field::host]);
}

Response ChannelRoutes::form_options(const Request& req) {
    const auto origin = std::string(req[http::field::origin]);
    const auto& allowed = app_.config().webform.allowed_origins;
    if (origin.empty() || std::find(allowed.begin(), allowed.end(), origin) == allowed.end()) {
        return json_response(req.version(), Status::forbidden,
                             error_json("forbidden", fmt::format("the origin '{}' may not post this form", origin), "origin"));
    }
    Response res{Status::no_content, req.version()};
    res.set(http::field::access_control_allow_origin, origin);
    res.set(http::field::access_control_allow_methods, "POST, OPTIONS");
    res.set(http::field::access_control_allow_headers, "Content-Type");
    res.set(http::field::access_control_max_age, "600");
    res.set(http::field::vary, "Origin");
    res.prepare_payload();
    return res;
}

channels::FormPageExtras ChannelRoutes::fresh_token_fields(std::string notice) const {
    auto token = form_tokens_.issue(app_.clock().system_now());
    channels::FormPageExtras extras;
    extras.hidden = {{"form_ts", std::to_string(token.form_ts)}, {"csrf_token", std::move(token.csrf_token)}};
    extras.notice = std::move(notice);
    return extras;
}

Response ChannelRoutes::form_token(const Request& req) {
    const auto origin = std::string(req[http::field::origin]);
    if (!origin_allowed(req))
        return json_response(req.version(), Status::forbidden,
                             error_json("forbidden", fmt::format("the origin '{}' may not post this form", origin), "origin"));
    auto token = form_tokens_.issue(app_.clock().system_now());
    const auto& settings = form_tokens_.settings();
    auto res = json_response(req.version(), Status::ok,
                             {{"form_ts", token.form_ts},
                              {"csrf_token", token.csrf_token},
                              {"min_wait_s", settings.min_age.count()},
                              {"expires_in_s", settings.max_age.count()}});
    res.set(http::field::cache_control, "no-store");
    const auto& allowed = app_.config().webform.allowed_origins;
    if (!origin.empty() && std::find(allowed.begin(), allowed.end(), origin) != allowed.end()) {
        res.set(http::field::access_control_allow_origin, origin);
        res.set(http::field::vary, "Origin");
    }
    return res;
}

asio::awaitable<std::optional<Response>> ChannelRoutes::route_public(const Request& req, boost::urls::url_view url,
                                                                    const std::vector<std::string>& seg,
                                                                    std::string& pattern) {
    const bool html_form = seg.size() == 1 && seg[0] == "form";
    const bool json_form = seg.size() == 3 && seg[0] == "api" && seg[1] == "v1" && seg[2] == "form";
    if (seg.size() == 4 && seg[0] == "api" && seg[1] == "v1" && seg[2] == "form" && seg[3] == "token") {
        pattern = "/api/v1/form/token";
        if (req.method() != http::verb::get) co_return method_not_allowed(req, "GET");
        co_return form_token(req);
    }
    if (!html_form && !json_form) co_return std::nullopt;
    pattern = html_form ? "/form" : "/api/v1/form";
    std::string lang_param;
    auto params = url.params();
    if (auto it = params.find("lang"); it != params.end()) lang_param = (*it).value;
    const auto asked = channels::asked_form_language(lang_param, req[http::field::accept_language]);
    const auto lang = asked.empty() ? std::string("en") : asked;
    const unsigned v = req.version();
    if (html_form && (req.method() == http::verb::get || req.method() == http::verb::head)) {
        Response res{Status::ok, v};
        res.set(http::field::content_type, "text/html; charset=utf-8");
        res.set(http::field::content_language, lang);
        res.set(http::field::vary, "Accept-Language");
        res.set(http::field::cache_control, "no-store");  // each page carries its own form token
        res.body() = channels::render_form_page(lang, {}, {}, app_.config().webform.categories, form_limits(),
                                                fresh_token_fields());
        res.prepare_payload();
        co_return res;
    }
    if (json_form && req.method() == http::verb::options) co_return form_options(req);
    if (req.method() != http::verb::post) co_return method_not_allowed(req, html_form ? "GET, POST" : "POST, OPTIONS");
    co_return co_await post_form(req, lang, asked, json_form);
}

asio::awaitable<Response> ChannelRoutes::post_form(const Request& req, const std::string& lang, const std::string& asked,
                                                  bool as_json) {
    const unsigned v = req.version();
    const std::string origin(req[http::field::origin]);
    auto html_page = [&](Status status, std::string body) {
        Response res{status, v};
        res.set(http::field::content_type, "text/html; charset=utf-8");
        res.set(http::field::content_language, lang);
        res.set(http::field::cache_control, "no-store");
        res.body() = std::move(body);
        res.prepare_payload();
        return res;
    };
    auto with_cors = [&](Response res) {
        const auto& allowed = app_.config().webform.allowed_origins;
        if (as_json && !origin.empty() && std::find(allowed.begin(), allowed.end(), origin) != allowed.end()) {
            res.set(http::field::access_control_allow_origin, origin);
            res.set(http::field::vary, "Origin");
        }
        return res;
    };
    auto refuse = [&](Status status, std::string_view code, std::string message, std::string field = {}) {
        if (as_json) return with_cors(json_response(v, status, error_json(code, message, field)));
        return html_page(status, fmt::format("<!doctype html>\n<html lang=\"{}\"><meta charset=\"utf-8\"><title>{}</title>"
                                             "<p role=\"alert\">{}</p><p><a href=\"/form?lang={}\">&larr;</a></p></html>\n",
                                             lang, static_cast<unsigned>(status), channels::html_escape(message), lang));
    };

    const std::string peer(req[kPeerAddressField]);
    if (!form_rate_.allow(peer)) {
        auto res = refuse(Status::too_many_requests, "rate_limited", "too many posts from your address; try again later");
        res.set(http::field::retry_after, std::to_string(std::max(1, form_rate_.retry_after(peer))));
        co_return res;
    }
    if (!origin_allowed(req))
        co_return refuse(Status::forbidden, "forbidden",
                         fmt::format("posts from '{}' are not accepted here", origin.empty() ? "another site" : origin),
                         "origin");
    const auto limits = form_limits();
    // The rest up to the write runs on the blocking pool, off the I/O thread that reads and
    // writes every connection: parsing and checking the post (libphonenumber's regexes are a
    // fifth of a post's work there), the form token (a replay check may read the store), the
    // raw request and attachments kept (fsync), the language guessed. A response decided on
    // the pool, or a throw, goes back to the connection's executor first.
    auto io = co_await asio::this_coro::executor;
    auto pool = blocking_.get_executor();
    co_await asio::post(pool, asio::bind_executor(pool, asio::use_awaitable));
    std::exception_ptr kept;
    std::optional<Response> early;
    Enquiry enquiry;
    try {
        early = [&]() -> std::optional<Response> {
            auto post = channels::parse_form_body(req[http::field::content_type], req.body(), limits);
            if (!post) return refuse(Status::bad_request, "malformed", post.error().message);
            std::vector<channels::FieldError> errors;
            auto form = channels::read_web_form(*post, limits, app_.config().phone.default_region, errors);
            if (!errors.empty()) {
                if (as_json) {
                    json::array list;
                    for (const auto& e : errors)
                        list.push_back(
                            {{"field", e.field}, {"code", e.code}, {"message", channels::field_message(lang, e, limits)}});
                    auto body = error_json("invalid_field", channels::field_message(lang, errors.front(), limits),
                                           errors.front().field);
                    body.as_object()["error"].as_object()["fields"] = std::move(list);
                    return with_cors(json_response(v, Status::unprocessable_entity, body));
                }
                return html_page(Status::unprocessable_entity,
                                 channels::render_form_page(lang, form, errors, app_.config().webform.categories, limits,
                                                            fresh_token_fields()));
            }
            if (form.honeypot) {  // a bot: it is told "thank you" and nothing is kept
                spdlog::info("web form from {}: honeypot filled, dropped", peer);
                if (as_json) return with_cors(json_response(v, Status::accepted, {{"status", "received"}}));
                return html_page(Status::ok, channels::render_thanks_page(lang, ""));
            }

            enquiry = channels::enquiry_of(form);
            enquiry.queue = app_.config().webform.queue;
            enquiry.received_at = app_.clock().system_now();
            enquiry.metadata["peer"] = peer;
            enquiry.metadata["language_asked"] = lang;

            auto raw = std::make_shared<const std::string>(raw_request_bytes(req));
            const std::string raw_sha = sha256_hex(*raw);
            auto token = form_tokens_.check(post->first("form_ts"), post->first("csrf_token"), enquiry.received_at);
            const bool tokenless = token.verdict == FormTokens::Verdict::missing && !form_tokens_.settings().required;
            if (token.verdict == FormTokens::Verdict::ok && !form_tokens_.spend(token.nonce, raw_sha, enquiry.received_at))
                token.verdict = FormTokens::Verdict::reused;
            if (token.verdict == FormTokens::Verdict::ok && token.from_earlier_run && spent_earlier(token, raw_sha))
                token.verdict = FormTokens::Verdict::reused;
            if (tokenless) token.verdict = FormTokens::Verdict::ok;
            if (token.verdict != FormTokens::Verdict::ok) {
                const auto code = to_string(token.verdict);
                Status status = Status::forbidden;
                std::string message, field = "csrf_token";
                switch (token.verdict) {
                    case FormTokens::Verdict::too_fast:
                        status = Status::too_many_requests;
                        message = fmt::format("the form was sent {} s after it was served; wait and send it again",
                                              (form_tokens_.settings().min_age - token.wait).count());
                        field = "form_ts";
                        break;
                    case FormTokens::Verdict::expired:
                        message = fmt::format("the form is older than {} s; load it again",
                                              form_tokens_.settings().max_age.count());
                        field = "form_ts";
                        break;
                    case FormTokens::Verdict::reused:
                        status = Status::conflict;
                        message = "this form token was already used by another post; load the form again";
                        break;
                    case FormTokens::Verdict::missing:
                        message = "the form token (form_ts and csrf_token) is missing; load the form (GET /form or "
                                  "GET /api/v1/form/token) and send its token";
                        break;
                    default: message = "the form token is not one this desk issued"; break;
                }
                spdlog::info("web form from {}: refused, {}", peer, code);
                Response res = as_json ? with_cors(json_response(v, status, error_json(code, message, field)))
                                       : html_page(status, channels::render_form_page(
                                                               lang, form, {}, app_.config().webform.categories, limits,
                                                               fresh_token_fields(channels::form_notice(lang, code))));
                if (token.verdict == FormTokens::Verdict::too_fast)
                    res.set(http::field::retry_after, std::to_string(std::max<std::int64_t>(1, token.wait.count())));
                return res;
            }
            // Kept by the intake's unit, with the ticket (large ones: a file now).
            PendingBlob raw_blob = app_.blobs().stage(std::move(raw));
            enquiry.raw_sha256 = raw_blob.sha256;
            enquiry.blobs.push_back(std::move(raw_blob));
            // The token is the post's identity: the same post again (a double click, a
            // retry) is one ticket. Without a token, the same bytes are.
            enquiry.external_id =
                token.nonce.empty() ? "form-" + enquiry.raw_sha256 : FormTokens::post_id(token.issued, token.nonce);
            for (const auto& file : form.attachments) {
                Attachment a;
                a.filename = file.filename;
                a.content_type = file.content_type;
                a.size = static_cast<std::int64_t>(file.bytes.size());
                PendingBlob blob = app_.blobs().stage(file.bytes);
                a.sha256 = blob.sha256;
                enquiry.blobs.push_back(std::move(blob));
                enquiry.attachments.push_back(std::move(a));
            }
            app_.escalation().detect_language(enquiry);
            if ((enquiry.language.empty() || enquiry.language == "und") && !asked.empty()) enquiry.language = asked;
            return std::nullopt;
        }();
    } catch (...) {
        kept = std::current_exception();
    }
    // A post to keep is queued to the writer from the pool: the commit resumes this coroutine
    // on its connection's executor anyway. Anything else goes back there first.
    if (kept || early) co_await asio::post(io, asio::bind_executor(io, asio::use_awaitable));
    if (kept) std::rethrow_exception(kept);
    if (early) co_return std::move(*early);

    const Intake& intake = app_.intake();
    auto work = [&intake, &escalation = app_.escalation(), &acknowledge = acknowledge_, e = std::move(enquiry),
                 asked](StoreTx& tx) {
        auto outcome = intake.accept(tx, e);
        if (outcome && outcome->created && acknowledge) acknowledge(tx, e, *outcome, asked);  // one commit with the ticket
        if (outcome) escalation.after_intake(tx, *outcome);
        return outcome;
    };
    auto outcome = *co_await write_async<Result<IntakeOutcome>>(app_.store(), std::move(work));
    if (!outcome) co_return refuse(Status::unprocessable_entity, "invalid_field", outcome.error().message, outcome.error().field);
    log_events(outcome->events);
    if (outcome->created) app_.mail_queued();
    app_.live().publish(outcome->events);
    const auto key = ticket_key(outcome->ticket.id);
    if (as_json) {
        auto res = with_cors(json_response(v, outcome->duplicate ? Status::ok : Status::created,
                                           {{"ticket", key}, {"id", outcome->ticket.id}, {"customer_id", outcome->customer_id}}));
        co_return res;
    }
    co_return html_page(outcome->duplicate ? Status::ok : Status::created, channels::render_thanks_page(lang, key));
}

bool ChannelRoutes::spent_earlier(const FormTokens::Check& token, const std::string& raw_sha256) {
    auto reader = app_.store().reader();
    auto seen = reader->message_by_external_id(Channel::web, FormTokens::post_id(token.issued, token.nonce));
    if (!seen) seen = reader->message_by_external_id(Channel::web, "form-" + token.nonce);  // as earlier versions kept them
    if (!seen) return false;
    for (const auto& m : reader->messages(seen->ticket_id))
        if (m.id == seen->message_id) return m.raw_sha256 != raw_sha256;  // other bytes: a replay
    return true;
}

asio::awaitable<Response> ChannelRoutes::post_call(const Request& req, const Principal& who, const std::string& actor) {
    const unsigned v = req.version();
    auto body = parse_json_body(req);
    if (!body) co_return problem_response(v, body.error());
    auto call = channels::call_from_api_json(*body, app_.config().phone.default_region, app_.clock().system_now());
    if (!call) co_return problem_response(v, call.error());
    if (who.role == Role::agent) {
        if (call->ticket_id) {
            auto t = app_.store().reader()->ticket(*call->ticket_id);
            if (t && !may_see(who, *t))
                co_return problem_response(
                    v, problem(errc::not_found, fmt::format("ticket {} does not exist", ticket_key(*call->ticket_id)), "ticket_id"));
        } else if (!may_see_queue(who, app_.config().default_queue)) {
            co_return problem_response(v, problem(errc::forbidden, "you are not a member of that queue", "queue"));
        }
    }
    auto key = idempotency_key(req);
    if (!key) co_return problem_response(v, key.error());
    const char* key_field = call->external_id.empty() ? "Idempotency-Key" : "external_id";
    if (call->external_id.empty()) call->external_id = std::move(*key);
    call->client_idempotency_key = !call->external_id.empty();
    call->created_by = actor;

    // The raw request is hashed on the blocking pool (a large one written to a file there),
    // then back to this connection; the unit that files the call keeps it.
    auto io = co_await asio::this_coro::executor;
    auto pool = blocking_.get_executor();
    co_await asio::post(pool, asio::bind_executor(pool, asio::use_awaitable));
    std::exception_ptr kept;
    PendingBlob raw_blob;
    try {
        raw_blob = app_.blobs().stage(raw_request_bytes(req));
        call->raw_sha256 = raw_blob.sha256;
    } catch (...) {
        kept = std::current_exception();
    }
    co_await asio::post(io, asio::bind_executor(io, asio::use_awaitable));
    if (kept) std::rethrow_exception(kept);

    const Intake& intake = app_.intake();
    // The same intake as every channel: rules, routing and SLA clocks follow, as for email.
    auto work = [&intake, &escalation = app_.escalation(), c = std::move(*call), raw_blob](StoreTx& tx) {
        if (raw_blob.bytes) tx.put_blob(raw_blob.sha256, *raw_blob.bytes);  // kept even when the call is skipped
        auto outcome = accept_call(intake, tx, c);
        if (outcome && outcome->intake) escalation.after_intake(tx, *outcome->intake);
        return outcome;
    };
    auto outcome = *co_await write_async<Result<CallOutcome>>(app_.store(), std::move(work));
    if (!outcome) co_return problem_response(v, name_key_field(outcome.error(), key_field));
    if (!outcome->intake)  // cannot happen for an agent's log (it always files); say so if it does
        co_return problem_response(v, problem(errc::invalid_field, outcome->skipped));
    const auto& in = *outcome->intake;
    log_events(in.events);
    app_.live().publish(in.events);
    auto out = to_json(in.ticket);
    out.as_object()["message_id"] = in.message.id;
    out.as_object()["customer_id"] = in.customer_id;
    auto res = json_response(v, in.duplicate ? Status::ok : Status::created, out);
    res.set(http::field::location, fmt::format("/api/v1/tickets/{}", in.ticket.id));
    co_return res;
}

asio::awaitable<Response> ChannelRoutes::merge_customers(const Request& req, const std::string& id_text,
                                                        const std::string& actor) {
    const unsigned v = req.version();
    auto keep = parse_ticket_ref(id_text);
    if (!keep) co_return problem_response(v, problem(errc::not_found, fmt::format("customer {} does not exist", id_text)));
    auto body = parse_json_body(req);
    if (!body) co_return problem_response(v, body.error());
    std::optional<CustomerId> gone;
    if (body->is_object()) {
        for (const auto& kv : body->get_object()) {
            if (kv.key() == "customer_id" && kv.value().is_int64() && kv.value().get_int64() > 0) gone = kv.value().get_int64();
            else
                co_return problem_response(v, problem(errc::invalid_field,
                                                      fmt::format("unknown or mistyped field {}", std::string_view(kv.key())),
                                                      std::string(kv.key())));
        }
    }
    if (!gone)
        co_return problem_response(v, problem(errc::invalid_field, "give {\"customer_id\": N}, the customer merged into this one",
                                              "customer_id"));
    const Clock& clock = app_.clock();
    auto work = [keep = *keep, gone = *gone, who = Actor{actor, actor, std::nullopt}, &clock](StoreTx& tx) {
        return triage::merge_customers(tx, keep, gone, who, clock.system_now());
    };
    auto outcome = *co_await write_async<Result<MergeOutcome>>(app_.store(), std::move(work));
    if (!outcome) co_return problem_response(v, outcome.error());
    log_events(outcome->events);
    auto out = to_json(outcome->customer);
    json::array moved;
    for (auto id : outcome->moved_tickets) moved.push_back(json::value(ticket_key(id)));
    out.as_object()["moved_tickets"] = std::move(moved);
    co_return json_response(v, Status::ok, out);
}

}  // namespace triage::server
