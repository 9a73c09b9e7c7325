#include "channels/smtp_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <istream>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

namespace triage::channels {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string dot_stuff(std::string_view data) {
    std::string out;
    out.reserve(data.size() + data.size() / 64 + 8);
    bool line_start = true;
    for (std::size_t i = 0; i < data.size(); ++i) {
        char c = data[i];
        if (line_start && c == '.') out += '.';
        if (c == '\n' && (out.empty() || out.back() != '\r')) out += '\r';  // a bare LF becomes CRLF
        out += c;
        line_start = c == '\n';
    }
    if (!line_start) out += "\r\n";
    out += ".\r\n";
    return out;
}

namespace {

struct Reply {
    int code = 0;
    std::string text;
};

class Session {
public:
    Session(asio::any_io_executor ex) : socket_(ex), deadline_(ex) {}

    tcp::socket socket_;
    asio::steady_timer deadline_;
    asio::streambuf in_;

    // One reply, multi-line ones joined; code 0 when the connection failed.
    asio::awaitable<Reply> read_reply() {
        Reply r;
        for (;;) {
            boost::system::error_code ec;
            co_await asio::async_read_until(socket_, in_, "\r\n", asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return Reply{0, ec.message()};
            std::string line;
            std::istream is(&in_);
            std::getline(is, line);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.size() < 3) co_return Reply{0, "malformed reply: " + line};
            int code = std::atoi(line.substr(0, 3).c_str());
            r.text += (r.text.empty() ? "" : " ") + (line.size() > 4 ? line.substr(4) : std::string());
            if (line.size() == 3 || line[3] != '-') {
                r.code = code;
                co_return r;
            }
        }
    }

    asio::awaitable<bool> write(std::string s) {
        boost::system::error_code ec;
        co_await asio::async_write(socket_, asio::buffer(s), asio::redirect_error(asio::use_awaitable, ec));
        co_return !ec;
    }

    // GCC 12 miscompiles co_await inside conditions and co_return expressions: each result
    // is first named.
    asio::awaitable<Reply> command(std::string line) {
        line += "\r\n";
        const bool sent = co_await write(line);
        if (!sent) co_return Reply{0, "connection lost while sending " + line.substr(0, 4)};
        Reply r = co_await read_reply();
        co_return r;
    }
};

SmtpResult refused(const Reply& r, std::string_view step) {
    SmtpResult out;
    out.code = r.code;
    out.text = fmt::format("{}: {} {}", step, r.code, r.text);
    out.outcome = r.code >= 500 ? SmtpOutcome::permanent : SmtpOutcome::temporary;
    return out;
}

}  // namespace

asio::awaitable<SmtpResult> smtp_submit(asio::any_io_executor executor, std::string host, std::uint16_t port,
                                        SmtpSubmission submission, BeforeFinalDot before_final_dot,
                                        std::chrono::seconds timeout) {
    Session s(executor);
    // One deadline for the session: when it fires the socket closes and the pending step fails.
    s.deadline_.expires_after(timeout);
    s.deadline_.async_wait([&s](boost::system::error_code ec) {
        if (!ec) {
            boost::system::error_code ignored;
            s.socket_.close(ignored);
        }
    });
    struct CancelDeadline {
        asio::steady_timer& t;
        ~CancelDeadline() { t.cancel(); }
    } cancel{s.deadline_};

    boost::system::error_code ec;
    tcp::resolver resolver(executor);
    auto endpoints = co_await resolver.async_resolve(host, std::to_string(port), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return SmtpResult{SmtpOutcome::temporary, 0, fmt::format("cannot resolve {}: {}", host, ec.message())};
    co_await asio::async_connect(s.socket_, endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return SmtpResult{SmtpOutcome::temporary, 0, fmt::format("cannot connect to {}:{}: {}", host, port, ec.message())};

    auto greeting = co_await s.read_reply();
    if (greeting.code != 220) co_return refused(greeting, "greeting");
    auto hello = co_await s.command("EHLO " + submission.helo);
    if (hello.code >= 500) hello = co_await s.command("HELO " + submission.helo);
    if (hello.code != 250) co_return refused(hello, "EHLO");
    auto mail = co_await s.command("MAIL FROM:<" + submission.mail_from + ">");
    if (mail.code != 250) co_return refused(mail, "MAIL");
    for (const auto& rcpt : submission.recipients) {
        auto r = co_await s.command("RCPT TO:<" + rcpt + ">");
        if (r.code != 250 && r.code != 251) co_return refused(r, "RCPT");
    }
    auto data = co_await s.command("DATA");
    if (data.code != 354) co_return refused(data, "DATA");
    if (before_final_dot) {
        try {
            co_await before_final_dot();
        } catch (const std::exception& e) {
            co_return SmtpResult{SmtpOutcome::temporary, 0, fmt::format("not sent: {}", e.what())};
        }
    }
    // From here on a failure is uncertain: the relay may have taken the message.
    const bool sent = co_await s.write(dot_stuff(submission.data));
    if (!sent)
        co_return SmtpResult{SmtpOutcome::uncertain, 0, "connection lost while sending the message"};
    auto accepted = co_await s.read_reply();
    if (accepted.code == 0) co_return SmtpResult{SmtpOutcome::uncertain, 0, "no reply after the message: " + accepted.text};
    if (accepted.code != 250) co_return refused(accepted, "end of data");
    Reply bye = co_await s.command("QUIT");  // its answer does not matter
    (void)bye;
    co_return SmtpResult{SmtpOutcome::delivered, accepted.code, accepted.text};
}

}  // namespace triage::channels
