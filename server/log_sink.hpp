// A stdout log sink that buffers lines and writes them out on flush (every second, and at
// once for warnings and errors), instead of one write(2) per line as spdlog's own stdout
// sinks do: at tens of thousands of requests a second, one line each, that matters.
// Thread-safe: spdlog's base_sink serialises calls with its mutex.
#pragma once

#include <cstdio>
#include <mutex>
#include <spdlog/sinks/base_sink.h>

namespace triage::server {

class BufferedStdoutSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    BufferedStdoutSink() { std::setvbuf(stdout, nullptr, _IOFBF, 1 << 16); }

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);
        std::fwrite(formatted.data(), 1, formatted.size(), stdout);
        if (msg.level >= spdlog::level::warn) std::fflush(stdout);
    }
    void flush_() override { std::fflush(stdout); }
};

}  // namespace triage::server
