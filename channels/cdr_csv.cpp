#include "channels/cdr_csv.hpp"

#include "channels/mime_charset.hpp"
#include "channels/phone_number.hpp"
#include "channels/pbx_time.hpp"
#include "engine/text.hpp"
#include "engine/time_format.hpp"

#include <algorithm>
#include <charconv>
#include <deque>
#include <iterator>
#include <limits>
#include <utility>
#include <tuple>
#include <fmt/format.h>
#include <unordered_map>

namespace triage::channels {
namespace {

constexpr std::size_t kMaxRowBytes = 8192;  // far above any PBX's rows (read_row)

// An extension or a dialplan name ("2001", "s", "vmu2001", "helpdesk"), not a phone number.
bool is_extension(std::string_view s) {
    if (is_withheld_caller_id(s)) return false;  // a caller from outside
    return !looks_like_phone_number(s);
}

Result<std::int64_t> cdr_int(std::string_view s, std::string_view field) {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || v < 0)
        return problem(errc::invalid_field, fmt::format("{} '{}' is not a whole number of seconds", field, s), std::string(field));
    return v;
}

// The name part of an Asterisk clid: "\"Jüri Tamm\" <+3725123456>" -> Jüri Tamm.
std::string clid_name(std::string_view clid) {
    auto lt = clid.rfind('<');
    std::string_view name = trim_space(lt == std::string_view::npos ? std::string_view{} : clid.substr(0, lt));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
    return std::string(name);
}

bool withheld_name(std::string_view name) {
    auto n = ascii_lower(name);
    return n.empty() || n == "anonymous" || n == "restricted" || n == "unknown";
}

// One row, before calls are merged.
struct Row {
    std::string unique_id;
    std::string src, dst, name, app;
    Timestamp start{}, end{};
    bool answered = false;
    CallDisposition disposition = CallDisposition::answered;
    std::int64_t billsec = 0;
    std::string userfield;
};

Result<Row> asterisk_row(const std::vector<std::string>& f, const PbxTimeReader& times) {
    if (f.size() < 17 || f.size() > 21)
        return problem(errc::malformed, fmt::format("{} columns, expected 17 to 21 (cdr_csv with loguniqueid=yes)", f.size()));
    Row r;
    r.src = f[1];
    r.dst = f[2];
    r.name = clid_name(f[4]);
    r.app = f[7];
    TRIAGE_TRY(auto start, times.read(f[9], "start"));
    TRIAGE_TRY(auto end, times.read(f[11], "end"));
    if (!f[10].empty()) {
        TRIAGE_TRY(auto answer, times.read(f[10], "answer"));
        (void)answer;
    }
    TRIAGE_TRY(auto duration, cdr_int(f[12], "duration"));
    std::tie(r.start, r.end) = fit_call_times(start, end, duration);
    // A call that ends before it starts is a bad row, not a call of negative length.
    if (r.end < r.start) return problem(errc::invalid_field, "the call ends before it starts", "end");
    TRIAGE_TRY(r.billsec, cdr_int(f[13], "billsec"));
    auto disposition = parse_call_disposition(f[14]);
    if (!disposition && f[14] == "UNKNOWN") disposition = CallDisposition::failed;
    if (!disposition) return problem(errc::invalid_field, fmt::format("disposition '{}' is not known", f[14]), "disposition");
    r.disposition = *disposition;
    r.unique_id = f[16];
    if (r.unique_id.empty()) return problem(errc::invalid_field, "the uniqueid column is empty", "uniqueid");
    if (f.size() > 17) r.userfield = f[17];
    return r;
}

Result<Row> freeswitch_row(const std::vector<std::string>& f, const PbxTimeReader& times) {
    if (f.size() != 15) return problem(errc::malformed, fmt::format("{} columns, expected 15 (the example template)", f.size()));
    Row r;
    r.name = f[0];
    r.src = f[1];
    r.dst = f[2];
    TRIAGE_TRY(auto start, times.read(f[4], "start_stamp"));
    TRIAGE_TRY(auto end, times.read(f[6], "end_stamp"));
    TRIAGE_TRY(auto duration, cdr_int(f[7], "duration"));
    std::tie(r.start, r.end) = fit_call_times(start, end, duration);
    // A call that ends before it starts is a bad row, not a call of negative length.
    if (r.end < r.start) return problem(errc::invalid_field, "the call ends before it starts", "end");
    TRIAGE_TRY(r.billsec, cdr_int(f[8], "billsec"));
    const std::string& cause = f[9];
    if (cause.empty()) return problem(errc::invalid_field, "hangup_cause is empty", "hangup_cause");
    if (!f[5].empty()) {
        TRIAGE_TRY(auto answer, times.read(f[5], "answer_stamp"));
        (void)answer;
        r.disposition = CallDisposition::answered;
    } else if (cause == "USER_BUSY") {
        r.disposition = CallDisposition::busy;
    } else if (cause == "NO_ANSWER" || cause == "ORIGINATOR_CANCEL" || cause == "NO_USER_RESPONSE" ||
               cause == "NORMAL_CLEARING") {
        r.disposition = CallDisposition::no_answer;
    } else {
        r.disposition = CallDisposition::failed;
    }
    r.unique_id = f[10];
    if (r.unique_id.empty()) return problem(errc::invalid_field, "the uuid column is empty", "uuid");
    return r;
}

}  // namespace

std::optional<CdrFormat> parse_cdr_format(std::string_view s) noexcept {
    if (s == "asterisk") return CdrFormat::asterisk;
    if (s == "freeswitch") return CdrFormat::freeswitch;
    return std::nullopt;
}

bool split_csv_line(std::string_view line, std::vector<std::string>& fields) {
    // The vector's strings are reused from row to row (their capacity kept): a file of
    // rows of the same shape allocates almost nothing here.
    std::size_t count = 0;
    auto next = [&]() -> std::string& {
        if (count == fields.size()) fields.emplace_back();
        std::string& f = fields[count++];
        f.clear();
        return f;
    };
    auto done = [&] {
        fields.resize(count);
        return true;
    };
    std::size_t i = 0;
    const std::size_t n = line.size();
    while (true) {
        std::string& field = next();
        if (i < n && line[i] == '"') {
            ++i;
            while (true) {
                if (i >= n) return false;  // unterminated
                auto q = line.find('"', i);
                if (q == std::string_view::npos) return false;
                field.append(line.substr(i, q - i));
                i = q + 1;
                if (i < n && line[i] == '"') {
                    field += '"';
                    ++i;
                    continue;
                }
                break;
            }
            if (i < n && line[i] != ',') return false;
        } else {
            auto c = line.find(',', i);
            auto end = c == std::string_view::npos ? n : c;
            field.assign(line.substr(i, end - i));
            if (field.find('"') != std::string::npos) return false;
            i = end;
        }
        if (i >= n) return done();
        ++i;  // the comma
        if (i == n) {
            next();
            return done();
        }
    }
}

struct CdrReader::Impl {
    // Per unique id: the last line that names it (first pass) and its call, once made.
    struct Id {
        std::size_t last_line = 0;
        std::size_t call = std::string::npos;  // absolute index into the calls made so far
    };

    Impl(std::string_view b, const CdrOptions& o)
        : bytes(without_bom(b)), options(o), times(options.time_zone),
          source(options.format == CdrFormat::asterisk ? "cdr:asterisk" : "cdr:freeswitch") {
        note_last_lines();
    }

    std::string_view bytes;
    CdrOptions options;
    PbxTimeReader times;
    std::string source;
    std::unordered_map<std::string, Id> ids;
    // A PBX log names the same callers again and again: each distinct number is parsed by
    // libphonenumber once per file.
    std::unordered_map<std::string, std::string> e164;
    std::vector<std::string> fields;
    std::size_t line_no = 0, pos = 0;
    // Calls made and not yet handed out: calls[k] is call number base + k.
    std::deque<PhoneCall> calls;
    std::deque<std::size_t> first_line;
    std::deque<char> answered_by_person;
    std::size_t base = 0;
    std::size_t complete = 0;  // of `calls`, the leading ones no later row can change
    CdrBatch found;            // errors, rows and skipped rows not yet taken

    bool next_line(std::string_view& line) {
        if (pos >= bytes.size()) return false;
        auto nl = bytes.find('\n', pos);
        line = bytes.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? bytes.size() : nl + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        return true;
    }

    // The unique id column of a row of the format's shape, as the row readers take it.
    const std::string* unique_id_field() const {
        if (options.format == CdrFormat::asterisk) return fields.size() >= 17 && fields.size() <= 21 ? &fields[16] : nullptr;
        return fields.size() == 15 ? &fields[10] : nullptr;
    }

    // First pass: where each unique id is last named. A row that turns out bad later only
    // makes its call wait longer.
    void note_last_lines() {
        std::string_view line;
        while (next_line(line)) {
            if (is_blank(line) || !split_csv_line(line, fields)) continue;
            if (const std::string* id = unique_id_field(); id && !id->empty()) ids[*id].last_line = line_no;
        }
        pos = 0;
        line_no = 0;
    }

    bool is_support_line(const std::string& dst) const {
        return options.support_lines.empty() ||
               std::find(options.support_lines.begin(), options.support_lines.end(), dst) != options.support_lines.end();
    }

    const std::string& number_of(const std::string& raw) {
        auto [it, fresh] = e164.try_emplace(raw);
        if (fresh) it->second = to_e164(raw, options.region).value_or("");
        return it->second;
    }

    void read_row(std::string_view line) {
        auto bad = [&](std::string message) { found.errors.push_back({line_no, std::move(message)}); };
        // Asterisk's cdr_csv writes a row into a 1 KiB buffer and FreeSWITCH's templates make
        // rows of a few hundred bytes: a row this long is not a call record (a caller name
        // of megabytes would otherwise be a customer's name).
        if (line.size() > kMaxRowBytes) {
            bad(fmt::format("the row is {} bytes long; a call record is at most {}", line.size(), kMaxRowBytes));
            return;
        }
        // A PBX writes caller names in whatever its phones sent: a row that is not UTF-8 is
        // read as the 8-bit charset its letters suggest (windows-1252 or -1257), not lost.
        std::string converted;
        if (!is_valid_utf8(line)) {
            converted = convert_to_utf8(line, guess_charset(line)).value_or(repair_utf8(line));
            line = converted;
        }
        if (!split_csv_line(line, fields)) {
            bad("a quoted field is not closed or has text after its closing quote (the row may be cut off)");
            return;
        }
        auto row = options.format == CdrFormat::asterisk ? asterisk_row(fields, times) : freeswitch_row(fields, times);
        if (!row) {
            bad(row.error().message);
            return;
        }
        ++found.rows;
        Row& r = *row;
        // A fax line's call is only the transport: the fax itself arrives by email.
        if (r.app == "ReceiveFAX" || r.app == "SendFAX") {
            ++found.skipped_rows;
            found.skipped.push_back({line_no, "a fax line's call (" + r.app + "): the fax itself arrives by email"});
            return;
        }
        // Voicemail and an IVR the caller hung up in: the PBX answered, nobody spoke.
        const bool machine = r.app == "VoiceMail" || r.app == "BackGround";
        const bool answered = r.disposition == CallDisposition::answered && !machine;

        Id& id = ids[r.unique_id];  // the first pass saw it
        if (id.call != std::string::npos) {  // another attempt of the same call
            const std::size_t k = id.call - base;
            PhoneCall& call = calls[k];
            auto end = std::max(call.started_at + std::chrono::seconds(call.duration_s), r.end);
            call.started_at = std::min(call.started_at, r.start);
            call.duration_s = std::chrono::duration_cast<std::chrono::seconds>(end - call.started_at).count();
            if (answered && !answered_by_person[k]) {
                answered_by_person[k] = true;
                call.disposition = CallDisposition::answered;
            }
            return;
        }

        PhoneCall call;
        call.external_id = r.unique_id;
        call.source = source;
        call.started_at = r.start;
        call.utc_offset = utc_offset_at(options.time_zone, r.start);
        call.duration_s = std::chrono::duration_cast<std::chrono::seconds>(r.end - r.start).count();
        call.disposition = answered ? CallDisposition::answered
                                    : (machine ? CallDisposition::no_answer : r.disposition);
        const bool src_internal = is_extension(r.src);
        const bool dst_internal = is_extension(r.dst) || r.dst.empty();
        if (src_internal && !dst_internal) {
            call.direction = CallDirection::outbound;
            call.number = number_of(r.dst);
            call.line = r.src;
        } else if (src_internal && dst_internal) {
            call.direction = CallDirection::internal;
            call.line = r.dst;
        } else {
            call.direction = CallDirection::inbound;
            call.number = number_of(r.src);
            call.line = r.dst;
            call.to_support_line = machine || is_support_line(r.dst);
            if (!withheld_name(r.name) && !call.number.empty()) call.caller_name = r.name;
        }
        if (call.direction == CallDirection::internal) {
            ++found.skipped_rows;
            found.skipped.push_back({line_no, "an internal call (" + r.src + " to " + (r.dst.empty() ? std::string{"no number"} : r.dst) + ")"});
            return;
        }
        if (r.app == "VoiceMail") call.notes = "The caller left a voicemail.";
        else if (r.app == "BackGround") call.notes = "The caller hung up in the IVR menu.";
        if (!r.userfield.empty()) call.notes += (call.notes.empty() ? "" : "\n") + ("PBX userfield: " + r.userfield);
        id.call = base + calls.size();
        answered_by_person.push_back(answered);
        first_line.push_back(line_no);
        calls.push_back(std::move(call));
    }

    bool read(std::size_t lines) {
        std::string_view line;
        for (std::size_t n = 0; n < lines && next_line(line); ++n)
            if (!is_blank(line)) read_row(line);
        const bool more = pos < bytes.size();
        while (complete < calls.size() && (!more || ids[calls[complete].external_id].last_line <= line_no)) ++complete;
        return more;
    }

    void take(CdrBatch& into) {
        for (std::size_t k = 0; k < complete; ++k) {
            into.calls.push_back(std::move(calls.front()));
            into.first_line.push_back(first_line.front());
            calls.pop_front();
            first_line.pop_front();
            answered_by_person.pop_front();
        }
        base += complete;
        complete = 0;
        std::move(found.errors.begin(), found.errors.end(), std::back_inserter(into.errors));
        found.errors.clear();
        into.rows += std::exchange(found.rows, 0);
        into.skipped_rows += std::exchange(found.skipped_rows, 0);
        std::move(found.skipped.begin(), found.skipped.end(), std::back_inserter(into.skipped));
        found.skipped.clear();
    }
};

CdrReader::CdrReader(std::string_view bytes, const CdrOptions& options) : impl_(std::make_unique<Impl>(bytes, options)) {}
CdrReader::~CdrReader() = default;
bool CdrReader::read(std::size_t lines) { return impl_->read(lines); }
void CdrReader::take(CdrBatch& into) { impl_->take(into); }

CdrBatch parse_cdr(std::string_view bytes, const CdrOptions& options, const std::string& raw_sha256) {
    CdrBatch out;
    CdrReader reader(bytes, options);
    while (reader.read(std::numeric_limits<std::size_t>::max())) {
    }
    reader.take(out);
    for (auto& call : out.calls) call.raw_sha256 = raw_sha256;
    return out;
}

}  // namespace triage::channels
