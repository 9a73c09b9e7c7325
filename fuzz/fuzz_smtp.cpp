// Fuzz target: one SMTP or LMTP session's bytes from the client, fed in pieces of the sizes
// the input's first bytes pick. The dialogue never crashes, answers every line it takes,
// hands over only whole messages within the size limit, and stays closed once closed.
#include "channels/smtp_dialogue.hpp"
#include "fuzz/fuzz_target.hpp"

using namespace triage::channels;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const auto protocol = data[0] & 1 ? SmtpProtocol::lmtp : SmtpProtocol::smtp;
    const std::size_t piece = 1 + data[1] % 97;
    SmtpLimits limits;
    limits.max_message_bytes = 4096;
    limits.max_recipients = 5;
    limits.max_line_bytes = 512;
    SmtpDialogue dialogue(protocol, "triage.test", limits,
                          [](std::string_view address) { return address.find("support@") == 0; }, "192.0.2.1");
    TRIAGE_FUZZ_CHECK(!dialogue.greeting().empty());
    auto bytes = triage::fuzz::bytes_of(data + 2, size - 2);
    std::size_t messages = 0;
    while (!bytes.empty() && !dialogue.closed()) {
        const auto take = bytes.substr(0, piece);
        bytes.remove_prefix(take.size());
        auto out = dialogue.feed(take);
        while (auto& pending = dialogue.pending_message()) {
            TRIAGE_FUZZ_CHECK(pending->data.size() <= limits.max_message_bytes);
            TRIAGE_FUZZ_CHECK(!pending->recipients.empty() && pending->recipients.size() <= limits.max_recipients);
            ++messages;
            std::vector<SmtpReply> replies(pending->recipients.size(), SmtpReply{250, "2.0.0 queued"});
            out += dialogue.delivered(replies);
            TRIAGE_FUZZ_CHECK(!dialogue.pending_message());
            out += dialogue.feed({});
        }
        // Every reply line is "NNN text" or "NNN-text" with a 2xx-5xx code.
        for (std::size_t at = 0; at < out.size();) {
            const auto end = out.find("\r\n", at);
            TRIAGE_FUZZ_CHECK(end != std::string::npos);
            TRIAGE_FUZZ_CHECK(end - at >= 3 && out[at] >= '2' && out[at] <= '5');
            at = end + 2;
        }
    }
    (void)messages;
    return 0;
}
