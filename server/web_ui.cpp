#include "server/web_ui.hpp"

#include "server/json_codec.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <fstream>
#include <spdlog/spdlog.h>

#ifndef TRIAGE_WEB_ROOT
#define TRIAGE_WEB_ROOT "web"
#endif

namespace triage::server {
namespace http = boost::beast::http;
namespace json = boost::json;
namespace asio = boost::asio;
using Status = http::status;

namespace {

WebResponse json_answer(unsigned version, Status status, const json::value& body) {
    WebResponse res{status, version};
    res.set(http::field::content_type, "application/json; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    res.body() = json_text(body) + "\n";
    res.prepare_payload();
    return res;
}

WebResponse redirect(unsigned version, std::string_view to) {
    WebResponse res{Status::see_other, version};
    res.set(http::field::location, to);
    res.set(http::field::cache_control, "no-store");
    res.prepare_payload();
    return res;
}

std::optional<std::string> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string_view content_type_of(std::string_view name) {
    auto ends = [&](std::string_view s) { return name.size() >= s.size() && name.substr(name.size() - s.size()) == s; };
    if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
    if (ends(".css")) return "text/css; charset=utf-8";
    if (ends(".svg")) return "image/svg+xml";
    if (ends(".png")) return "image/png";
    if (ends(".json")) return "application/json; charset=utf-8";
    return "application/octet-stream";
}

bool safe_asset_name(std::string_view name) {
    if (name.empty() || name.front() == '.' || name.size() > 64) return false;
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) return false;
    return name.find("..") == std::string_view::npos;
}

}  // namespace

void add_security_headers(WebResponse& res) {
    if (res["Content-Security-Policy"].empty()) res.set("Content-Security-Policy", kApiCsp);
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    res.set("X-Frame-Options", "DENY");
    res.set("Cross-Origin-Opener-Policy", "same-origin");
}

WebUi::WebUi(App& app)
    : app_(app), root_(app.config().web_root.empty() ? std::filesystem::path(TRIAGE_WEB_ROOT) : app.config().web_root) {}

WebUi::~WebUi() { hashing_.join(); }

bool WebUi::owns(const std::vector<std::string>& seg) {
    if (seg.empty()) return true;
    return seg[0] == "login" || seg[0] == "logout" || seg[0] == "ui" || seg[0] == "assets";
}

WebResponse WebUi::page(const WebRequest& req, const std::string& file, const std::optional<Principal>& who,
                        std::optional<Action> needs) {
    const unsigned v = req.version();
    if (needs && !who) return redirect(v, "/login");
    std::string name = file;
    Status status = Status::ok;
    if (needs && !may(*who, *needs)) {  // the same policy as the API's
        name = "403.html";
        status = Status::forbidden;
    }
    auto body = read_file(root_ / name);
    if (!body) {
        spdlog::error("web: {} is missing from {}", name, root_.string());
        WebResponse res{Status::internal_server_error, v};
        res.set(http::field::content_type, "text/plain; charset=utf-8");
        res.body() = "the web UI files are missing; see the server log\n";
        res.prepare_payload();
        return res;
    }
    WebResponse res{status, v};
    res.set(http::field::content_type, "text/html; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    res.set("Content-Security-Policy", kPageCsp);
    res.body() = std::move(*body);
    res.prepare_payload();
    return res;
}

WebResponse WebUi::asset(const WebRequest& req, const std::string& name) {
    const unsigned v = req.version();
    std::optional<std::string> body;
    if (safe_asset_name(name)) body = read_file(root_ / "assets" / name);
    if (!body) {
        WebResponse res{Status::not_found, v};
        res.set(http::field::content_type, "text/plain; charset=utf-8");
        res.body() = "no such asset\n";
        res.prepare_payload();
        return res;
    }
    WebResponse res{Status::ok, v};
    res.set(http::field::content_type, content_type_of(name));
    res.set(http::field::cache_control, "no-cache");
    res.body() = std::move(*body);
    res.prepare_payload();
    return res;
}

asio::awaitable<WebResponse> WebUi::login(const WebRequest& req) {
    const unsigned v = req.version();
    boost::system::error_code ec;
    auto body = json::parse(req.body(), ec);
    if (ec || !body.is_object() || !body.as_object().contains("name") || !body.as_object().contains("password") ||
        !body.at("name").is_string() || !body.at("password").is_string())
        co_return json_answer(v, Status::bad_request,
                              error_json("malformed", "send {\"name\": \"…\", \"password\": \"…\"} as JSON"));
    std::string name(body.at("name").get_string());
    std::string password(body.at("password").get_string());
    auto io = co_await asio::this_coro::executor;
    auto pool = hashing_.get_executor();
    co_await asio::post(pool, asio::bind_executor(pool, asio::use_awaitable));
    LoginResult result = app_.sessions().login(name, password);
    co_await asio::post(io, asio::bind_executor(io, asio::use_awaitable));
    if (result.outcome == LoginResult::Outcome::rate_limited) {
        spdlog::warn("login of {} refused: too many failed attempts", name);
        auto res = json_answer(v, Status::too_many_requests,
                               error_json("rate_limited", "too many failed logins; try again later"));
        res.set(http::field::retry_after, std::to_string(result.retry_after.count()));
        co_return res;
    }
    if (result.outcome != LoginResult::Outcome::ok) {
        spdlog::info("login of {} failed", name);
        co_return json_answer(v, Status::unauthorized, error_json("unauthorized", "wrong name or password"));
    }
    const auto& p = *result.principal;
    spdlog::info("login of {} ({})", p.name, to_string(p.role));
    auto res = json_answer(v, Status::ok,
                           {{"name", p.name}, {"role", to_string(p.role)}, {"home", home_page(p.role)},
                            {"csrf_token", p.csrf_token}});
    res.set(http::field::set_cookie, app_.sessions().set_cookie(result.cookie_value));
    co_return res;
}

asio::awaitable<WebResponse> WebUi::attachment(const WebRequest& req, const Principal& who, TicketId ticket,
                                               std::string sha256) {
    const unsigned v = req.version();
    auto missing = [&] {
        return json_answer(v, Status::not_found, error_json("not_found", "no such attachment on this ticket"));
    };
    std::optional<Attachment> found;
    {
        auto reader = app_.store().reader();
        auto t = reader->ticket(ticket);
        if (!t || !may_see(who, *t)) co_return missing();
        for (const auto& m : reader->messages(ticket)) {
            for (const auto& a : m.attachments)
                if (a.sha256 == sha256) found = a;
            // The raw inbound bytes of a message (an email's source, a form's request).
            if (!found && m.raw_sha256 == sha256)
                found = Attachment{fmt::format("{}-message-{}.{}", ticket_key(ticket), m.id,
                                               m.channel == Channel::email || m.channel == Channel::fax ? "eml" : "txt"),
                                   "application/octet-stream", 0, sha256};
        }
    }
    if (!found) co_return missing();
    auto io = co_await asio::this_coro::executor;
    auto pool = hashing_.get_executor();
    co_await asio::post(pool, asio::bind_executor(pool, asio::use_awaitable));
    auto bytes = app_.blobs().get(sha256);
    co_await asio::post(io, asio::bind_executor(io, asio::use_awaitable));
    if (!bytes) co_return missing();
    std::string filename;
    for (char c : found->filename)  // a header-safe name; the bytes decide nothing about rendering
        filename += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
    if (filename.empty()) filename = "attachment";
    WebResponse res{Status::ok, v};
    res.set(http::field::content_type, "application/octet-stream");
    res.set(http::field::content_disposition, fmt::format("attachment; filename=\"{}\"", filename));
    res.set(http::field::cache_control, "private, no-store");
    res.body() = std::move(*bytes);
    res.prepare_payload();
    co_return res;
}

asio::awaitable<WebResponse> WebUi::handle(const WebRequest& req, const std::vector<std::string>& seg,
                                           std::string& pattern) {
    const unsigned v = req.version();
    const auto method = req.method();
    auto who = app_.sessions().authenticate({}, req[http::field::cookie]);
    auto wrong_method = [&](std::string_view allow) {
        auto res = json_answer(v, Status::method_not_allowed,
                               error_json("method_not_allowed", fmt::format("use {}", allow)));
        res.set(http::field::allow, allow);
        return res;
    };
    if (seg.empty()) {
        pattern = "/";
        co_return redirect(v, who ? home_page(who->role) : "/login");
    }
    if (seg[0] == "assets" && seg.size() == 2) {
        pattern = "/assets/*";
        if (method != http::verb::get && method != http::verb::head) co_return wrong_method("GET");
        co_return asset(req, seg[1]);
    }
    if (seg[0] == "login" && seg.size() == 1) {
        pattern = "/login";
        if (method == http::verb::get) co_return page(req, "login.html", who, std::nullopt);
        if (method == http::verb::post) co_return co_await login(req);
        co_return wrong_method("GET, POST");
    }
    if (seg[0] == "logout" && seg.size() == 1) {
        pattern = "/logout";
        if (method != http::verb::post) co_return wrong_method("POST");
        if (who) {
            if (auto p = Sessions::check_csrf(*who, req[kCsrfHeader], req[http::field::origin], req[http::field::host]))
                co_return json_answer(v, Status::forbidden, error_json(*p));
            app_.sessions().logout(req[http::field::cookie]);
        }
        auto res = json_answer(v, Status::ok, {{"home", "/login"}});
        res.set(http::field::set_cookie, Sessions::clear_cookie());
        co_return res;
    }
    if (seg[0] == "ui" && seg.size() == 2) {
        struct UiPage {
            std::string_view name;
            const char* file;
            Action needs;
        };
        static constexpr UiPage kPages[] = {{"queue", "queue.html", Action::read_tickets},
                                            {"ticket", "ticket.html", Action::read_tickets},
                                            {"board", "board.html", Action::handle_escalations},
                                            {"dashboard", "dashboard.html", Action::read_reports}};
        for (const auto& p : kPages) {
            if (seg[1] != p.name) continue;
            pattern = "/ui/" + seg[1];  // a made-up page stays "unmatched": no metrics series of its own
            if (method != http::verb::get && method != http::verb::head) co_return wrong_method("GET");
            co_return page(req, p.file, who, p.needs);
        }
    }
    pattern = "unmatched";
    co_return json_answer(v, Status::not_found, error_json("not_found", "no such page"));
}

}  // namespace triage::server
