#pragma once
// CLI11, without the start-up cost of <iostream>.
//
// Every translation unit that includes <iostream> holds a static std::ios_base::Init, which
// before main builds the eight standard streams and the classic locale with all its facets:
// about ten page faults and 0.2 ms of every run on the reference machine (docs/performance.md),
// for streams vramcalc never uses (it writes with write(2): cli/output.cpp). CLI11 includes
// <iostream> only to name std::cout and std::cerr in App::exit, deprecated or retired options
// and its Timer, none of which vramcalc calls. With libstdc++, this header includes CLI11 with
// <iostream> marked as included and those streams declared as <iostream> declares them (they
// are defined in libstdc++ itself); with any other library it includes CLI11 as it is.
//
// So no file of the command line may use std::cout, std::cerr, std::cin or std::clog: nothing
// would have made them. A test checks that the binary holds no std::ios_base::Init.

#if defined(__GLIBCXX__) && !defined(_GLIBCXX_IOSTREAM)
#include <istream>
#include <ostream>
#define _GLIBCXX_IOSTREAM 1
namespace std {
extern istream cin;
extern ostream cout;
extern ostream cerr;
extern ostream clog;
}  // namespace std
#endif

#include <CLI/CLI.hpp>
