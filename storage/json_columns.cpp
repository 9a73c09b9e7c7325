#include "storage/json_columns.hpp"

#include <charconv>
#include <cstdint>
#include <stdexcept>

namespace triage::sqlite {
namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

// Just enough JSON to read back what the encoders below write: arrays, objects, strings,
// integers; other scalars are skipped when they appear under unknown keys.
class Parser {
public:
    explicit Parser(std::string_view text) : text_{text} {}

    template <class Each>
    void array(Each each) {
        expect('[');
        if (consume(']')) return;
        do each();
        while (consume(','));
        expect(']');
    }

    template <class Field>
    void object(Field field) {
        expect('{');
        if (consume('}')) return;
        do {
            std::string key = string();
            expect(':');
            field(key);
        } while (consume(','));
        expect('}');
    }

    std::string string() {
        expect('"');
        std::string out;
        for (;;) {
            if (pos_ >= text_.size()) fail("unterminated string");
            char c = text_[pos_++];
            if (c == '"') return out;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= text_.size()) fail("unterminated escape");
            switch (char e = text_[pos_++]) {
                case '"': case '\\': case '/': out += e; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    std::uint32_t cp = hex4();
                    if (cp >= 0xd800 && cp < 0xdc00 && text_.substr(pos_, 2) == "\\u") {
                        pos_ += 2;
                        std::uint32_t low = hex4();
                        if (low >= 0xdc00 && low < 0xe000) cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                        else cp = 0xfffd;
                    } else if (cp >= 0xd800 && cp < 0xe000) {
                        cp = 0xfffd;  // a lone surrogate has no UTF-8 form
                    }
                    append_utf8(out, cp);
                    break;
                }
                default: fail("bad escape");
            }
        }
    }

    std::int64_t integer() {
        skip_space();
        std::int64_t value = 0;
        auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), value);
        if (ec != std::errc{}) fail("expected an integer");
        pos_ = static_cast<std::size_t>(end - text_.data());
        return value;
    }

    void skip_value() {
        skip_space();
        if (pos_ >= text_.size()) fail("expected a value");
        char c = text_[pos_];
        if (c == '"') string();
        else if (c == '[') array([&] { skip_value(); });
        else if (c == '{') object([&](const std::string&) { skip_value(); });
        else
            while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != ']' && text_[pos_] != '}') ++pos_;
    }

    void finish() {
        skip_space();
        if (pos_ != text_.size()) fail("trailing text");
    }

private:
    void skip_space() {
        while (pos_ < text_.size() &&
               (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
            ++pos_;
    }
    bool consume(char c) {
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    void expect(char c) {
        if (!consume(c)) fail(std::string{"expected '"} + c + "'");
    }
    std::uint32_t hex4() {
        if (pos_ + 4 > text_.size()) fail("short \\u escape");
        std::uint32_t value = 0;
        auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + pos_ + 4, value, 16);
        if (ec != std::errc{} || end != text_.data() + pos_ + 4) fail("bad \\u escape");
        pos_ += 4;
        return value;
    }
    [[noreturn]] void fail(const std::string& why) const {
        throw std::runtime_error{"corrupt JSON column (" + why + " at offset " + std::to_string(pos_) + ")"};
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

template <class T, class EncodeOne>
std::string encode_list(const std::vector<T>& values, EncodeOne encode_one) {
    std::string out = "[";
    for (const auto& v : values) {
        if (out.size() > 1) out += ',';
        encode_one(out, v);
    }
    out += ']';
    return out;
}

void append_field(std::string& out, std::string_view key, std::string_view value, bool first = false) {
    if (!first) out += ',';
    append_json_string(out, key);
    out += ':';
    append_json_string(out, value);
}

}  // namespace


std::string encode_strings(const std::vector<std::string>& values) {
    return encode_list(values, [](std::string& out, const std::string& v) { append_json_string(out, v); });
}

std::vector<std::string> decode_strings(std::string_view json) {
    std::vector<std::string> out;
    Parser p{json};
    p.array([&] { out.push_back(p.string()); });
    p.finish();
    return out;
}

std::string encode_attachments(const std::vector<Attachment>& attachments) {
    return encode_list(attachments, [](std::string& out, const Attachment& a) {
        out += '{';
        append_field(out, "filename", a.filename, true);
        append_field(out, "content_type", a.content_type);
        out += ",\"size\":";
        out += std::to_string(a.size);
        append_field(out, "sha256", a.sha256);
        out += '}';
    });
}

std::vector<Attachment> decode_attachments(std::string_view json) {
    std::vector<Attachment> out;
    Parser p{json};
    p.array([&] {
        Attachment& a = out.emplace_back();
        p.object([&](const std::string& key) {
            if (key == "filename") a.filename = p.string();
            else if (key == "content_type") a.content_type = p.string();
            else if (key == "size") a.size = p.integer();
            else if (key == "sha256") a.sha256 = p.string();
            else p.skip_value();
        });
    });
    p.finish();
    return out;
}

std::string encode_changes(const std::vector<FieldChange>& changes) {
    return encode_list(changes, [](std::string& out, const FieldChange& c) {
        out += '{';
        append_field(out, "field", c.field, true);
        append_field(out, "before", c.before);
        append_field(out, "after", c.after);
        out += '}';
    });
}

std::vector<FieldChange> decode_changes(std::string_view json) {
    std::vector<FieldChange> out;
    Parser p{json};
    p.array([&] {
        FieldChange& c = out.emplace_back();
        p.object([&](const std::string& key) {
            if (key == "field") c.field = p.string();
            else if (key == "before") c.before = p.string();
            else if (key == "after") c.after = p.string();
            else p.skip_value();
        });
    });
    p.finish();
    return out;
}

}  // namespace triage::sqlite
