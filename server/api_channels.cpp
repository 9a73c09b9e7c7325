#include "server/api_channels.hpp"
#include "server/api_response.hpp"

#include "channels/call_json.hpp"
#include "channels/mime_charset.hpp"
#include "engine/customer_merge.hpp"
#include "engine/phone_call.hpp"
#include "server/event_log.hpp"
#include "server/json_codec.hpp"
#include "server/store_async.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sstream>

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
    Request copy{req.base()};
    copy.erase(kPeerAddressField);  // ours, not the client's
    std::ostringstream head;
    head << copy.base();
    return head.str() + req.body();
}

ChannelRoutes::ChannelRoutes(App& app)
    : app_(app),
      form_rate_(app.clock(), app.config().webform.rate_per_minute, app.config().webform.rate_burst),
      acknowledge_([](const IntakeOutcome& outcome, const channels::WebForm& form, const std::string& lang) {
          spdlog::info("web form {}: acknowledgement to {} ({}) not sent: no outbound mail configured",
                       ticket_key(outcome.ticket.id), form.email, lang);
      }) {}
ChannelRoutes::~ChannelRoutes() { blocking_.join(); }

asio::awaitable<std::optional<Response>> ChannelRoutes::route_authenticated(const Request& req,
                                                                           const std::vector<std::string>& seg,
                                                                           const std::string& actor,
                                                                           std::string& pattern) {
    if (seg.size() == 3 && seg[2] == "calls") {
        pattern = "/api/v1/calls";
        if (req.method() != http::verb::post) co_return method_not_allowed(req, "POST");
        co_return co_await post_call(req, actor);
    }
    if (seg.size() == 5 && seg[2] == "customers" && seg[4] == "merge") {
        pattern = "/api/v1/customers/{id}/merge";
        if (req.method() != http::verb::post) co_return method_not_allowed(req, "POST");
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

asio::awaitable<std::optional<Response>> ChannelRoutes::route_public(const Request& req, boost::urls::url_view url,
                                                                    const std::vector<std::string>& seg,
                                                                    std::string& pattern) {
    const bool html_form = seg.size() == 1 && seg[0] == "form";
    const bool json_form = seg.size() == 3 && seg[0] == "api" && seg[1] == "v1" && seg[2] == "form";
    if (!html_form && !json_form) co_return std::nullopt;
    pattern = html_form ? "/form" : "/api/v1/form";
    std::string lang_param;
    auto params = url.params();
    if (auto it = params.find("lang"); it != params.end()) lang_param = (*it).value;
    const auto lang = channels::form_language(lang_param, req[http::field::accept_language]);
    const unsigned v = req.version();
    if (html_form && (req.method() == http::verb::get || req.method() == http::verb::head)) {
        Response res{Status::ok, v};
        res.set(http::field::content_type, "text/html; charset=utf-8");
        res.set(http::field::content_language, lang);
        res.set(http::field::vary, "Accept-Language");
        res.body() = channels::render_form_page(lang, {}, {}, app_.config().webform.categories, form_limits());
        res.prepare_payload();
        co_return res;
    }
    if (json_form && req.method() == http::verb::options) co_return form_options(req);
    if (req.method() != http::verb::post) co_return method_not_allowed(req, html_form ? "GET, POST" : "POST, OPTIONS");
    co_return co_await post_form(req, lang, json_form);
}

asio::awaitable<Response> ChannelRoutes::post_form(const Request& req, const std::string& lang, bool as_json) {
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
    auto post = channels::parse_form_body(req[http::field::content_type], req.body(), limits);
    if (!post) co_return refuse(Status::bad_request, "malformed", post.error().message);
    std::vector<channels::FieldError> errors;
    auto form = channels::read_web_form(*post, limits, app_.config().phone.default_region, errors);
    if (!errors.empty()) {
        if (as_json) {
            json::array list;
            for (const auto& e : errors)
                list.push_back({{"field", e.field}, {"code", e.code}, {"message", channels::field_message(lang, e, limits)}});
            auto body = error_json("invalid_field", channels::field_message(lang, errors.front(), limits), errors.front().field);
            body.as_object()["error"].as_object()["fields"] = std::move(list);
            co_return with_cors(json_response(v, Status::unprocessable_entity, body));
        }
        co_return html_page(Status::unprocessable_entity,
                            channels::render_form_page(lang, form, errors, app_.config().webform.categories, limits));
    }
    if (form.honeypot) {  // a bot: it is told "thank you" and nothing is kept
        spdlog::info("web form from {}: honeypot filled, dropped", peer);
        if (as_json) co_return with_cors(json_response(v, Status::accepted, {{"status", "received"}}));
        co_return html_page(Status::ok, channels::render_thanks_page(lang, "—"));
    }

    Enquiry enquiry = channels::enquiry_of(form);
    enquiry.queue = app_.config().webform.queue;
    enquiry.received_at = app_.clock().system_now();
    enquiry.metadata["peer"] = peer;
    enquiry.metadata["language_asked"] = lang;
    // Raw request and attachments are kept (fsync) on the blocking pool.
    auto io = co_await asio::this_coro::executor;
    auto pool = blocking_.get_executor();
    co_await asio::post(pool, asio::bind_executor(pool, asio::use_awaitable));
    std::exception_ptr kept;
    try {
        enquiry.raw_sha256 = app_.blobs().put(raw_request_bytes(req));
        enquiry.external_id = "form-" + enquiry.raw_sha256;  // the same bytes twice (a double click) are one post
        for (const auto& file : form.attachments) {
            Attachment a;
            a.filename = file.filename;
            a.content_type = file.content_type;
            a.size = static_cast<std::int64_t>(file.bytes.size());
            a.sha256 = app_.blobs().put(file.bytes);
            enquiry.attachments.push_back(std::move(a));
        }
    } catch (...) {
        kept = std::current_exception();
    }
    co_await asio::post(io, asio::bind_executor(io, asio::use_awaitable));
    if (kept) std::rethrow_exception(kept);

    const Intake& intake = app_.intake();
    auto work = [&intake, e = std::move(enquiry)](StoreTx& tx) { return intake.accept(tx, e); };
    auto outcome = *co_await write_async<Result<IntakeOutcome>>(app_.store(), std::move(work));
    if (!outcome) co_return refuse(Status::unprocessable_entity, "invalid_field", outcome.error().message, outcome.error().field);
    log_events(outcome->events);
    if (!outcome->duplicate && acknowledge_) acknowledge_(*outcome, form, lang);
    const auto key = ticket_key(outcome->ticket.id);
    if (as_json) {
        auto res = with_cors(json_response(v, outcome->duplicate ? Status::ok : Status::created,
                                           {{"ticket", key}, {"id", outcome->ticket.id}, {"customer_id", outcome->customer_id}}));
        co_return res;
    }
    co_return html_page(outcome->duplicate ? Status::ok : Status::created, channels::render_thanks_page(lang, key));
}

asio::awaitable<Response> ChannelRoutes::post_call(const Request& req, const std::string& actor) {
    const unsigned v = req.version();
    auto body = parse_json_body(req);
    if (!body) co_return problem_response(v, body.error());
    auto call = channels::call_from_api_json(*body, app_.config().phone.default_region);
    if (!call) co_return problem_response(v, call.error());
    if (call->external_id.empty()) call->external_id = std::string(req["Idempotency-Key"]);
    call->created_by = actor;

    // The raw request is kept (fsync) on the blocking pool, then back to this connection.
    auto io = co_await asio::this_coro::executor;
    auto pool = blocking_.get_executor();
    co_await asio::post(pool, asio::bind_executor(pool, asio::use_awaitable));
    std::exception_ptr kept;
    try {
        call->raw_sha256 = app_.blobs().put(raw_request_bytes(req));
    } catch (...) {
        kept = std::current_exception();
    }
    co_await asio::post(io, asio::bind_executor(io, asio::use_awaitable));
    if (kept) std::rethrow_exception(kept);

    const Intake& intake = app_.intake();
    auto work = [&intake, c = std::move(*call)](StoreTx& tx) { return accept_call(intake, tx, c); };
    auto outcome = *co_await write_async<Result<CallOutcome>>(app_.store(), std::move(work));
    if (!outcome) co_return problem_response(v, outcome.error());
    if (!outcome->intake)  // cannot happen for an agent's log (it always files); say so if it does
        co_return problem_response(v, problem(errc::invalid_field, outcome->skipped));
    const auto& in = *outcome->intake;
    log_events(in.events);
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
