// GMime handles: RAII owners for GObjects (g_object_unref) and g_malloc'd strings (g_free),
// and ensure_gmime(), the one process-wide g_mime_init() they all need. ensure_gmime() is
// thread-safe (std::call_once); after it, separate GMime objects may be used from separate
// threads (GMime's iconv and charset caches take their own locks). An object is not thread-safe.
#pragma once

#include <gmime/gmime.h>

#include <memory>
#include <string>
#include <string_view>

namespace triage::channels {

// Calls g_mime_init() exactly once per process; cheap afterwards. Never shut down: GMime's
// state lives as long as the process. Also registers message/rfc822, message/global and
// message/news as plain GMimePart types, process-wide: an embedded message is kept as its
// original bytes (parse them again to look inside) rather than as a GMimeMessagePart.
void ensure_gmime();

struct GObjectUnref {
    void operator()(gpointer object) const noexcept {
        if (object) g_object_unref(object);
    }
};
template <class T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;

// Takes ownership of a new reference (what *_new() and g_mime_parser_construct_message return).
template <class T>
GObjectPtr<T> adopt(T* object) noexcept {
    return GObjectPtr<T>(object);
}

struct GFree {
    void operator()(gpointer p) const noexcept { g_free(p); }
};
using GCharPtr = std::unique_ptr<gchar, GFree>;

// The bytes of a GMimeStreamMem (owned by the stream).
std::string_view stream_bytes(GMimeStreamMem* stream) noexcept;

}  // namespace triage::channels
