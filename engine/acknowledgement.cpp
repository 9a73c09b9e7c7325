#include "engine/acknowledgement.hpp"

#include "engine/text.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>

namespace triage {
namespace {

struct Template {
    std::string_view language;
    std::string_view subject;   // {0} ticket key, {1} the ticket's subject
    std::string_view greeting;  // {0} the customer's name
    std::string_view anonymous_greeting;
    std::string_view body;      // {0} ticket key
};

// Built in: the texts are part of the product, reviewed with it, and need no file at run time.
constexpr std::array kTemplates{
    Template{"en", "[{0}] Received: {1}", "Hello {0},", "Hello,",
             "Thank you for your message. We have received it and given it the reference {0}.\n"
             "We will answer as soon as we can. To add anything, reply to this email and keep\n"
             "{0} in the subject.\n\n"
             "This is an automatic acknowledgement."},
    Template{"fi", "[{0}] Vastaanotettu: {1}", "Hei {0},", "Hei,",
             "Kiitos viestistäsi. Olemme vastaanottaneet sen, ja sen tunnus on {0}.\n"
             "Vastaamme mahdollisimman pian. Jos haluat lisätä jotain, vastaa tähän viestiin ja\n"
             "säilytä tunnus {0} otsikossa.\n\n"
             "Tämä on automaattinen vastaanottokuittaus."},
    Template{"et", "[{0}] Kätte saadud: {1}", "Tere {0}!", "Tere!",
             "Täname teid kirja eest. Oleme selle kätte saanud ja andnud sellele numbri {0}.\n"
             "Vastame esimesel võimalusel. Kui soovite midagi lisada, vastake sellele kirjale ja\n"
             "jätke pealkirja {0}.\n\n"
             "See on automaatne kättesaamise teade."},
    Template{"lv", "[{0}] Saņemts: {1}", "Labdien, {0}!", "Labdien!",
             "Paldies par jūsu ziņojumu. Esam to saņēmuši, un tam piešķirts numurs {0}.\n"
             "Atbildēsim, cik drīz vien iespējams. Ja vēlaties ko papildināt, atbildiet uz šo\n"
             "vēstuli un saglabājiet {0} tematā.\n\n"
             "Šis ir automātisks saņemšanas apstiprinājums."},
};

const Template& template_for(std::string_view language) {
    for (const auto& t : kTemplates)
        if (t.language == language) return t;
    return kTemplates.front();
}

}  // namespace

bool is_no_reply_address(std::string_view address) {
    auto at = address.find('@');
    auto local = ascii_lower(address.substr(0, at));
    for (std::string_view bad : {"mailer-daemon", "postmaster", "noreply", "no-reply", "do-not-reply", "donotreply"})
        if (local == bad || local.starts_with(std::string(bad) + "+")) return true;
    return false;
}

std::optional<std::string> automatic_reply_refusal(const Ticket& ticket, std::string_view to_address,
                                                   std::int64_t sent_in_window, int limit_per_window) {
    for (std::string_view tag : {"auto_reply", "bounce", "bulk"})
        if (std::find(ticket.tags.begin(), ticket.tags.end(), tag) != ticket.tags.end())
            return fmt::format("the ticket came from machine-sent or bulk mail ({}): no automatic reply (RFC 3834)", tag);
    if (is_no_reply_address(to_address)) return "a no-reply or mailer-daemon address gets no automatic reply";
    if (sent_in_window >= limit_per_window)
        return fmt::format("rate limit: {} automatic mails to this address in the last hour", sent_in_window);
    return std::nullopt;
}

AckDecision decide_acknowledgement(const Enquiry& e, bool created, const AckContext& context) {
    auto no = [](std::string why) { return AckDecision{false, std::move(why)}; };
    if (!created) return no("not a new ticket");
    if (!context.enabled) return no("acknowledgements are off");
    if (e.channel != Channel::email && e.channel != Channel::web) return no("not an email or a web form");
    if (e.kind == EnquiryKind::bounce) return no("a bounce");
    if (e.kind == EnquiryKind::auto_reply) {
        auto reason = e.metadata.find("auto_reason");
        return no("machine-sent mail (" + (reason == e.metadata.end() ? std::string("auto-submitted") : reason->second) + ")");
    }
    if (std::find(e.tags.begin(), e.tags.end(), "bulk") != e.tags.end()) return no("bulk or list mail");
    if (auto from = e.metadata.find("envelope_from"); from != e.metadata.end() && from->second == "<>")
        return no("null return path");
    const Identity* email = nullptr;
    for (const auto& id : e.sender)
        if (id.kind == IdentityKind::email) { email = &id; break; }
    if (!email) return no("no sender address");
    if (is_no_reply_address(email->value)) return no("a no-reply or mailer-daemon address");
    if (context.address_bouncing) return no("the address is bouncing");
    if (context.limit_per_window <= 0) return no("acknowledgements are rate-limited to none");
    if (context.sent_in_window >= context.limit_per_window)
        return no(fmt::format("rate limit: {} acknowledgements to this address in the last hour", context.sent_in_window));
    return {true, "ok"};
}

std::string template_language(std::string_view ticket_language) {
    auto base = ascii_lower(ticket_language.substr(0, ticket_language.find_first_of("-_")));
    for (const auto& t : kTemplates)
        if (t.language == base) return base;
    return "en";
}

MailText acknowledgement_text(const Ticket& ticket, std::string_view customer_name) {
    const Template& t = template_for(template_language(ticket.language));
    const std::string key = ticket_key(ticket.id);
    MailText out;
    out.language = std::string(t.language);
    out.subject = fmt::format(fmt::runtime(t.subject), key, ticket.subject);
    const std::string name(trim_space(customer_name));
    out.body = (name.empty() ? std::string(t.anonymous_greeting) : fmt::format(fmt::runtime(t.greeting), name)) +
               "\n\n" + fmt::format(fmt::runtime(t.body), key) + "\n";
    return out;
}

std::string reply_subject(const Ticket& ticket) {
    std::string subject(trim_space(ticket.subject));
    const std::string tag = "[" + ticket_key(ticket.id) + "]";
    // Drop leading "Re:" / "Vs:" / "Sv:" / "AW:" prefixes, then add one "Re:".
    for (bool again = true; again;) {
        again = false;
        auto lower = ascii_lower(subject.substr(0, 4));
        for (std::string_view p : {"re:", "vs:", "sv:", "aw:", "fw:"}) {
            if (lower.starts_with(p)) {
                subject = std::string(trim_space(std::string_view(subject).substr(p.size())));
                again = true;
                break;
            }
        }
    }
    if (ascii_lower(subject).find(ascii_lower(tag)) == std::string::npos) subject += (subject.empty() ? "" : " ") + tag;
    return "Re: " + subject;
}

std::chrono::milliseconds retry_delay(int attempts, std::chrono::milliseconds initial, std::chrono::milliseconds max) {
    auto delay = initial;
    for (int i = 1; i < attempts && delay < max; ++i) delay *= 2;
    return std::min(delay, max);
}

}  // namespace triage
