#include "storage/file_blob_store.hpp"

#include "storage/sha256.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <utility>
#include <cerrno>
#include <system_error>

namespace triage {
namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
    throw std::system_error{errno, std::generic_category(), what + " " + path.string()};
}

class Fd {
public:
    explicit Fd(int fd) : fd_{fd} {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const noexcept { return fd_; }
    int release() noexcept { return std::exchange(fd_, -1); }

private:
    int fd_;
};

// A new directory entry (file or subdirectory) is durable only once its directory is.
void fsync_directory(const std::filesystem::path& dir) {
    Fd fd{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (fd.get() < 0) fail("cannot open directory", dir);
    if (::fsync(fd.get()) != 0) fail("cannot fsync directory", dir);
}

bool is_sha256_hex(std::string_view s) {
    return s.size() == 64 &&
           std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

void write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
    while (!bytes.empty()) {
        ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("cannot write", path);
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace

FileBlobStore::FileBlobStore(std::filesystem::path root) : root_{std::move(root)} {
    for (auto& fd : dir_fds_) fd.store(-1, std::memory_order_relaxed);
    if (std::filesystem::create_directories(root_) && root_.has_parent_path()) fsync_directory(root_.parent_path());
}

FileBlobStore::~FileBlobStore() {
    for (auto& fd : dir_fds_)
        if (int f = fd.load(); f >= 0) ::close(f);
}

int FileBlobStore::directory_fd(unsigned index, const std::filesystem::path& dir) {
    if (int fd = dir_fds_[index].load(std::memory_order_acquire); fd >= 0) return fd;
    if (::mkdir(dir.c_str(), 0755) == 0) fsync_directory(root_);
    else if (errno != EEXIST) fail("cannot create directory", dir);
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) fail("cannot open directory", dir);
    int expected = -1;
    if (!dir_fds_[index].compare_exchange_strong(expected, fd, std::memory_order_acq_rel)) {
        ::close(fd);  // another thread opened it first
        return expected;
    }
    return fd;
}

std::string FileBlobStore::put(std::string_view bytes) {
    std::string hash = sha256_hex(bytes);
    const auto dir = root_ / hash.substr(0, 2);
    const std::string name = hash.substr(2);
    const int dir_fd = directory_fd(static_cast<unsigned>(std::stoul(hash.substr(0, 2), nullptr, 16)), dir);
    struct stat st {};
    if (::fstatat(dir_fd, name.c_str(), &st, 0) == 0) return hash;  // renamed into place only when complete

    // Unique per process and call, so concurrent puts of the same bytes never share a temp
    // file; the loser of the rename race replaces identical bytes.
    static std::atomic<std::uint64_t> next{0};
    const std::string temp = ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(next++);
    Fd fd{::openat(dir_fd, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)};
    if (fd.get() < 0) fail("cannot create", dir / temp);
    try {
        write_all(fd.get(), bytes, dir / temp);
        if (::fsync(fd.get()) != 0) fail("cannot fsync", dir / temp);
        if (::close(fd.release()) != 0) fail("cannot close", dir / temp);
        if (::renameat(dir_fd, temp.c_str(), dir_fd, name.c_str()) != 0) fail("cannot rename into", dir / name);
    } catch (...) {
        ::unlinkat(dir_fd, temp.c_str(), 0);
        throw;
    }
    // A new directory entry is durable only once its directory is.
    if (::fsync(dir_fd) != 0) fail("cannot fsync directory", dir);
    return hash;
}

std::optional<std::string> FileBlobStore::get(std::string_view sha256) {
    if (!is_sha256_hex(sha256)) return std::nullopt;  // also keeps "../" out of the path
    const auto path = root_ / sha256.substr(0, 2) / sha256.substr(2);
    Fd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (fd.get() < 0) {
        if (errno == ENOENT) return std::nullopt;
        fail("cannot open", path);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) fail("cannot stat", path);
    std::string bytes;
    bytes.resize(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("cannot read", path);
        }
        if (n == 0) break;
        done += static_cast<std::size_t>(n);
    }
    bytes.resize(done);
    return bytes;
}

}  // namespace triage
