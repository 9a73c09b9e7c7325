#include "channels/web_form.hpp"

#include "channels/mime_parts.hpp"

#include "channels/mime_charset.hpp"
#include "channels/mime_gobject.hpp"
#include "channels/phone_number.hpp"
#include "engine/text.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <fmt/format.h>

namespace triage::channels {
namespace json = boost::json;

namespace {

Problem malformed(std::string message) { return problem(errc::malformed, std::move(message)); }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Result<std::string> percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '+') out += ' ';
        else if (c == '%') {
            if (i + 2 >= s.size()) return malformed("a % escape is cut off");
            int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0) return malformed("a % escape is not two hex digits");
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else out += c;
    }
    return out;
}

Result<FormSubmission> parse_urlencoded(std::string_view body, const FormLimits& limits) {
    FormSubmission post;
    std::size_t pos = 0;
    while (pos <= body.size()) {
        auto amp = body.find('&', pos);
        auto pair = body.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
        pos = amp == std::string_view::npos ? body.size() + 1 : amp + 1;
        if (pair.empty()) continue;
        if (post.values.size() >= limits.max_fields)
            return malformed(fmt::format("the form has more than {} fields", limits.max_fields));
        auto eq = pair.find('=');
        TRIAGE_TRY(auto key, percent_decode(pair.substr(0, eq)));
        TRIAGE_TRY(auto value, percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1)));
        if (!is_valid_utf8(key) || !is_valid_utf8(value))
            return malformed(fmt::format("the field {} is not valid UTF-8", is_valid_utf8(key) ? key : std::string("?")));
        post.values.emplace_back(std::move(key), std::move(value));
    }
    return post;
}

Result<FormSubmission> parse_json_form(std::string_view body, const FormLimits& limits) {
    boost::system::error_code ec;
    json::parse_options options;
    options.max_depth = 4;
    auto value = json::parse(body, ec, {}, options);
    if (ec) return malformed(fmt::format("malformed JSON: {}", ec.message()));
    if (!value.is_object()) return malformed("the JSON body must be an object of form fields");
    FormSubmission post;
    for (const auto& kv : value.get_object()) {
        if (post.values.size() >= limits.max_fields)
            return malformed(fmt::format("the form has more than {} fields", limits.max_fields));
        std::string text;
        if (kv.value().is_string()) text = kv.value().get_string();
        else if (kv.value().is_double()) text = fmt::format("{}", kv.value().get_double());  // 1.5, not 1.5E0
        else if (kv.value().is_number() || kv.value().is_bool()) text = json::serialize(kv.value());
        else if (kv.value().is_null()) text = "";
        else return malformed(fmt::format("the field {} must be a string", std::string_view(kv.key())));
        post.values.emplace_back(std::string(kv.key()), std::move(text));
    }
    return post;
}

std::string part_bytes(GMimePart* part) {
    GMimeDataWrapper* content = g_mime_part_get_content(part);
    if (!content) return {};
    auto sink = adopt(g_mime_stream_mem_new());
    g_mime_data_wrapper_write_to_stream(content, sink.get());
    return std::string(stream_bytes(GMIME_STREAM_MEM(sink.get())));
}

Result<FormSubmission> parse_multipart(std::string_view content_type, std::string_view body, const FormLimits& limits) {
    ensure_gmime();
    std::string entity = fmt::format("Content-Type: {}\r\n\r\n", content_type);
    entity.append(body);
    auto stream = adopt(g_mime_stream_mem_new_with_buffer(entity.data(), entity.size()));
    auto parser = adopt(g_mime_parser_new_with_stream(stream.get()));
    auto object = adopt(g_mime_parser_construct_part(parser.get(), nullptr));
    if (!object || !GMIME_IS_MULTIPART(object.get())) return malformed("the multipart/form-data body cannot be read");
    auto* multipart = GMIME_MULTIPART(object.get());
    const char* boundary = g_mime_multipart_get_boundary(multipart);
    if (!boundary || !*boundary) return malformed("multipart/form-data needs a boundary");
    if (body.find(fmt::format("--{}--", boundary)) == std::string_view::npos)
        return malformed("the multipart/form-data body is cut off: its final boundary is missing");
    FormSubmission post;
    const int count = g_mime_multipart_get_count(multipart);
    if (count < 0 || static_cast<std::size_t>(count) > limits.max_fields)
        return malformed(fmt::format("the form has more than {} fields", limits.max_fields));
    for (int i = 0; i < count; ++i) {
        GMimeObject* child = g_mime_multipart_get_part(multipart, i);
        if (!GMIME_IS_PART(child)) return malformed("a form field is itself multipart");
        GMimeContentDisposition* disposition = g_mime_object_get_content_disposition(child);
        const char* name = disposition ? g_mime_content_disposition_get_parameter(disposition, "name") : nullptr;
        if (!name) return malformed("a form part has no Content-Disposition name");
        const char* filename = g_mime_content_disposition_get_parameter(disposition, "filename");
        std::string bytes = part_bytes(GMIME_PART(child));
        if (!is_valid_utf8(name)) return malformed("a field name is not valid UTF-8");
        if (filename) {
            if (!*filename && bytes.empty()) continue;  // an unused file input, as browsers send it
            FormFile file;
            file.field = name;
            file.filename = filename;
            if (!is_valid_utf8(file.filename)) return malformed("a file name is not valid UTF-8");
            GMimeContentType* type = g_mime_object_get_content_type(child);
            GCharPtr mime(type ? g_mime_content_type_get_mime_type(type) : nullptr);
            file.content_type = mime ? ascii_lower(mime.get()) : "application/octet-stream";
            file.bytes = std::move(bytes);
            post.files.push_back(std::move(file));
        } else {
            if (!is_valid_utf8(bytes)) return malformed(fmt::format("the field {} is not valid UTF-8", name));
            post.values.emplace_back(name, std::move(bytes));
        }
    }
    return post;
}

// A file type we take, by its content: what it is, and the name endings that fit.
struct KnownType {
    const char* type;
    std::vector<std::string> endings;
};

std::optional<KnownType> sniff(const FormFile& f) {
    const auto type = sniffed_media_type(f.bytes);
    if (type == "image/png") return KnownType{"image/png", {"png"}};
    if (type == "image/jpeg") return KnownType{"image/jpeg", {"jpg", "jpeg"}};
    if (type == "image/gif") return KnownType{"image/gif", {"gif"}};
    if (type == "application/pdf") return KnownType{"application/pdf", {"pdf"}};
    if (type == "image/tiff") return KnownType{"image/tiff", {"tif", "tiff"}};
    if (is_valid_utf8(f.bytes) && f.bytes.find('\0') == std::string::npos && f.bytes.find("<?") == std::string::npos)
        return KnownType{"text/plain", {"txt", "log", "csv"}};
    return std::nullopt;
}

bool acceptable_file(const FormFile& f) {
    auto type = sniff(f);
    if (!type) return false;
    // Every dot-separated part of the name after the first must be harmless: "photo.jpg.php" is not.
    std::string name = ascii_lower(f.filename);
    auto dot = name.find('.');
    if (dot == std::string::npos) return false;
    static const std::array<std::string_view, 18> kDangerous = {"php", "phtml", "php5", "phar", "exe", "js", "sh", "bat",
                                                               "cmd", "com", "scr", "asp", "aspx", "jsp", "html", "htm",
                                                               "svg", "cgi"};
    std::string_view rest(name);
    rest.remove_prefix(dot + 1);
    std::string last;
    while (!rest.empty()) {
        auto next = rest.find('.');
        std::string part(rest.substr(0, next));
        if (std::find(kDangerous.begin(), kDangerous.end(), part) != kDangerous.end()) return false;
        last = part;
        if (next == std::string_view::npos) break;
        rest.remove_prefix(next + 1);
    }
    return std::find(type->endings.begin(), type->endings.end(), last) != type->endings.end();
}

bool valid_email(std::string_view e) {
    if (e.size() < 3) return false;
    auto at = e.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= e.size() || e.find('@', at + 1) != std::string_view::npos)
        return false;
    for (unsigned char c : e)
        if (c <= 0x20 || c == 0x7F || c == '<' || c == '>' || c == ',' || c == ';' || c == '"' || c == '\\') return false;
    auto domain = e.substr(at + 1);
    return domain.find('.') != std::string_view::npos && domain.front() != '.' && domain.back() != '.' &&
           domain.find("..") == std::string_view::npos;
}

bool one_line(std::string_view s) {
    return std::none_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

// Code points of valid UTF-8 text: the bytes that do not continue a sequence.
std::size_t characters(std::string_view s) noexcept {
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool slug(std::string_view s) {
    return s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
           });
}

}  // namespace

std::string FormSubmission::first(std::string_view name) const {
    for (const auto& [k, v] : values)
        if (k == name) return v;
    return {};
}

bool FormSubmission::has(std::string_view name) const {
    return std::any_of(values.begin(), values.end(), [&](const auto& kv) { return kv.first == name; });
}

Result<FormSubmission> parse_form_body(std::string_view content_type, std::string_view body, const FormLimits& limits) {
    // A header value is visible ASCII, spaces and tabs (RFC 9110 5.5). Checked before GMime
    // reads it: GMime 3.2 loops forever re-encoding a boundary parameter with 8-bit bytes
    // (found by fuzz/fuzz_form), and the error message below quotes the type.
    const bool ascii = std::all_of(content_type.begin(), content_type.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return (c >= 0x20 && c < 0x7f) || c == '\t';
    });
    if (!ascii || content_type.size() > 1000) return malformed("the Content-Type header is not plain ASCII text of at most 1,000 bytes");
    auto type = ascii_lower(trim_space(content_type.substr(0, content_type.find(';'))));
    if (type == "application/x-www-form-urlencoded") {
        auto t = trim_space(body);
        if (t.size() >= 2 && t.front() == '{' && t.back() == '}')
            return malformed("the body is JSON but Content-Type says application/x-www-form-urlencoded");
        return parse_urlencoded(body, limits);
    }
    if (type == "multipart/form-data") return parse_multipart(content_type, body, limits);
    if (type == "application/json") return parse_json_form(body, limits);
    return malformed(fmt::format("Content-Type must be application/x-www-form-urlencoded, multipart/form-data or "
                                 "application/json, not '{}'",
                                 type));
}

WebForm read_web_form(const FormSubmission& post, const FormLimits& limits, std::string_view region,
                      std::vector<FieldError>& errors) {
    WebForm f;
    f.name = std::string(trim_space(post.first("name")));
    f.email = std::string(trim_space(post.first("email")));
    f.phone = std::string(trim_space(post.first("phone")));
    f.category = std::string(trim_space(post.first("category")));
    f.subject = std::string(trim_space(post.first("subject")));
    append_with_lf_line_ends(f.message, trim_space(post.first("message")));
    f.honeypot = !is_blank(post.first("website"));
    // Limits are in characters (code points), as the page's maxlength counts them (in UTF-16
    // units, never fewer), so text the browser let through is never refused for its bytes.
    // A NUL is refused in every field, whichever body format carried it.
    auto check = [&](const std::string& value, std::string_view field, std::size_t max, bool required, bool single_line) {
        if (required && value.empty()) errors.push_back({std::string(field), "required"});
        else if (characters(value) > max) errors.push_back({std::string(field), "too_long"});
        else if (single_line && !one_line(value)) errors.push_back({std::string(field), "one_line"});
        else if (value.find('\0') != std::string::npos) errors.push_back({std::string(field), "invalid"});
    };
    check(f.name, "name", limits.max_name, true, true);
    check(f.email, "email", limits.max_email, true, true);
    if (!f.email.empty() && characters(f.email) <= limits.max_email && one_line(f.email) && !valid_email(f.email))
        errors.push_back({"email", "invalid"});
    check(f.phone, "phone", limits.max_phone, false, true);
    if (!f.phone.empty() && characters(f.phone) <= limits.max_phone) {
        if (auto e164 = to_e164(f.phone, region)) f.phone_e164 = *e164;
        else errors.push_back({"phone", "invalid"});
    }
    if (!slug(f.category)) errors.push_back({"category", "invalid"});
    check(f.subject, "subject", limits.max_subject, false, true);
    check(f.message, "message", limits.max_message, true, false);
    if (post.files.size() > limits.max_attachments) errors.push_back({"attachment", "too_many_files"});
    for (const auto& file : post.files) {
        if (file.bytes.size() > limits.max_attachment_bytes) {
            errors.push_back({"attachment", "file_size"});
            break;
        }
        if (!acceptable_file(file)) {
            errors.push_back({"attachment", "file_type"});
            break;
        }
    }
    if (errors.empty()) {
        f.attachments = post.files;
        for (auto& a : f.attachments) a.content_type = sniff(a)->type;  // what it is, not what it claims
    }
    return f;
}

Enquiry enquiry_of(const WebForm& form) {
    Enquiry e;
    e.channel = Channel::web;
    e.sender_name = form.name;
    e.sender.push_back({IdentityKind::email, form.email});
    if (!form.phone_e164.empty()) e.sender.push_back({IdentityKind::phone, form.phone_e164});
    e.subject = form.subject;
    e.text = form.message;
    e.category = form.category;
    if (!form.phone.empty()) e.metadata["phone"] = form.phone;
    return e;
}

// ---- languages and pages ----------------------------------------------------------------

namespace {

struct Texts {
    const char* lang;
    const char* title;
    const char* intro;
    const char* name;
    const char* email;
    const char* phone;
    const char* category;
    const char* subject;
    const char* message;
    const char* attachment;
    const char* send;
    const char* optional;
    const char* thanks_title;
    const char* thanks;    // {} = ticket key
    const char* received;  // the thanks without a key (a post that made no ticket)
    const char* errors_title;
    const char* required;
    const char* invalid;
    const char* too_long;  // {} = limit
    const char* one_line;
    const char* file_type;
    const char* file_size;  // {} = limit in MB
    const char* too_many;   // {} = count
    const char* choose;
};

constexpr Texts kTexts[] = {
    {"en", "Contact support", "Tell us what happened and we will get back to you.", "Name", "Email", "Phone",
     "Category", "Subject", "Message", "Attachment", "Send", "optional", "Thank you",
     "We have received your message. Your ticket is {}; please mention it if you contact us again.",
     "We have received your message. Thank you for contacting us.",
     "Please check the highlighted fields.", "This field is required.", "This value is not valid.",
     "This is too long (at most {} characters).", "This must be on one line.",
     "This file type is not accepted (PNG, JPEG, GIF, PDF, TIFF or text).", "The file is too large (at most {} MB).",
     "Too many files (at most {}).", "Choose…"},
    {"fi", "Ota yhteyttä tukeen", "Kerro, mitä tapahtui, niin palaamme asiaan.", "Nimi", "Sähköposti", "Puhelin",
     "Aihealue", "Otsikko", "Viesti", "Liite", "Lähetä", "vapaaehtoinen", "Kiitos",
     "Viestisi on vastaanotettu. Tikettisi tunnus on {}; mainitse se, jos otat uudelleen yhteyttä.",
     "Viestisi on vastaanotettu. Kiitos yhteydenotostasi.",
     "Tarkista merkityt kentät.", "Tämä kenttä on pakollinen.", "Arvo ei kelpaa.",
     "Liian pitkä (enintään {} merkkiä).", "Tämän on oltava yhdellä rivillä.",
     "Tätä tiedostotyyppiä ei hyväksytä (PNG, JPEG, GIF, PDF, TIFF tai teksti).",
     "Tiedosto on liian suuri (enintään {} Mt).", "Liian monta tiedostoa (enintään {}).", "Valitse…"},
    {"et", "Võta toega ühendust", "Kirjelda, mis juhtus, ja me võtame sinuga ühendust.", "Nimi", "E-post", "Telefon",
     "Kategooria", "Teema", "Sõnum", "Manus", "Saada", "valikuline", "Aitäh",
     "Oleme sinu sõnumi kätte saanud. Pileti number on {}; palun maini seda, kui meiega uuesti ühendust võtad.",
     "Oleme sinu sõnumi kätte saanud. Aitäh, et meiega ühendust võtsid.",
     "Palun kontrolli märgitud välju.", "See väli on kohustuslik.", "See väärtus ei sobi.",
     "Liiga pikk (kuni {} tähemärki).", "See peab olema ühel real.",
     "Seda failitüüpi ei võeta vastu (PNG, JPEG, GIF, PDF, TIFF või tekst).", "Fail on liiga suur (kuni {} MB).",
     "Liiga palju faile (kuni {}).", "Vali…"},
    {"lv", "Sazinieties ar atbalstu", "Pastāstiet, kas notika, un mēs ar jums sazināsimies.", "Vārds", "E-pasts",
     "Tālrunis", "Kategorija", "Temats", "Ziņojums", "Pielikums", "Sūtīt", "neobligāts", "Paldies",
     "Jūsu ziņojums ir saņemts. Jūsu pieteikuma numurs ir {}; lūdzu, norādiet to, ja sazināsieties atkārtoti.",
     "Jūsu ziņojums ir saņemts. Paldies, ka sazinājāties ar mums.",
     "Lūdzu, pārbaudiet atzīmētos laukus.", "Šis lauks ir obligāts.", "Šī vērtība nav derīga.",
     "Pārāk garš (ne vairāk kā {} rakstzīmes).", "Tam jābūt vienā rindā.",
     "Šis faila tips netiek pieņemts (PNG, JPEG, GIF, PDF, TIFF vai teksts).",
     "Fails ir pārāk liels (ne vairāk kā {} MB).", "Pārāk daudz failu (ne vairāk kā {}).", "Izvēlieties…"},
};

const Texts& texts(std::string_view lang) {
    for (const auto& t : kTexts)
        if (lang == t.lang) return t;
    return kTexts[0];
}

constexpr const char* kStyle = R"(
:root{--ink:#1d2430;--muted:#5b6575;--line:#c9d1dc;--accent:#0b5cad;--bad:#b3261e;--bg:#f5f7fa}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:40rem;margin:2rem auto;padding:2rem;background:#fff;border-radius:.75rem;box-shadow:0 1px 4px rgba(0,0,0,.08)}
h1{margin-top:0;font-size:1.6rem}p.intro{color:var(--muted)}
.field{margin:0 0 1.1rem}label{display:block;font-weight:600;margin-bottom:.3rem}
.opt{font-weight:400;color:var(--muted);font-size:.9em}
input,select,textarea{width:100%;padding:.6rem .7rem;font:inherit;border:1px solid var(--line);border-radius:.4rem;background:#fff}
textarea{min-height:9rem;resize:vertical}
input:focus,select:focus,textarea:focus{outline:3px solid rgba(11,92,173,.35);border-color:var(--accent)}
[aria-invalid=true]{border-color:var(--bad)}.error{color:var(--bad);font-size:.92rem;margin:.25rem 0 0}
.summary{border:2px solid var(--bad);border-radius:.4rem;padding:.6rem .9rem;margin-bottom:1rem}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
button{background:var(--accent);color:#fff;border:0;border-radius:.4rem;padding:.7rem 1.4rem;font:inherit;font-weight:600;cursor:pointer}
button:focus{outline:3px solid rgba(11,92,173,.5);outline-offset:2px}
.key{font-size:1.4rem;font-weight:700;letter-spacing:.03em}
)";

std::string page(const Texts& t, std::string_view title, const std::string& content) {
    return fmt::format(
        "<!doctype html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n"
        "<style>{}</style>\n</head>\n<body>\n<main>\n{}</main>\n</body>\n</html>\n",
        t.lang, html_escape(title), kStyle, content);
}

}  // namespace

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string form_language(std::string_view query_lang, std::string_view accept_language) {
    auto asked = asked_form_language(query_lang, accept_language);
    return asked.empty() ? std::string("en") : asked;
}

std::string asked_form_language(std::string_view query_lang, std::string_view accept_language) {
    auto supported = [](std::string_view l) { return l == "fi" || l == "et" || l == "lv" || l == "en"; };
    auto q = ascii_lower(query_lang);
    if (supported(q)) return q;
    // Accept-Language: "fi-FI,fi;q=0.9,en;q=0.8": the best-weighted supported language.
    std::string best;
    double best_q = -1;
    std::size_t pos = 0;
    while (pos < accept_language.size()) {
        auto comma = accept_language.find(',', pos);
        auto item = trim_space(accept_language.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
        pos = comma == std::string_view::npos ? accept_language.size() : comma + 1;
        auto semi = item.find(';');
        auto tag = ascii_lower(trim_space(item.substr(0, semi)));
        double weight = 1.0;
        if (semi != std::string_view::npos) {
            auto params = item.substr(semi + 1);
            auto qpos = params.find("q=");
            if (qpos != std::string_view::npos) {
                try {
                    weight = std::stod(std::string(params.substr(qpos + 2)));
                } catch (...) {
                    weight = 0;
                }
            }
        }
        auto primary = tag.substr(0, tag.find('-'));
        if (supported(primary) && weight > 0 && weight > best_q) {
            best = primary;
            best_q = weight;
        }
    }
    return best;
}

std::string field_message(std::string_view lang, const FieldError& error, const FormLimits& limits) {
    const Texts& t = texts(lang);
    auto limit_of = [&](std::string_view field) -> std::size_t {
        if (field == "name") return limits.max_name;
        if (field == "email") return limits.max_email;
        if (field == "phone") return limits.max_phone;
        if (field == "subject") return limits.max_subject;
        return limits.max_message;
    };
    if (error.code == "required") return t.required;
    if (error.code == "too_long") return fmt::format(fmt::runtime(t.too_long), limit_of(error.field));
    if (error.code == "one_line") return t.one_line;
    if (error.code == "file_type") return t.file_type;
    if (error.code == "file_size") return fmt::format(fmt::runtime(t.file_size), limits.max_attachment_bytes >> 20);
    if (error.code == "too_many_files") return fmt::format(fmt::runtime(t.too_many), limits.max_attachments);
    return t.invalid;
}

std::string render_form_page(std::string_view lang, const WebForm& values, const std::vector<FieldError>& errors,
                             const std::vector<std::string>& categories, const FormLimits& limits,
                             const FormPageExtras& extras) {
    const Texts& t = texts(lang);
    auto error_of = [&](std::string_view field) -> const FieldError* {
        for (const auto& e : errors)
            if (e.field == field) return &e;
        return nullptr;
    };
    std::string html = fmt::format("<h1>{}</h1>\n<p class=\"intro\">{}</p>\n", html_escape(t.title), html_escape(t.intro));
    if (!extras.notice.empty())
        html += fmt::format("<div class=\"summary\" role=\"alert\" tabindex=\"-1\"><p>{}</p></div>\n", html_escape(extras.notice));
    else if (!errors.empty())
        html += fmt::format("<div class=\"summary\" role=\"alert\" tabindex=\"-1\"><p>{}</p></div>\n", html_escape(t.errors_title));
    html += fmt::format(
        "<form method=\"post\" action=\"/form?lang={}\" enctype=\"multipart/form-data\" accept-charset=\"utf-8\" novalidate>\n",
        t.lang);
    auto field = [&](std::string_view name, const char* label, std::string_view type, const std::string& value,
                     bool required, std::string_view autocomplete, std::size_t max) {
        const FieldError* err = error_of(name);
        std::string out = fmt::format("<div class=\"field\">\n<label for=\"f-{0}\">{1}{2}</label>\n", name, html_escape(label),
                                      required ? "" : fmt::format(" <span class=\"opt\">({})</span>", html_escape(t.optional)));
        std::string attrs = fmt::format("id=\"f-{0}\" name=\"{0}\"{1}{2} maxlength=\"{3}\"", name, required ? " required" : "",
                                        err ? fmt::format(" aria-invalid=\"true\" aria-describedby=\"e-{}\"", name) : "", max);
        if (type == "textarea") out += fmt::format("<textarea {}>{}</textarea>\n", attrs, html_escape(value));
        else
            out += fmt::format("<input type=\"{}\" {} autocomplete=\"{}\" value=\"{}\">\n", type, attrs, autocomplete,
                               html_escape(value));
        if (err)
            out += fmt::format("<p class=\"error\" id=\"e-{}\">{}</p>\n", name, html_escape(field_message(lang, *err, limits)));
        return out + "</div>\n";
    };
    html += field("name", t.name, "text", values.name, true, "name", limits.max_name);
    html += field("email", t.email, "email", values.email, true, "email", limits.max_email);
    html += field("phone", t.phone, "tel", values.phone, false, "tel", limits.max_phone);
    {
        const FieldError* err = error_of("category");
        html += fmt::format("<div class=\"field\">\n<label for=\"f-category\">{} <span class=\"opt\">({})</span></label>\n"
                            "<select id=\"f-category\" name=\"category\"{}>\n<option value=\"\">{}</option>\n",
                            html_escape(t.category), html_escape(t.optional),
                            err ? " aria-invalid=\"true\" aria-describedby=\"e-category\"" : "", html_escape(t.choose));
        for (const auto& c : categories)
            html += fmt::format("<option value=\"{0}\"{1}>{0}</option>\n", html_escape(c), c == values.category ? " selected" : "");
        html += "</select>\n";
        if (err)
            html += fmt::format("<p class=\"error\" id=\"e-category\">{}</p>\n", html_escape(field_message(lang, *err, limits)));
        html += "</div>\n";
    }
    html += field("subject", t.subject, "text", values.subject, false, "off", limits.max_subject);
    html += field("message", t.message, "textarea", values.message, true, "off", limits.max_message);
    {
        const FieldError* err = error_of("attachment");
        html += fmt::format("<div class=\"field\">\n<label for=\"f-attachment\">{} <span class=\"opt\">({})</span></label>\n"
                            "<input type=\"file\" id=\"f-attachment\" name=\"attachment\" multiple "
                            "accept=\".png,.jpg,.jpeg,.gif,.pdf,.tif,.tiff,.txt,.log\"{}>\n",
                            html_escape(t.attachment), html_escape(t.optional),
                            err ? " aria-invalid=\"true\" aria-describedby=\"e-attachment\"" : "");
        if (err)
            html += fmt::format("<p class=\"error\" id=\"e-attachment\">{}</p>\n", html_escape(field_message(lang, *err, limits)));
        html += "</div>\n";
    }
    // The honeypot: hidden from people and from assistive technology, filled in by bots.
    html += "<div class=\"hp\" aria-hidden=\"true\"><label for=\"f-website\">Website</label>"
            "<input type=\"text\" id=\"f-website\" name=\"website\" tabindex=\"-1\" autocomplete=\"off\"></div>\n";
    for (const auto& [name, value] : extras.hidden)
        html += fmt::format("<input type=\"hidden\" name=\"{}\" value=\"{}\">\n", html_escape(name), html_escape(value));
    html += fmt::format("<button type=\"submit\">{}</button>\n</form>\n", html_escape(t.send));
    return page(t, t.title, html);
}

std::string form_notice(std::string_view lang, std::string_view code) {
    struct Notice {
        const char* lang;
        const char* expired;
        const char* too_fast;
        const char* reused;
        const char* unverified;
    };
    static constexpr Notice kNotices[] = {
        {"en", "This form was open too long. Please check your message and send it again.",
         "The form was sent very quickly. Please check your message and send it again.",
         "This form has already been sent. To write again, use the new form below.",
         "The form could not be verified. Please check your message and send it again."},
        {"fi", "Lomake oli auki liian kauan. Tarkista viestisi ja lähetä se uudelleen.",
         "Lomake lähetettiin hyvin nopeasti. Tarkista viestisi ja lähetä se uudelleen.",
         "Tämä lomake on jo lähetetty. Jos haluat kirjoittaa uudelleen, käytä alla olevaa uutta lomaketta.",
         "Lomaketta ei voitu varmentaa. Tarkista viestisi ja lähetä se uudelleen."},
        {"et", "Vorm oli liiga kaua avatud. Palun kontrolli sõnumit ja saada see uuesti.",
         "Vorm saadeti väga kiiresti. Palun kontrolli sõnumit ja saada see uuesti.",
         "See vorm on juba saadetud. Uuesti kirjutamiseks kasuta allolevat uut vormi.",
         "Vormi ei õnnestunud kontrollida. Palun kontrolli sõnumit ja saada see uuesti."},
        {"lv", "Veidlapa bija atvērta pārāk ilgi. Lūdzu, pārbaudiet ziņojumu un nosūtiet to vēlreiz.",
         "Veidlapa tika nosūtīta ļoti ātri. Lūdzu, pārbaudiet ziņojumu un nosūtiet to vēlreiz.",
         "Šī veidlapa jau ir nosūtīta. Lai rakstītu vēlreiz, izmantojiet jauno veidlapu zemāk.",
         "Veidlapu neizdevās pārbaudīt. Lūdzu, pārbaudiet ziņojumu un nosūtiet to vēlreiz."},
    };
    const Notice* n = &kNotices[0];
    for (const auto& candidate : kNotices)
        if (lang == candidate.lang) n = &candidate;
    if (code == "form_expired") return n->expired;
    if (code == "form_too_fast") return n->too_fast;
    if (code == "form_token_reused") return n->reused;
    return n->unverified;
}

std::string render_thanks_page(std::string_view lang, std::string_view ticket_key) {
    const Texts& t = texts(lang);
    auto sentence = ticket_key.empty() ? html_escape(t.received)
                                       : fmt::format(fmt::runtime(t.thanks),
                                                     fmt::format("<span class=\"key\">{}</span>", html_escape(ticket_key)));
    return page(t, t.thanks_title,
                fmt::format("<h1>{}</h1>\n<p role=\"status\">{}</p>\n", html_escape(t.thanks_title), sentence));
}

}  // namespace triage::channels
