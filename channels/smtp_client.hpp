// SmtpClient: submits one message to an SMTP relay (RFC 5321) on Asio, as a coroutine that
// reads top to bottom like the dialogue: greeting, EHLO (HELO if refused), MAIL, RCPT, DATA,
// the dot-stuffed message, QUIT. One deadline bounds the whole session. The outcome says
// whether a retry is safe: anything before the final "." is `temporary` or `permanent`, a
// failure after it is `uncertain` (the relay may have taken the message). Stateless; each
// call owns its socket; run it on any executor.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace triage::channels {

struct SmtpSubmission {
    std::string helo;  // our name in EHLO
    std::string mail_from;
    std::vector<std::string> recipients;
    std::string data;  // the message, CRLF line ends, not yet dot-stuffed
};

enum class SmtpOutcome {
    delivered,  // 250 after the final "."
    temporary,  // 4xx or a network failure before the final ".": retry later
    permanent,  // 5xx before or after the final ".": do not retry
    uncertain,  // no reply after the final ".": the relay may have it
};

struct SmtpResult {
    SmtpOutcome outcome = SmtpOutcome::temporary;
    int code = 0;          // the relay's last reply code, 0 when none
    std::string text;      // its reply text, or what went wrong
};

// `before_final_dot` runs (and is awaited) after the relay's 354, just before the message and
// its terminating "." go out: the caller records durably that the relay may soon hold it.
// If it throws, the session is abandoned before the dot (a `temporary` result).
using BeforeFinalDot = std::function<boost::asio::awaitable<void>()>;

boost::asio::awaitable<SmtpResult> smtp_submit(boost::asio::any_io_executor executor, std::string host,
                                               std::uint16_t port, SmtpSubmission submission,
                                               BeforeFinalDot before_final_dot,
                                               std::chrono::seconds timeout = std::chrono::seconds(60));

// Dot-stuffs `data` (a leading "." doubled on each line), ends it with CRLF and adds ".\r\n".
std::string dot_stuff(std::string_view data);

}  // namespace triage::channels
