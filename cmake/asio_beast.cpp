// The one translation unit that compiles Asio and Beast (separate compilation):
// every other file includes their headers with the *_SEPARATE_COMPILATION macros set.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
