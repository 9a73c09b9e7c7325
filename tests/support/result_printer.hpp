// Lets doctest print an engine Result: its Problem when it failed, "ok" when not.
#pragma once

#include "engine/error.hpp"

#include <doctest/doctest.h>
#include <sstream>

namespace doctest {
template <class T>
struct StringMaker<boost::system::result<T, triage::Problem>> {
    static String convert(const boost::system::result<T, triage::Problem>& r) {
        if (r) return "ok";
        std::ostringstream os;
        os << r.error();
        return os.str().c_str();
    }
};
}  // namespace doctest
