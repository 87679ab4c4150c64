#include <doctest/doctest.h>

#include "tosca/check/values.h"

using namespace modak::tosca;

TEST_SUITE("unit") {
  TEST_CASE("scalar-units convert to base units and need a known unit") {
    double base = 0;
    std::string err;
    CHECK(parse_scalar_unit("4 GiB", "scalar-unit.size", base, err));
    CHECK(base == doctest::Approx(4.0 * 1024 * 1024 * 1024));
    CHECK(parse_scalar_unit("1.5 gb", "scalar-unit.size", base, err));
    CHECK(base == doctest::Approx(1.5e9));
    CHECK(parse_scalar_unit("30 m", "scalar-unit.time", base, err));
    CHECK(base == doctest::Approx(1800));
    CHECK(parse_scalar_unit("2.4 GHz", "scalar-unit.frequency", base, err));
    CHECK(parse_scalar_unit("10 Mbps", "scalar-unit.bitrate", base, err));
    CHECK(base == doctest::Approx(1e7));
    CHECK_FALSE(parse_scalar_unit("10", "scalar-unit.size", base, err));
    CHECK(err.find("no unit") != std::string::npos);
    CHECK_FALSE(parse_scalar_unit("10 parsecs", "scalar-unit.size", base, err));
    CHECK_FALSE(parse_scalar_unit("GB", "scalar-unit.size", base, err));
    // bitrate units are case-sensitive: b is bits, B is bytes
    CHECK(parse_scalar_unit("1 MBps", "scalar-unit.bitrate", base, err));
    CHECK(base == doctest::Approx(8e6));
  }

  TEST_CASE("versions follow major.minor.fix.qualifier-build and compare numerically") {
    std::vector<long> a, b;
    CHECK(parse_version("2.1", a));
    CHECK(parse_version("2.10", b));
    CHECK(a < b);  // 2.1 is not 2.10
    CHECK(parse_version("1.0.2.beta-3", a));
    CHECK(parse_version("18", a));
    CHECK_FALSE(parse_version("1.x", a));
    CHECK_FALSE(parse_version("v1.0", a));
    CHECK_FALSE(parse_version("1..2", a));
  }

  TEST_CASE("timestamps are ISO 8601 as YAML reads them") {
    CHECK(is_timestamp("2001-12-14t21:59:43.10-05:00"));
    CHECK(is_timestamp("2001-12-14 21:59:43.10 -5"));
    CHECK(is_timestamp("2002-12-14"));
    CHECK_FALSE(is_timestamp("14/12/2002"));
    CHECK_FALSE(is_timestamp("yesterday"));
  }
}
