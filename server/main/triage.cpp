// triage: the command-line tool (see server/cli.hpp).
#include "server/cli.hpp"

#include <iostream>

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    return triage::server::run_cli(args, std::cout, std::cerr);
}
