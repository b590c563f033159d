// ISO 8601 durations, RFC 3339 dates and date-times, and civil-calendar arithmetic in UTC.
// Dates are converted with Howard Hinnant's days-from-civil algorithm on 64-bit integers, so any
// TimeMs has a date; arithmetic saturates at the ends of TimeMs instead of overflowing.
#include "accord/engine/time.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace accord::engine {

namespace {

constexpr TimeMs kMaxTime = std::numeric_limits<TimeMs>::max();
constexpr TimeMs kMinTime = std::numeric_limits<TimeMs>::min();
// TimeMs spans about ±292 million years; a civil year beyond this bound is out of range.
constexpr std::int64_t kMaxAbsYear = 300'000'000;

struct CivilDate {
    std::int64_t year;
    unsigned month;  // 1..12
    unsigned day;    // 1..31
};

constexpr bool is_leap_year(std::int64_t y) {
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

constexpr unsigned days_in_month(std::int64_t y, unsigned m) {
    constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap_year(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date. REQUIRES: |year| <= kMaxAbsYear.
constexpr std::int64_t days_from_civil(CivilDate date) {
    const std::int64_t y = date.year - (date.month <= 2 ? 1 : 0);
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto year_of_era = static_cast<unsigned>(y - era * 400);
    const unsigned shifted_month = date.month > 2 ? date.month - 3 : date.month + 9;
    const unsigned day_of_year = (153 * shifted_month + 2) / 5 + date.day - 1;
    const unsigned day_of_era =
        year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

constexpr CivilDate civil_from_days(std::int64_t days) {
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto day_of_era = static_cast<unsigned>(days - era * 146097);
    const unsigned year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const unsigned day_of_year =
        day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const unsigned shifted_month = (5 * day_of_year + 2) / 153;
    const unsigned day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    const unsigned month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
    const std::int64_t year =
        static_cast<std::int64_t>(year_of_era) + era * 400 + (month <= 2 ? 1 : 0);
    return {year, month, day};
}

static_assert(days_from_civil({1970, 1, 1}) == 0);
static_assert(days_from_civil({2000, 3, 1}) == 11017);
static_assert(civil_from_days(-1).year == 1969 && civil_from_days(-1).day == 31);

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
    std::int64_t out;
    if (__builtin_add_overflow(a, b, &out)) return b > 0 ? kMaxTime : kMinTime;
    return out;
}

std::int64_t saturating_mul(std::int64_t a, std::int64_t b) {
    std::int64_t out;
    if (__builtin_mul_overflow(a, b, &out)) return (a < 0) != (b < 0) ? kMinTime : kMaxTime;
    return out;
}

// A cursor over text being parsed; every read checks the bounds.
class Scanner {
public:
    explicit Scanner(std::string_view text) : text_(text) {}

    bool done() const { return pos_ == text_.size(); }
    char peek() const { return done() ? '\0' : text_[pos_]; }
    bool accept(char c) {
        if (done() || text_[pos_] != c) return false;
        ++pos_;
        return true;
    }
    bool accept_any_of(std::string_view chars) {
        if (done() || chars.find(text_[pos_]) == std::string_view::npos) return false;
        ++pos_;
        return true;
    }
    // Exactly `count` decimal digits.
    std::optional<unsigned> fixed_digits(int count) {
        unsigned value = 0;
        for (int i = 0; i < count; ++i) {
            if (!is_digit(peek())) return std::nullopt;
            value = value * 10 + static_cast<unsigned>(text_[pos_++] - '0');
        }
        return value;
    }
    // One or more digits; nullopt when there are none or the value overflows.
    std::optional<std::int64_t> number() {
        const std::size_t start = pos_;
        while (is_digit(peek())) ++pos_;
        std::int64_t value = 0;
        const auto [end, ec] = std::from_chars(text_.data() + start, text_.data() + pos_, value);
        if (ec != std::errc{} || end != text_.data() + pos_) return std::nullopt;
        return value;
    }
    // One or more digits read as a fraction of a second, in milliseconds (truncated).
    std::optional<std::int64_t> fraction_ms() {
        if (!is_digit(peek())) return std::nullopt;
        std::int64_t ms = 0;
        int place = 0;
        for (; is_digit(peek()); ++place) {
            const int digit = text_[pos_++] - '0';
            if (place < 3) ms = ms * 10 + digit;
        }
        for (; place < 3; ++place) ms *= 10;
        return ms;
    }

private:
    static bool is_digit(char c) { return c >= '0' && c <= '9'; }

    std::string_view text_;
    std::size_t pos_ = 0;
};

void append_padded(std::string& out, std::int64_t value, int width) {
    char buf[24];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    for (auto digits = static_cast<int>(end - buf); digits < width; ++digits) out += '0';
    out.append(buf, end);
}

void append_number(std::string& out, std::int64_t value, char unit) {
    append_padded(out, value, 1);
    out += unit;
}

// "YYYY-MM-DD"; years outside 0000..9999 get ISO 8601's expanded form ("+10000", "-0001").
void append_date(std::string& out, std::int64_t days) {
    const CivilDate date = civil_from_days(days);
    if (date.year < 0) {
        out += '-';
    } else if (date.year > 9999) {
        out += '+';
    }
    append_padded(out, date.year < 0 ? -date.year : date.year, 4);
    out += '-';
    append_padded(out, date.month, 2);
    out += '-';
    append_padded(out, date.day, 2);
}

}  // namespace

bool Duration::is_zero() const {
    return years == 0 && months == 0 && weeks == 0 && days == 0 && !has_time_part();
}

std::string Duration::to_string() const {
    if (is_zero()) return "PT0S";
    std::string out = negative ? "-P" : "P";
    if (years != 0) append_number(out, years, 'Y');
    if (months != 0) append_number(out, months, 'M');
    if (weeks != 0) append_number(out, weeks, 'W');
    if (days != 0) append_number(out, days, 'D');
    if (!has_time_part()) return out;
    out += 'T';
    if (hours != 0) append_number(out, hours, 'H');
    if (minutes != 0) append_number(out, minutes, 'M');
    if (millis != 0) {
        append_padded(out, millis / kMsPerSecond, 1);
        if (std::int64_t fraction = millis % kMsPerSecond; fraction != 0) {
            int width = 3;
            while (fraction % 10 == 0) {
                fraction /= 10;
                --width;
            }
            out += '.';
            append_padded(out, fraction, width);
        }
        out += 'S';
    }
    return out;
}

// Grammar: ['-'] 'P' [n 'Y'] [n 'M'] [n 'W'] [n 'D'] ['T' [n 'H'] [n 'M'] [n ['.' n] 'S']],
// with at least one component, and at least one after 'T'. Only seconds take a fraction
// ('.' or ','), kept to the millisecond.
std::optional<Duration> parse_duration(std::string_view text) {
    Scanner in(text);
    Duration d;
    d.negative = in.accept('-');
    if (!in.accept('P')) return std::nullopt;

    bool any_component = false;
    constexpr std::string_view kDateUnits = "YMWD";
    std::size_t next_unit = 0;  // units must come in order, each at most once
    while (!in.done() && in.peek() != 'T') {
        const auto value = in.number();
        if (!value) return std::nullopt;
        const std::size_t unit = kDateUnits.find(in.peek(), next_unit);
        if (unit == std::string_view::npos || !in.accept(kDateUnits[unit])) return std::nullopt;
        std::int64_t* fields[] = {&d.years, &d.months, &d.weeks, &d.days};
        *fields[unit] = *value;
        next_unit = unit + 1;
        any_component = true;
    }

    if (in.accept('T')) {
        bool any_time_component = false;
        constexpr std::string_view kTimeUnits = "HMS";
        next_unit = 0;
        while (!in.done()) {
            const auto value = in.number();
            if (!value) return std::nullopt;
            if (next_unit <= 2 && in.accept_any_of(".,")) {
                const auto fraction = in.fraction_ms();
                if (!fraction || !in.accept('S') || !in.done()) return std::nullopt;
                if (__builtin_mul_overflow(*value, kMsPerSecond, &d.millis) ||
                    __builtin_add_overflow(d.millis, *fraction, &d.millis)) {
                    return std::nullopt;
                }
                any_time_component = true;
                break;
            }
            const std::size_t unit = kTimeUnits.find(in.peek(), next_unit);
            if (unit == std::string_view::npos || !in.accept(kTimeUnits[unit])) return std::nullopt;
            if (unit == 0) d.hours = *value;
            if (unit == 1) d.minutes = *value;
            if (unit == 2 && __builtin_mul_overflow(*value, kMsPerSecond, &d.millis)) {
                return std::nullopt;
            }
            next_unit = unit + 1;
            any_time_component = true;
        }
        if (!any_time_component) return std::nullopt;
        any_component = true;
    }
    if (!any_component || !in.done()) return std::nullopt;
    return d;
}

TimeMs add_duration(TimeMs t, const Duration& d) {
    const std::int64_t sign = d.negative ? -1 : 1;
    const std::int64_t months = saturating_add(saturating_mul(d.years, 12), d.months);
    if (months != 0) {
        const std::int64_t day = floor_div(t, kMsPerDay);
        const std::int64_t time_of_day = floor_mod(t, kMsPerDay);
        const CivilDate date = civil_from_days(day);
        const std::int64_t month_index =
            saturating_add(date.year * 12 + (date.month - 1), saturating_mul(sign, months));
        const std::int64_t year = floor_div(month_index, 12);
        if (year > kMaxAbsYear) return kMaxTime;
        if (year < -kMaxAbsYear) return kMinTime;
        const auto month = static_cast<unsigned>(month_index - year * 12 + 1);
        const unsigned day_of_month = std::min(date.day, days_in_month(year, month));
        t = saturating_add(saturating_mul(days_from_civil({year, month, day_of_month}), kMsPerDay),
                           time_of_day);
    }
    const std::int64_t days = saturating_add(saturating_mul(d.weeks, 7), d.days);
    t = saturating_add(t, saturating_mul(sign, saturating_mul(days, kMsPerDay)));
    const std::int64_t exact =
        saturating_add(saturating_add(saturating_mul(d.hours, kMsPerHour),
                                      saturating_mul(d.minutes, kMsPerMinute)),
                       d.millis);
    return saturating_add(t, saturating_mul(sign, exact));
}

// "YYYY-MM-DD", or "YYYY-MM-DDTHH:MM:SS[.f+](Z|±HH:MM)" as RFC 3339 has it ('T' and 'Z' in
// either case). Seconds run to 59: leap seconds are refused, as are local times without offset.
std::optional<ParsedTime> parse_time(std::string_view text) {
    Scanner in(text);
    const auto year = in.fixed_digits(4);
    if (!year || !in.accept('-')) return std::nullopt;
    const auto month = in.fixed_digits(2);
    if (!month || *month < 1 || *month > 12 || !in.accept('-')) return std::nullopt;
    const auto day = in.fixed_digits(2);
    if (!day || *day < 1 || *day > days_in_month(*year, *month)) return std::nullopt;
    const TimeMs midnight = days_from_civil({*year, *month, *day}) * kMsPerDay;
    if (in.done()) return ParsedTime{midnight, true};

    if (!in.accept_any_of("Tt")) return std::nullopt;
    const auto hour = in.fixed_digits(2);
    if (!hour || *hour > 23 || !in.accept(':')) return std::nullopt;
    const auto minute = in.fixed_digits(2);
    if (!minute || *minute > 59 || !in.accept(':')) return std::nullopt;
    const auto second = in.fixed_digits(2);
    if (!second || *second > 59) return std::nullopt;
    std::int64_t millis = 0;
    if (in.accept('.')) {
        const auto fraction = in.fraction_ms();
        if (!fraction) return std::nullopt;
        millis = *fraction;
    }
    std::int64_t offset = 0;
    if (!in.accept_any_of("Zz")) {
        const char sign = in.peek();
        if (!in.accept_any_of("+-")) return std::nullopt;
        const auto offset_hours = in.fixed_digits(2);
        if (!offset_hours || *offset_hours > 23 || !in.accept(':')) return std::nullopt;
        const auto offset_minutes = in.fixed_digits(2);
        if (!offset_minutes || *offset_minutes > 59) return std::nullopt;
        offset =
            (sign == '-' ? -1 : 1) * (*offset_hours * kMsPerHour + *offset_minutes * kMsPerMinute);
    }
    if (!in.done()) return std::nullopt;
    return ParsedTime{midnight + *hour * kMsPerHour + *minute * kMsPerMinute +
                          *second * kMsPerSecond + millis - offset,
                      false};
}

std::string format_date(TimeMs t) {
    std::string out;
    append_date(out, floor_div(t, kMsPerDay));
    return out;
}

std::string format_date_time(TimeMs t) {
    const std::int64_t day = floor_div(t, kMsPerDay);
    const std::int64_t ms_of_day = floor_mod(t, kMsPerDay);
    std::string out;
    append_date(out, day);
    out += 'T';
    append_padded(out, ms_of_day / kMsPerHour, 2);
    out += ':';
    append_padded(out, ms_of_day / kMsPerMinute % 60, 2);
    out += ':';
    append_padded(out, ms_of_day / kMsPerSecond % 60, 2);
    if (const std::int64_t millis = ms_of_day % kMsPerSecond; millis != 0) {
        out += '.';
        append_padded(out, millis, 3);
    }
    out += 'Z';
    return out;
}

std::int64_t days_between(TimeMs a, TimeMs b) {
    return floor_div(b, kMsPerDay) - floor_div(a, kMsPerDay);
}

}  // namespace accord::engine
