// WebUi: the browser side of triaged — the login and logout endpoints, the pages under /ui/
// (each checked against server/access.hpp before it is served) and their static assets
// from the web root (config web.root, default the source tree's web/). Also the security
// headers every response carries. Thread-safe: immutable after construction; password
// checks run on its own small pool, never on an I/O thread.
#pragma once

#include "server/access.hpp"
#include "server/app.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace triage::server {

using WebRequest = boost::beast::http::request<boost::beast::http::string_body>;
using WebResponse = boost::beast::http::response<boost::beast::http::string_body>;

// The page policy: scripts and styles only from our own origin, nothing from elsewhere,
// never framed by another site.
inline constexpr std::string_view kPageCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'";
inline constexpr std::string_view kApiCsp = "default-src 'none'; frame-ancestors 'none'; sandbox";

// CSP (kApiCsp unless the response set its own), nosniff, no referrer, no framing.
void add_security_headers(WebResponse& res);

class WebUi {
public:
    explicit WebUi(App& app);
    ~WebUi();

    // Whether the path (segments) is one of ours: "/", /login, /logout, /ui/…, /assets/….
    static bool owns(const std::vector<std::string>& segments);

    boost::asio::awaitable<WebResponse> handle(const WebRequest& req, const std::vector<std::string>& segments,
                                               std::string& pattern);

    // GET /api/v1/tickets/{id}/attachments/{sha256}: the bytes of an attachment of a ticket
    // `who` may see, always as a download (never rendered by the browser). Read off the I/O thread.
    boost::asio::awaitable<WebResponse> attachment(const WebRequest& req, const Principal& who, TicketId ticket,
                                                   std::string sha256);

private:
    WebResponse page(const WebRequest& req, const std::string& file, const std::optional<Principal>& who,
                     std::optional<Action> needs);
    WebResponse asset(const WebRequest& req, const std::string& name);
    boost::asio::awaitable<WebResponse> login(const WebRequest& req);

    App& app_;
    std::filesystem::path root_;
    boost::asio::thread_pool hashing_{1};  // Argon2id checks and attachment reads
};

}  // namespace triage::server
