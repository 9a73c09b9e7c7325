#include "server/api_channels.hpp"

#include "channels/call_json.hpp"
#include "engine/phone_call.hpp"
#include "server/event_log.hpp"
#include "server/json_codec.hpp"
#include "server/store_async.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <sstream>

namespace triage::server {
namespace http = boost::beast::http;
namespace json = boost::json;
namespace asio = boost::asio;
using Status = http::status;

namespace {

Response json_response(unsigned version, Status status, const json::value& body) {
    Response res{status, version};
    res.set(http::field::content_type, "application/json; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    res.body() = json::serialize(body);
    res.body() += '\n';
    res.prepare_payload();
    return res;
}

Status status_of(errc code) {
    switch (code) {
        case errc::malformed: return Status::bad_request;
        case errc::invalid_field: return Status::unprocessable_entity;
        case errc::not_found: return Status::not_found;
        case errc::invalid_transition:
        case errc::conflict: return Status::conflict;
        case errc::unauthorized: return Status::unauthorized;
        case errc::forbidden: return Status::forbidden;
        case errc::too_large: return Status::payload_too_large;
        case errc::unavailable: return Status::service_unavailable;
        case errc::ok: break;
    }
    return Status::internal_server_error;
}

Response problem_response(unsigned version, const Problem& p) {
    return json_response(version, status_of(p.code), error_json(p));
}

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
    std::ostringstream head;
    head << req.base();
    return head.str() + req.body();
}

ChannelRoutes::ChannelRoutes(App& app) : app_(app) {}
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

asio::awaitable<Response> ChannelRoutes::merge_customers(const Request& req, const std::string&, const std::string&) {
    co_return problem_response(req.version(), problem(errc::not_found, "not yet"));
}

}  // namespace triage::server
