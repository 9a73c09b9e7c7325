#include "server/fax_intake.hpp"

#include "channels/fax_ocr.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace triage::server {

bool take_fax(std::string_view raw, channels::ParsedEmail& parsed, const FaxSettings& settings) {
    auto fax = channels::recognise_fax(raw, parsed, settings.profiles, settings.region);
    if (!fax) return false;
    Enquiry& e = parsed.enquiry;
    const std::string gateway = e.sender.empty() ? std::string{} : e.sender.front().value;
    const std::string gateway_text = e.metadata.contains("full_text") ? e.metadata["full_text"] : e.text;
    e.channel = Channel::fax;
    e.sender.clear();
    if (!fax->number.empty()) e.sender.push_back({IdentityKind::fax, fax->number});
    e.sender_name = fax->caller_name;
    e.metadata["fax_gateway"] = gateway;
    e.metadata["fax_profile"] = fax->profile;
    e.metadata["fax_number"] = fax->number.empty() ? fax->number_raw : fax->number;
    e.metadata["gateway_text"] = gateway_text;
    e.tags.push_back("fax");

    std::string text;
    int pages_read = 0;
    bool unreadable = fax->documents.empty();
    for (auto index : fax->documents) {
        const auto& doc = parsed.attachments[index];
        if (!settings.ocr) {
            unreadable = true;
            break;
        }
        auto ocr = channels::ocr_document(doc.bytes, channels::fax_document_type(doc));
        pages_read += ocr.pages;
        if (!ocr.ok) {
            spdlog::warn("fax from {}: {} not read: {}", e.metadata["fax_number"], doc.filename, ocr.error);
            unreadable = unreadable || fax->documents.size() == 1;
            continue;
        }
        if (!text.empty()) text += "\n\f\n";
        text += ocr.text;
    }
    const int pages = fax->pages > 0 ? fax->pages : pages_read;
    e.metadata["pages"] = std::to_string(pages);
    if (text.empty()) unreadable = true;
    if (unreadable) e.tags.push_back("fax-unreadable");
    if (fax->number.empty()) e.tags.push_back("fax-no-number");
    const std::string who = fax->number.empty() ? (fax->number_raw.empty() ? "an unknown number" : fax->number_raw) : fax->number;
    e.subject = fmt::format("Fax from {} ({} page{})", who, pages, pages == 1 ? "" : "s");
    e.text = text.empty() ? fmt::format("[The fax could not be read. The gateway wrote:]\n{}", gateway_text) : text;
    e.html.reset();
    return true;
}

}  // namespace triage::server
