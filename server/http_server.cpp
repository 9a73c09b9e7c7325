#include "server/http_server.hpp"

#include "engine/text.hpp"
#include "server/web_ui.hpp"

#include <algorithm>
#include <ctime>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace triage::server {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

HttpServer::HttpServer(asio::io_context& ioc, Api& api, const Endpoint& endpoint, HttpLimits limits)
    : ioc_(ioc), api_(api), limits_(limits), acceptor_(ioc) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(endpoint.host == "localhost" ? "127.0.0.1" : endpoint.host, ec);
    if (ec) throw std::runtime_error(fmt::format("http: '{}' is not an IP address", endpoint.host));
    tcp::endpoint ep{address, endpoint.port};
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep, ec);
    if (ec)
        throw std::runtime_error(
            fmt::format("http: cannot listen on {}:{}: {}", endpoint.host, endpoint.port, ec.message()));
    acceptor_.listen(asio::socket_base::max_listen_connections);
}

tcp::endpoint HttpServer::local_endpoint() const { return acceptor_.local_endpoint(); }

void HttpServer::start() {
    asio::co_spawn(acceptor_.get_executor(), accept_loop(), [](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                spdlog::error("http: accept loop ended: {}", ex.what());
            }
        }
    });
}

void HttpServer::stop() {
    stopping_ = true;
    asio::post(acceptor_.get_executor(), [this] {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
    });
}

asio::awaitable<void> HttpServer::accept_loop() {
    while (!stopping_) {
        boost::system::error_code ec;
        const asio::any_io_executor connection_executor =
            limits_.strand_per_connection ? asio::any_io_executor(asio::make_strand(ioc_)) : asio::any_io_executor(ioc_.get_executor());
        auto socket = co_await acceptor_.async_accept(connection_executor, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            if (stopping_ || ec == asio::error::operation_aborted) break;
            spdlog::warn("http: accept failed: {}", ec.message());
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        auto executor = socket.get_executor();
        asio::co_spawn(executor, session(std::move(socket)), [](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                spdlog::warn("http: connection dropped: {}", ex.what());  // the server carries on
            }
        });
    }
}

namespace {

// The client closed, reset or went quiet: nothing to answer.
bool peer_gone(const boost::system::error_code& ec) {
    return ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
           ec == asio::error::connection_reset || ec == asio::error::eof;
}

// After refusing a request whose body is still arriving, read and discard the rest for a
// moment before closing, so the client sees our answer instead of a connection reset.
asio::awaitable<void> linger(beast::tcp_stream& stream) {
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.expires_after(std::chrono::seconds(2));
    std::array<char, 16 * 1024> sink;
    std::size_t total = 0;
    while (!ec && total < (64u << 20)) {
        total += co_await stream.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
    }
}

// The whole response as one block of bytes: status line, the handler's fields, a
// Content-Length of the body, the body. One buffer and one send, where Beast's serializer
// walks a chain of buffer views (a fifth of a keep-alive request's CPU). Bodies are known in
// full (string bodies), so no chunking; responses that carry no body (1xx, 204, 304) get
// no Content-Length, and the answer to a HEAD request says the length but leaves the body out.
void serialize_response(const http::response<http::string_body>& response, bool head, std::string& out) {
    out.clear();
    const unsigned status = response.result_int();
    const bool bodiless = (status >= 100 && status < 200) || status == 204 || status == 304;
    out.reserve(256 + response.body().size());
    out += response.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += std::to_string(status);
    out += ' ';
    const auto reason = response.reason();
    out.append(reason.data(), reason.size());
    out += "\r\n";
    for (const auto& field : response) {
        if (field.name() == http::field::content_length || field.name() == http::field::transfer_encoding) continue;
        const auto name = field.name_string();
        const auto value = field.value();
        out.append(name.data(), name.size());
        out += ": ";
        out.append(value.data(), value.size());
        out += "\r\n";
    }
    if (!bodiless) {
        out += "Content-Length: ";
        out += std::to_string(response.body().size());
        out += "\r\n";
    }
    out += "\r\n";
    if (!bodiless && !head) out += response.body();
}

// A browser's form post (Accept: text/html first, as browsers send it): an error page is
// what its user can read, not JSON.
bool wants_html(const http::request_header<>& request) {
    const auto accept = request[http::field::accept];
    return accept.substr(0, std::min(accept.find(','), accept.find(';'))) == "text/html";
}

// RFC 9110 6.6.1: an origin server with a clock sends Date (IMF-fixdate), formatted once a
// second per thread and without the C library's locale.
const std::string& http_date() {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    thread_local std::time_t formatted_at = -1;
    thread_local std::string text;
    const std::time_t now = std::time(nullptr);
    if (now != formatted_at) {
        std::tm tm{};
        gmtime_r(&now, &tm);
        text = fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} GMT", kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon],
                           tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        formatted_at = now;
    }
    return text;
}

Response too_large_page(std::size_t limit) {
    Response res{http::status::payload_too_large, 11};
    res.set(http::field::content_type, "text/html; charset=utf-8");
    res.body() = fmt::format(
        "<!doctype html>\n<html lang=\"en\"><meta charset=\"utf-8\"><title>413 Too large</title>"
        "<p role=\"alert\">What you sent is larger than {:.1f} MB. Go back in your browser, choose a smaller file and send it again.</p></html>\n",
        static_cast<double>(limit) / (1 << 20));
    res.prepare_payload();
    return res;
}

}  // namespace

asio::awaitable<void> HttpServer::session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    std::string peer = stream.socket().remote_endpoint(ec).address().to_string();  // once a connection
    ec = {};
    std::string out;  // the bytes of a response, reused across a keep-alive connection
    auto token = asio::redirect_error(asio::use_awaitable, ec);
    // A request answered here, before the API: counted and logged all the same. Its method
    // and target only once its header was read whole.
    auto note_refused = [this](const http::request<http::string_body>& request, bool header_read, unsigned status) {
        if (!header_read) return api_.refused("", "", status);
        api_.refused(std::string_view(request.method_string().data(), request.method_string().size()),
                     std::string_view(request.target().data(), request.target().size()), status);
    };
    // A response the HTTP layer gives itself: the headers every response carries, then close.
    auto finish_refusal = [](Response& res) {
        add_security_headers(res);
        res.set(http::field::date, http_date());
        res.set(http::field::server, "triaged");
        res.keep_alive(false);
    };
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(limits_.header_limit));
        parser.body_limit(std::max(limits_.body_limit, limits_.upload_body_limit));  // until the target is known
        stream.expires_after(limits_.idle_timeout);
        co_await http::async_read_header(stream, buffer, parser, token);
        if (peer_gone(ec)) break;
        std::size_t body_limit = limits_.body_limit;
        // A Content-Length above the parser's limit ends the header read with body_limit: the
        // header is whole by then, so its target still picks the limit the message names.
        const bool header_read = !ec || ec == http::error::body_limit;
        if (header_read && limits_.upload_body_limit > body_limit) {
            const auto target = std::string_view(parser.get().target().data(), parser.get().target().size());
            const auto path = target.substr(0, target.find('?'));
            if (std::find(limits_.upload_paths.begin(), limits_.upload_paths.end(), path) != limits_.upload_paths.end())
                body_limit = limits_.upload_body_limit;
            parser.body_limit(body_limit);
        }
        const bool too_large = ec == http::error::body_limit ||
                               (!ec && parser.content_length() && *parser.content_length() > body_limit);
        if (too_large || ec == http::error::header_limit) {
            auto res = Api::error_response(11, http::status::payload_too_large, "too_large",
                                           fmt::format("the request is larger than the limit of {} bytes",
                                                       too_large ? body_limit : limits_.header_limit));
            if (too_large && header_read && wants_html(parser.get())) res = too_large_page(body_limit);
            note_refused(parser.get(), header_read, res.result_int());
            finish_refusal(res);
            co_await http::async_write(stream, res, token);
            co_await linger(stream);
            break;
        }
        if (ec) {
            auto res = Api::error_response(11, http::status::bad_request, "malformed",
                                           fmt::format("malformed HTTP request: {}", ec.message()));
            note_refused(parser.get(), false, res.result_int());
            finish_refusal(res);
            co_await http::async_write(stream, res, token);
            break;
        }
        // A request body is framed by Content-Length or by chunked alone (RFC 9112 6.1, 6.3): a
        // Transfer-Encoding whose last coding is not chunked ("gzip", "identity") cannot be framed,
        // and read as bodiless, its body would run as a next request on this connection
        // (request smuggling). Refused, and the connection closed.
        if (auto te = parser.get().find(http::field::transfer_encoding); te != parser.get().end()) {
            const bool chunked_only = beast::iequals(trim_space(std::string_view(te->value().data(), te->value().size())),
                                                     "chunked");
            if (!chunked_only || parser.get().count(http::field::transfer_encoding) > 1 ||
                parser.get().find(http::field::content_length) != parser.get().end()) {
                auto res = Api::error_response(11, http::status::bad_request, "malformed",
                                               "Transfer-Encoding must be chunked alone, without Content-Length");
                note_refused(parser.get(), true, res.result_int());
                finish_refusal(res);
                co_await http::async_write(stream, res, token);
                break;
            }
        }
        // RFC 9112 3.2: an HTTP/1.1 request without a Host header, or with more than one, is a 400.
        if (parser.get().version() >= 11 && parser.get().count(http::field::host) != 1) {
            auto res = Api::error_response(11, http::status::bad_request, "malformed",
                                           "an HTTP/1.1 request needs exactly one Host header (RFC 9112 3.2)");
            note_refused(parser.get(), true, res.result_int());
            finish_refusal(res);
            co_await http::async_write(stream, res, token);
            break;
        }
        if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
            http::response<http::empty_body> cont{http::status::continue_, parser.get().version()};
            co_await http::async_write(stream, cont, token);
            if (ec) break;
        }
        stream.expires_after(limits_.idle_timeout);
        co_await http::async_read(stream, buffer, parser, token);
        if (ec == http::error::body_limit) {
            auto res = Api::error_response(11, http::status::payload_too_large, "too_large",
                                           fmt::format("the request body is larger than {} bytes", body_limit));
            note_refused(parser.get(), true, res.result_int());
            finish_refusal(res);
            co_await http::async_write(stream, res, token);
            co_await linger(stream);
            break;
        }
        if (peer_gone(ec) || ec == http::error::partial_message) break;
        if (ec) {  // a malformed body (bad chunk framing): say so before closing
            auto res = Api::error_response(11, http::status::bad_request, "malformed",
                                           fmt::format("malformed HTTP request body: {}", ec.message()));
            note_refused(parser.get(), true, res.result_int());
            finish_refusal(res);
            co_await http::async_write(stream, res, token);
            break;
        }

        auto request = parser.release();
        // The absolute form ("GET http://host/api/v1/health", RFC 9112 3.2.2), which a server
        // must take: routed by its path and query.
        if (const auto target = std::string_view(request.target().data(), request.target().size());
            target.size() > 8 && (beast::iequals(target.substr(0, 7), "http://") || beast::iequals(target.substr(0, 8), "https://"))) {
            const auto path = target.find_first_of("/?", target.find("//") + 2);
            const auto rest = path == std::string_view::npos ? std::string_view{} : target.substr(path);
            request.target(rest.starts_with('/') ? std::string(rest) : "/" + std::string(rest));
        }
        // Who is asking, for per-client limits (set, so a client cannot supply its own).
        request.set(kPeerAddressField, peer);
        if (beast::websocket::is_upgrade(request) && request.target() == "/ws") {  // live updates
            co_await api_.serve_websocket(std::move(stream), std::move(request));
            co_return;
        }
        const bool keep_alive = request.keep_alive();
        // HEAD is GET without the body (RFC 9110 9.3.2): every GET route answers it alike.
        const bool head = request.method() == http::verb::head;
        if (head) request.method(http::verb::get);
        ++in_flight_;
        auto response = co_await api_.handle(std::move(request));
        --in_flight_;
        response.keep_alive(keep_alive && !stopping_);
        response.set(http::field::server, "triaged");
        response.set(http::field::date, http_date());
        stream.expires_after(limits_.idle_timeout);
        serialize_response(response, head, out);
        co_await asio::async_write(stream, asio::buffer(out), token);
        if (ec || !response.keep_alive()) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace triage::server
