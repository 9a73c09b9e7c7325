#include "server/cli_channels.hpp"

#include "server/app.hpp"
#include "server/cli.hpp"
#include "server/phone_intake.hpp"

#include <fmt/format.h>
#include <fstream>
#include <stdexcept>

namespace triage::server {

int import_cdr_command(const Config& config, const CdrImportArgs& args, const std::string& file, std::ostream& out,
                       std::ostream& err) {
    std::string format = args.format, time_zone = args.time_zone;
    if (!args.source.empty()) {
        const CdrSource* source = nullptr;
        for (const auto& s : config.phone.cdr_sources)
            if (s.name == args.source) source = &s;
        if (!source) {
            err << fmt::format("triage: import-cdr: no CDR source '{}' in phone.cdr_sources{}\n", args.source,
                               config.source.empty() ? " (give --config FILE)" : " of " + config.source.string());
            return 2;
        }
        if (format.empty()) format = source->format;
        if (time_zone.empty()) time_zone = source->time_zone;
    }
    auto cdr_format = channels::parse_cdr_format(format);
    if (!cdr_format) {
        err << fmt::format("triage: import-cdr needs --format asterisk or --format freeswitch (or --source NAME){}\n",
                           format.empty() ? "" : fmt::format(", not '{}'", format));
        return 2;
    }
    auto zone = channels::PbxTimeZone::make(time_zone);
    if (!zone) {
        err << fmt::format("triage: import-cdr --tz: {}\n", zone.error().message);
        return 2;
    }
    std::ifstream in = open_input_file(file);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SystemClock clock;
    auto app = App::open(config, clock);
    auto report = import_cdr(*app, std::move(bytes), *cdr_format, *zone);
    app->stop();
    for (const auto& line : report.notes) out << line << "\n";
    for (const auto& e : report.errors) err << fmt::format("triage: {}:{}: {}; row skipped\n", file, e.line, e.message);
    out << fmt::format("{} rows, {} calls: {} filed ({} call-backs), {} already imported, {} skipped, {} bad rows\n",
                       report.rows, report.calls, report.filed, report.call_backs, report.duplicates, report.skipped,
                       report.errors.size());
    return report.errors.empty() ? 0 : 2;
}

}  // namespace triage::server
