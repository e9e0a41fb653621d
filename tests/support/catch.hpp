#pragma once
// One include for Catch2 2.x (Debian 12: <catch2/catch.hpp>) and Catch2 3.x
// (<catch2/catch_all.hpp>), so the suite builds with either.
#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif
