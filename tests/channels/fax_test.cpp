#include "channels/email_parser.hpp"
#include "channels/fax_ocr.hpp"
#include "channels/fax_profile.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>

using namespace triage::channels;

namespace {

const std::filesystem::path kFaxCorpus = std::filesystem::path(TRIAGE_SOURCE_DIR) / ".." / "shared" / "corpus" / "fax";

std::string read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A one-page PDF with `lines` printed in Helvetica 28 pt: the test page the OCR must read.
std::string test_page_pdf(const std::vector<std::string>& lines) {
    std::string content = "BT /F1 28 Tf 72 700 Td 36 TL\n";
    for (const auto& l : lines) content += fmt::format("({}) Tj T*\n", l);
    content += "ET\n";
    std::vector<std::string> objects = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        fmt::format("<< /Length {} >>\nstream\n{}endstream", content.size(), content),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    };
    std::string pdf = "%PDF-1.4\n";
    std::vector<std::size_t> offsets;
    for (std::size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(pdf.size());
        pdf += fmt::format("{} 0 obj\n{}\nendobj\n", i + 1, objects[i]);
    }
    const auto xref = pdf.size();
    pdf += fmt::format("xref\n0 {}\n0000000000 65535 f \n", objects.size() + 1);
    for (auto o : offsets) pdf += fmt::format("{:010} 00000 n \n", o);
    pdf += fmt::format("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{}\n%%EOF\n", objects.size() + 1, xref);
    return pdf;
}

}  // namespace

TEST_CASE("OCR reads the words printed on a generated fax test page") {
    auto result = ocr_document(test_page_pdf({"INVOICE NUMBER 4711", "PRINTER IS BROKEN", "PLEASE CALL BACK"}), "application/pdf");
    CAPTURE(result.error);
    CAPTURE(result.text);
    REQUIRE(result.ok);
    CHECK(result.pages == 1);
    for (const char* word : {"INVOICE", "4711", "PRINTER", "BROKEN", "PLEASE", "CALL", "BACK"})
        CHECK(result.text.find(word) != std::string::npos);
}

TEST_CASE("a document OCR cannot read is reported, not thrown") {
    auto garbage = ocr_document("%PDF-1.4 this is no pdf", "application/pdf");
    CHECK_FALSE(garbage.ok);
    CHECK_FALSE(garbage.error.empty());
    CHECK_FALSE(ocr_document("hello", "text/plain").ok);
}

TEST_CASE("the shipped fax profiles recognise every corpus fax mail with the caller's number in E.164") {
    if (!std::filesystem::is_directory(kFaxCorpus)) {
        MESSAGE("../shared/corpus/fax is absent: skipped");
        return;
    }
    const std::map<std::string, std::pair<std::string, std::string>> expected = {
        {"01_hylafax-iaxmodem_faxrcvd-success_pdf.eml", {"hylafax", "+35895550199"}},
        {"03_hylafax-t38modem_faxrcvd-success_tiff_de-template-utf8-qp.eml", {"hylafax", "+3727123456"}},
        {"05_hylafax-modem_faxrcvd-notify-error_faxmaster.eml", {"hylafax", ""}},
        {"07_mgetty-new_fax_g3-pages-as-png.eml", {"mgetty", "+35895550199"}},
        {"08_asterisk-receivefax_mime-construct_pdf.eml", {"asterisk", "+3727123456"}},
        {"10_freepbx-fax2mail-style_pdf.eml", {"efax", "+3727123456"}},
    };
    int seen = 0;
    for (const auto& entry : std::filesystem::directory_iterator(kFaxCorpus)) {
        if (entry.path().extension() != ".eml") continue;
        const auto name = entry.path().filename().string();
        CAPTURE(name);
        auto raw = read(entry.path());
        auto mail = parse_email(raw);
        auto fax = recognise_fax(raw, mail, default_fax_profiles(), "FI");
        REQUIRE(fax);
        REQUIRE(expected.contains(name));
        CHECK(fax->profile == expected.at(name).first);
        CHECK(fax->number == expected.at(name).second);
        if (!name.starts_with("05_")) {
            if (fax->profile != "efax") CHECK(fax->pages >= 1);  // the e-fax mail does not say: OCR counts them
            CHECK_FALSE(fax->documents.empty());
        }
        ++seen;
    }
    CHECK(seen == 6);
}

TEST_CASE("an eFax subject gives the caller's number and the page count") {
    const std::string raw =
        "From: eFax <message@inbound.efax.com>\r\nTo: fax@example.com\r\n"
        "Subject: eFax message from \"+442079460958\" - 3 page(s), Caller-ID: +442079460958\r\n"
        "Message-ID: <efax-1@efax.com>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
        "You have received a 3 page fax.\r\n--b\r\nContent-Type: application/pdf; name=fax.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n";
    auto mail = parse_email(raw);
    auto fax = recognise_fax(raw, mail, default_fax_profiles(), "FI");
    REQUIRE(fax);
    CHECK(fax->profile == "efax");
    CHECK(fax->number == "+442079460958");
    CHECK(fax->pages == 3);
    REQUIRE(fax->documents.size() == 1);
}

TEST_CASE("a fax document is known by its bytes: a PDF sent as octet-stream or labelled TIFF is a PDF") {
    for (const char* declared : {"application/octet-stream", "image/tiff"}) {
        CAPTURE(declared);
        const std::string raw =
            std::string("From: HylaFAX <fax@gw.example>\r\nTo: support@triage.example\r\nSubject: Fax received from \"+358 9 555 0199\"\r\n"
                        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
                        "Pages: 1\r\n--b\r\nContent-Type: ") +
            declared + "; name=fax.bin\r\nContent-Disposition: attachment; filename=fax.bin\r\n"
                       "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n";
        auto mail = parse_email(raw);
        auto fax = recognise_fax(raw, mail, default_fax_profiles(), "FI");
        REQUIRE(fax);
        REQUIRE(fax->documents.size() == 1);
        CHECK(fax_document_type(mail.attachments[fax->documents[0]]) == "application/pdf");
    }
}

TEST_CASE("an Asterisk fax from a withheld caller is a fax with no number") {
    for (const char* subject : {"Fax from anonymous (anonymous), 1 page(s)", "Fax from  (), 1 page(s)"}) {
        CAPTURE(subject);
        const std::string raw = std::string("From: Asterisk PBX <asterisk@pbx.example>\r\nTo: support@triage.example\r\nSubject: ") +
                                subject +
                                "\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
                                "Content-Type: text/plain\r\n\r\nA fax.\r\n--b\r\nContent-Type: application/pdf; name=fax.pdf\r\n"
                                "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n";
        auto mail = parse_email(raw);
        auto fax = recognise_fax(raw, mail, default_fax_profiles(), "FI");
        REQUIRE(fax);
        CHECK(fax->profile == "asterisk");
        CHECK(fax->number.empty());
        CHECK(fax->documents.size() == 1);
    }
}

TEST_CASE("an ordinary email is no fax") {
    std::string raw = "From: Matti <matti@example.fi>\r\nTo: support@triage.example\r\nSubject: Fax from the office?\r\n\r\nHei\r\n";
    auto mail = parse_email(raw);
    CHECK_FALSE(recognise_fax(raw, mail, default_fax_profiles(), "FI"));
}

TEST_CASE("a profile's subject pattern is tried at the start when anchored, anywhere when not or only partly anchored") {
    auto recognised_by = [](const std::string& pattern, const std::string& subject) {
        FaxProfile p{"site", "", pattern, {}, {}, {}, {"application/pdf"}};
        std::string raw = "From: Gateway <fax@example.fi>\r\nTo: support@triage.example\r\nSubject: " + subject +
                          "\r\n\r\nHei\r\n";
        auto mail = parse_email(raw);
        return recognise_fax(raw, mail, {p}, "FI").has_value();
    };
    CHECK(recognised_by(R"(^Telefax from\s+([0-9]+))", "Telefax from 0401234567"));
    CHECK_FALSE(recognised_by(R"(^Telefax from\s+([0-9]+))", "Fwd: Telefax from 0401234567"));
    CHECK(recognised_by(R"(Telefax from\s+([0-9]+))", "Fwd: Telefax from 0401234567"));
    CHECK(recognised_by(R"(^Fax received|Telefax from\s+([0-9]+))", "Fwd: Telefax from 0401234567"));  // "^" binds the first branch only
    CHECK_FALSE(recognised_by(R"(^(?:Fax received|Telefax from)\s+([0-9]+))", "Fwd: Telefax from 0401234567"));
    CHECK(recognised_by(R"(^[|]?Telefax from\s+([0-9]+))", "Telefax from 0401234567"));  // a '|' in a class is no alternation
}
