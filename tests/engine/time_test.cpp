// Durations, dates and date-times: parsing, formatting and calendar arithmetic.
#include "accord/engine/time.hpp"

#include <limits>

#include <gtest/gtest.h>

namespace accord::engine {
namespace {

constexpr TimeMs kMarch1st2027 = 1'803'859'200'000;  // 2027-03-01T00:00:00Z

Duration duration(std::string_view text) {
    const auto d = parse_duration(text);
    EXPECT_TRUE(d.has_value()) << text;
    return d.value_or(Duration{});
}

TimeMs instant(std::string_view text) {
    const auto t = parse_time(text);
    EXPECT_TRUE(t.has_value()) << text;
    return t ? t->ms : 0;
}

// text + duration, formatted as a date when the text is one.
std::string add(std::string_view text, std::string_view dur) {
    const auto t = parse_time(text);
    EXPECT_TRUE(t.has_value()) << text;
    if (!t) return {};
    const TimeMs sum = add_duration(t->ms, duration(dur));
    return t->date_only ? format_date(sum) : format_date_time(sum);
}

TEST(Duration, ParsesEveryComponent) {
    const Duration d = duration("P1Y2M3W10DT2H30M5S");
    EXPECT_FALSE(d.negative);
    EXPECT_EQ(d.years, 1);
    EXPECT_EQ(d.months, 2);
    EXPECT_EQ(d.weeks, 3);
    EXPECT_EQ(d.days, 10);
    EXPECT_EQ(d.hours, 2);
    EXPECT_EQ(d.minutes, 30);
    EXPECT_EQ(d.millis, 5000);
    EXPECT_TRUE(d.has_time_part());
}

TEST(Duration, MonthsAndMinutesAreToldApartByTheTimeDesignator) {
    EXPECT_EQ(duration("P5M").months, 5);
    EXPECT_EQ(duration("P5M").minutes, 0);
    EXPECT_EQ(duration("PT5M").minutes, 5);
    EXPECT_EQ(duration("PT5M").months, 0);
}

TEST(Duration, WeeksAreAcceptedAloneOrWithOtherUnits) {
    EXPECT_EQ(duration("P2W").weeks, 2);
    EXPECT_FALSE(duration("P2W").has_time_part());
    EXPECT_EQ(duration("P1W2D").days, 2);
}

TEST(Duration, LeadingMinusMakesItNegative) {
    const Duration d = duration("-P90D");
    EXPECT_TRUE(d.negative);
    EXPECT_EQ(d.days, 90);
}

TEST(Duration, FractionalSecondsAreKeptToTheMillisecond) {
    EXPECT_EQ(duration("PT0.5S").millis, 500);
    EXPECT_EQ(duration("PT1,25S").millis, 1250);
    EXPECT_EQ(duration("PT2.123456S").millis, 2123);
    EXPECT_EQ(duration("PT0.0009S").millis, 0);
    EXPECT_EQ(duration("PT1M0.001S").millis, 1);
}

TEST(Duration, ZeroDurationsAreValid) {
    EXPECT_TRUE(duration("PT0S").is_zero());
    EXPECT_TRUE(duration("P0D").is_zero());
    EXPECT_FALSE(duration("PT0.001S").is_zero());
}

TEST(Duration, MalformedTextIsRefused) {
    for (const char* text : {"",
                             "P",
                             "PT",
                             "-P",
                             "P1H",
                             "10D",
                             "P1DT",
                             "P1M1Y",
                             "P1D1D",
                             "PT1S1M",
                             "PT5S1.5S",
                             "P1.5D",
                             "PT1.5H",
                             "PT1.5M",
                             "P-1D",
                             "p1d",
                             "P1d",
                             "+P1D",
                             " P1D",
                             "P1D ",
                             "PT.5S",
                             "PT1.S",
                             "PT1.5",
                             "P1",
                             "PD",
                             "P1Y2",
                             "P1DT1",
                             "PT1H1H",
                             "P99999999999999999999D",
                             "PT9223372036854775807S",
                             "PT9223372036854775.999S"}) {
        EXPECT_FALSE(parse_duration(text).has_value()) << '"' << text << '"';
    }
}

TEST(Duration, PrintsInCanonicalForm) {
    for (const char* text :
         {"P1Y2M10DT2H30M", "P2W", "-P90D", "PT0.5S", "PT1.25S", "PT1M0.001S", "PT0S"}) {
        EXPECT_EQ(duration(text).to_string(), text);
    }
    EXPECT_EQ(duration("PT1.500S").to_string(), "PT1.5S");
    EXPECT_EQ(duration("P0Y0D").to_string(), "PT0S");
    EXPECT_EQ(duration("-P0D").to_string(), "PT0S");
}

TEST(ParseTime, PlainDateIsMidnightUtc) {
    const auto t = parse_time("2027-03-01");
    ASSERT_TRUE(t.has_value());
    EXPECT_TRUE(t->date_only);
    EXPECT_EQ(t->ms, kMarch1st2027);
    EXPECT_EQ(instant("1970-01-01"), 0);
    EXPECT_EQ(instant("1969-12-31"), -kMsPerDay);
    EXPECT_EQ(instant("2000-02-29"), 951'782'400'000);
}

TEST(ParseTime, DateTimeWithZuluOffset) {
    const auto t = parse_time("2027-03-01T09:00:00Z");
    ASSERT_TRUE(t.has_value());
    EXPECT_FALSE(t->date_only);
    EXPECT_EQ(t->ms, kMarch1st2027 + 9 * 3'600'000);
    EXPECT_EQ(instant("2027-03-01t09:00:00z"), t->ms);
}

TEST(ParseTime, NumericOffsetsAreAppliedToGetUtc) {
    EXPECT_EQ(instant("2027-03-01T09:00:00+02:00"), instant("2027-03-01T07:00:00Z"));
    EXPECT_EQ(instant("2027-03-01T09:00:00-05:30"), instant("2027-03-01T14:30:00Z"));
    EXPECT_EQ(instant("2027-03-01T01:00:00+02:00"), instant("2027-02-28T23:00:00Z"));
    EXPECT_EQ(instant("2027-03-01T09:00:00-00:00"), instant("2027-03-01T09:00:00Z"));
}

TEST(ParseTime, FractionalSecondsAreKeptToTheMillisecond) {
    const TimeMs base = instant("2027-03-01T09:00:00Z");
    EXPECT_EQ(instant("2027-03-01T09:00:00.5Z"), base + 500);
    EXPECT_EQ(instant("2027-03-01T09:00:00.123Z"), base + 123);
    EXPECT_EQ(instant("2027-03-01T09:00:00.123999Z"), base + 123);
}

TEST(ParseTime, LeapDaysFollowTheGregorianRules) {
    EXPECT_TRUE(parse_time("2028-02-29").has_value());
    EXPECT_TRUE(parse_time("2000-02-29").has_value());
    EXPECT_FALSE(parse_time("2027-02-29").has_value());
    EXPECT_FALSE(parse_time("1900-02-29").has_value());
    EXPECT_FALSE(parse_time("2100-02-29").has_value());
}

TEST(ParseTime, InvalidDatesAndTimesAreRefused) {
    for (const char* text : {"",
                             "2027-02-30",
                             "2027-04-31",
                             "2027-13-01",
                             "2027-00-10",
                             "2027-01-00",
                             "2027-1-01",
                             "27-03-01",
                             "20270301",
                             "2027/03/01",
                             "2027-03-01x",
                             "2027-03-01T",
                             "2027-03-01T09:00:00",
                             "2027-03-01T09:00Z",
                             "2027-03-01T24:00:00Z",
                             "2027-03-01T09:60:00Z",
                             "2027-03-01T09:00:60Z",
                             "2027-03-01T09:00:00+2:00",
                             "2027-03-01T09:00:00+0200",
                             "2027-03-01T09:00:00+24:00",
                             "2027-03-01T09:00:00+02:60",
                             "2027-03-01 09:00:00Z",
                             "2027-03-01T09:00:00.Z",
                             "2027-03-01T09:00:00Z ",
                             " 2027-03-01",
                             "+2027-03-01"}) {
        EXPECT_FALSE(parse_time(text).has_value()) << '"' << text << '"';
    }
}

TEST(FormatTime, DatesAndDateTimesAreUtc) {
    EXPECT_EQ(format_date(kMarch1st2027 + 9 * 3'600'000), "2027-03-01");
    EXPECT_EQ(format_date_time(kMarch1st2027 + 9 * 3'600'000), "2027-03-01T09:00:00Z");
    EXPECT_EQ(format_date_time(0), "1970-01-01T00:00:00Z");
}

TEST(FormatTime, MillisecondsArePrintedOnlyWhenPresent) {
    EXPECT_EQ(format_date_time(kMarch1st2027 + 123), "2027-03-01T00:00:00.123Z");
    EXPECT_EQ(format_date_time(kMarch1st2027 + 5), "2027-03-01T00:00:00.005Z");
}

TEST(FormatTime, InstantsBeforeTheEpochRoundDownToTheirDay) {
    EXPECT_EQ(format_date(-1), "1969-12-31");
    EXPECT_EQ(format_date_time(-1), "1969-12-31T23:59:59.999Z");
}

TEST(FormatTime, YearsBeyondFourDigitsUseTheExpandedForm) {
    EXPECT_EQ(format_date(add_duration(instant("9999-12-31"), duration("P1D"))), "+10000-01-01");
    EXPECT_EQ(format_date(add_duration(instant("0000-01-01"), duration("-P1D"))), "-0001-12-31");
}

TEST(FormatTime, ParsingWhatWasFormattedGivesTheSameInstant) {
    for (const TimeMs t :
         {TimeMs{0}, kMarch1st2027 + 1, TimeMs{-1}, TimeMs{951'782'400'000} + 86'399'999}) {
        EXPECT_EQ(instant(format_date_time(t)), t);
    }
}

TEST(AddDuration, AddingAMonthClampsToTheMonthsLastDay) {
    EXPECT_EQ(add("2027-01-31", "P1M"), "2027-02-28");
    EXPECT_EQ(add("2028-01-31", "P1M"), "2028-02-29");
    EXPECT_EQ(add("2027-03-31", "P1M"), "2027-04-30");
    EXPECT_EQ(add("2027-01-31", "P13M"), "2028-02-29");
    EXPECT_EQ(add("2027-01-30", "P1M"), "2027-02-28");
    EXPECT_EQ(add("2027-01-15", "P1M"), "2027-02-15");
}

TEST(AddDuration, AddingAYearToALeapDayLandsOnTheLastOfFebruary) {
    EXPECT_EQ(add("2028-02-29", "P1Y"), "2029-02-28");
    EXPECT_EQ(add("2028-02-29", "P4Y"), "2032-02-29");
}

TEST(AddDuration, NegativeDurationsGoBackInTime) {
    EXPECT_EQ(add("2027-03-31", "-P1M"), "2027-02-28");
    EXPECT_EQ(add("2028-03-01", "-P1D"), "2028-02-29");
    EXPECT_EQ(add("2027-01-15", "-P1M"), "2026-12-15");
    EXPECT_EQ(add("2027-03-01", "-P1Y2M"), "2026-01-01");
    EXPECT_EQ(add("2027-03-01T00:30:00Z", "-PT1H"), "2027-02-28T23:30:00Z");
}

TEST(AddDuration, MonthArithmeticKeepsTheTimeOfDay) {
    EXPECT_EQ(add("2027-01-31T10:30:00Z", "P1M"), "2027-02-28T10:30:00Z");
    EXPECT_EQ(add("1969-12-31T23:00:00Z", "P2M"), "1970-02-28T23:00:00Z");
}

TEST(AddDuration, WeeksDaysAndTimeAreExact) {
    EXPECT_EQ(add("2026-12-31", "P1D"), "2027-01-01");
    EXPECT_EQ(add("2027-02-22", "P2W"), "2027-03-08");
    EXPECT_EQ(add("2027-03-01T00:00:00Z", "PT36H"), "2027-03-02T12:00:00Z");
    EXPECT_EQ(add("2027-03-01T00:00:00Z", "PT0.5S"), "2027-03-01T00:00:00.500Z");
    EXPECT_EQ(add("2027-03-01T00:00:00Z", "P1DT1H1M1S"), "2027-03-02T01:01:01Z");
}

TEST(AddDuration, CalendarUnitsApplyBeforeDays) {
    // The month first (Jan 30 -> Feb 28), then the day; days first would give Feb 28 (Jan 31 +
    // P1M).
    EXPECT_EQ(add("2027-01-30", "P1M1D"), "2027-03-01");
}

TEST(AddDuration, ExtremeDurationsSaturateInsteadOfOverflowing) {
    constexpr TimeMs kMax = std::numeric_limits<TimeMs>::max();
    constexpr TimeMs kMin = std::numeric_limits<TimeMs>::min();
    EXPECT_EQ(add_duration(0, duration("P999999999999999999Y")), kMax);
    EXPECT_EQ(add_duration(0, duration("-P999999999999999999Y")), kMin);
    EXPECT_EQ(add_duration(0, duration("P999999999999999999D")), kMax);
    EXPECT_EQ(add_duration(kMax, duration("PT1S")), kMax);
    EXPECT_EQ(add_duration(kMin, duration("-PT1H")), kMin);
    EXPECT_FALSE(format_date_time(kMax).empty());
    EXPECT_FALSE(format_date_time(kMin).empty());
}

TEST(DaysBetween, CountsCivilDaysNotElapsedTime) {
    EXPECT_EQ(days_between(instant("2027-03-01T23:59:00Z"), instant("2027-03-02T00:01:00Z")), 1);
    EXPECT_EQ(days_between(instant("2027-03-01T00:01:00Z"), instant("2027-03-01T23:59:00Z")), 0);
    EXPECT_EQ(days_between(instant("2027-03-01"), instant("2027-05-30")), 90);
}

TEST(DaysBetween, IsNegativeWhenTheSecondIsEarlier) {
    EXPECT_EQ(days_between(instant("2027-03-02"), instant("2027-03-01")), -1);
}

TEST(DaysBetween, CountsLeapDaysAndWorksBeforeTheEpoch) {
    EXPECT_EQ(days_between(instant("2028-02-28"), instant("2028-03-01")), 2);
    EXPECT_EQ(days_between(instant("2027-02-28"), instant("2027-03-01")), 1);
    EXPECT_EQ(days_between(instant("1969-12-31T12:00:00Z"), instant("1970-01-01T00:00:00Z")), 1);
    EXPECT_EQ(days_between(instant("2000-01-01"), instant("2100-01-01")), 36525);
}

TEST(DaysBetween, UsesTheUtcDateOfEachInstant) {
    // 01:00 at +02:00 is still the previous day in UTC.
    EXPECT_EQ(days_between(instant("2027-03-01T01:00:00+02:00"), instant("2027-03-01")), 1);
}

}  // namespace
}  // namespace accord::engine
