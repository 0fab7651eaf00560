/* Unit tests: the image time limit — calendar arithmetic (checked against the host's gmtime_r,
 * which expiry.c may not use), strict parsing, the DartConfig.ini scan and the verdict text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "image/expiry.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

enum { DAY = 86400 };
static const int64_t XMAS = 1798139100;            /* 2026-12-24T19:05:00Z */
static const int64_t LAST = INT64_C(253402300799); /* 9999-12-31T23:59:59Z */

/* Formats t and returns the text (one static buffer: compare before the next call). */
static const char *fmt(int64_t t)
{
    static char b[DM_EXPIRY_TEXT];
    dm_expiry_format(t, b);
    return b;
}

static int64_t parsed(const char *s)
{
    int64_t t = -12345;
    assert_int_equal(dm_expiry_parse(s, &t), 0);
    return t;
}

static void test_epoch_and_known_days(void **state)
{
    (void)state;
    assert_string_equal(fmt(0), "1970-01-01T00:00:00Z");
    assert_int_equal(parsed("1970-01-01T00:00:00Z"), 0);
    assert_string_equal(fmt(XMAS), "2026-12-24T19:05:00Z");
    assert_int_equal(parsed("2026-12-24T19:05:00Z"), XMAS);
    assert_string_equal(fmt(LAST), "9999-12-31T23:59:59Z");
    assert_int_equal(parsed("9999-12-31T23:59:59Z"), LAST);
    assert_string_equal(fmt(DAY - 1), "1970-01-01T23:59:59Z");
    assert_string_equal(fmt(DAY), "1970-01-02T00:00:00Z");
}

static void test_leap_days(void **state)
{
    (void)state;
    assert_int_equal(parsed("2024-02-29T00:00:00Z"), 1709164800);
    assert_string_equal(fmt(1709164800 + DAY), "2024-03-01T00:00:00Z");
    assert_int_equal(parsed("2000-02-29T00:00:00Z"), 951782400); /* divisible by 400: leap */
    assert_string_equal(fmt(951782400 + DAY), "2000-03-01T00:00:00Z");
    assert_int_equal(parsed("2100-02-28T00:00:00Z"), INT64_C(4107456000)); /* by 100: not */
    assert_string_equal(fmt(INT64_C(4107456000) + DAY), "2100-03-01T00:00:00Z");
    assert_string_equal(fmt(parsed("2024-12-31T00:00:00Z") + DAY), "2025-01-01T00:00:00Z");
}

static void test_format_clamps(void **state)
{
    (void)state;
    assert_string_equal(fmt(-1), "1970-01-01T00:00:00Z");
    assert_string_equal(fmt(INT64_MIN), "1970-01-01T00:00:00Z");
    assert_string_equal(fmt(LAST + 1), "9999-12-31T23:59:59Z");
    assert_string_equal(fmt(INT64_MAX), "9999-12-31T23:59:59Z");
}

/* Many instants over the whole range: the text agrees with gmtime_r and parses back. */
static void test_round_trips(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252u; /* xorshift64: reproducible, spread over all digits */
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int64_t t = i < 100000 ? (int64_t)(x % (uint64_t)(LAST + 1)) : (int64_t)i * 7919 * 61;
        char want[32];
        time_t tt = (time_t)t;
        struct tm tm;
        assert_non_null(gmtime_r(&tt, &tm));
        strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
        assert_string_equal(fmt(t), want);
        assert_int_equal(parsed(want), t);
    }
}

static void test_parse_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "2026-12-24T19:05:00",   /* no Z */
        "2026-12-24T19:05:00ZZ", /* too long */
        " 2026-12-24T19:05:00Z",
        "2026-12-24T19:05:00Z\n",
        "2026-12-24T19:05Z",
        "2026-12-24 19:05:00Z",
        "2026-12-24t19:05:00Z",
        "2026-12-24T19:05:00z",
        "2026-12-24T19:05:00+",
        "2026/12/24T19:05:00Z",
        "2026-12-24T19-05-00Z",
        "2026-13-01T00:00:00Z", /* month */
        "2026-00-01T00:00:00Z",
        "2026-01-00T00:00:00Z", /* day */
        "2026-01-32T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2023-02-29T00:00:00Z", /* not a leap year */
        "2100-02-29T00:00:00Z",
        "2024-02-30T00:00:00Z",
        "2026-01-01T24:00:00Z", /* hour, minute, second */
        "2026-01-01T23:60:00Z",
        "2026-01-01T23:59:60Z",
        "2O26-01-01T00:00:00Z", /* letters and signs where digits belong */
        "2026-1a-01T00:00:00Z",
        "2026-01-01Tab:00:00Z",
        "+026-01-01T00:00:00Z",
        "2026-01- 1T00:00:00Z",
        "-001-01-01T00:00:00Z",
        "1969-12-31T23:59:59Z", /* before the epoch: format cannot write it back */
        "0000-01-01T00:00:00Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int64_t t = 42;
        if (dm_expiry_parse(bad[i], &t) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(t, 42); /* untouched */
    }
    int64_t t;
    assert_int_equal(dm_expiry_parse(NULL, &t), -1);
}

static void test_add_days(void **state)
{
    (void)state;
    assert_int_equal(dm_expiry_add_days(0, 1), DAY);
    assert_int_equal(dm_expiry_add_days(XMAS, 0), XMAS);
    assert_int_equal(dm_expiry_add_days(XMAS, -1), XMAS - DAY);
    assert_string_equal(fmt(dm_expiry_add_days(XMAS, 30)), "2027-01-23T19:05:00Z");
    assert_string_equal(fmt(dm_expiry_add_days(parsed("2024-02-28T12:00:00Z"), 1)),
                        "2024-02-29T12:00:00Z");
    assert_string_equal(fmt(dm_expiry_add_days(XMAS, DM_EXPIRY_MAX_DAYS)), "2126-11-30T19:05:00Z");
    assert_int_equal(dm_expiry_add_days(INT64_MAX - 5, 1), INT64_MAX); /* saturates */
    assert_int_equal(dm_expiry_add_days(INT64_MIN + 5, -1), INT64_MIN);
}

/* dm_expiry_from_config's result, and *t (-1 when it was left alone). */
static int scan(const char *ini, int64_t *t)
{
    *t = -1;
    return dm_expiry_from_config(ini, t);
}

static void test_config_found(void **state)
{
    (void)state;
    int64_t t;
    assert_int_equal(scan("[Build]\nExpires=2026-12-24T19:05:00Z\n", &t), 0);
    assert_int_equal(t, XMAS);
    assert_int_equal(scan("[Build]\nExpires=2026-12-24T19:05:00Z", &t), 0); /* no last EOL */
    assert_int_equal(t, XMAS);
    assert_int_equal(scan("[General]\r\nName = x\r\n\r\n[ build ]\r\n"
                          "  eXPIRES \t=  2026-12-24T19:05:00Z  \r\n[Tools]\r\nA=1\r\n",
                          &t),
                     0);
    assert_int_equal(t, XMAS);
    assert_int_equal(scan("\xEF\xBB\xBF[Build]\r\nExpires=2026-12-24T19:05:00Z\r\n", &t), 0);
    assert_int_equal(t, XMAS);
    assert_int_equal(scan("[Build]\nExpires = 2026-12-24T19:05:00Z ; set by dartmk\n", &t), 0);
    assert_int_equal(t, XMAS);
    /* The last one counts, as with inih; [Build] may come back after another section. */
    assert_int_equal(scan("[Build]\nExpires=2000-01-01T00:00:00Z\n[X]\n[Build]\n"
                          "Expires=2026-12-24T19:05:00Z\n",
                          &t),
                     0);
    assert_int_equal(t, XMAS);
}

static void test_config_missing(void **state)
{
    (void)state;
    int64_t t;
    static const char *const none[] = {
        "",
        "\n\r\n",
        "Expires=2026-12-24T19:05:00Z\n", /* before any section */
        "[Other]\nExpires=2026-12-24T19:05:00Z\n",
        "[Build]\nName=x\n[Other]\nExpires=2026-12-24T19:05:00Z\n",
        "[Builder]\nExpires=2026-12-24T19:05:00Z\n",
        "[Build]\n; Expires=2026-12-24T19:05:00Z\n",
        "[Build]\r\n# Expires=2026-12-24T19:05:00Z\r\n",
        "[Build]\nExpiresAt=2026-12-24T19:05:00Z\n",
        "[Build]\nExpires\n",
        "[Build]\nX=Expires=2026-12-24T19:05:00Z\n",
    };
    for (size_t i = 0; i < sizeof none / sizeof *none; i++) {
        if (scan(none[i], &t) != 1)
            fail_msg("found an Expires in \"%s\"", none[i]);
        assert_int_equal(t, -1);
    }
}

static void test_config_bad_value(void **state)
{
    (void)state;
    int64_t t;
    static const char *const bad[] = {
        "[Build]\nExpires=tomorrow\n",
        "[Build]\nExpires=\n",
        "[Build]\nExpires=2026-12-24T19:05:00Z junk\n",
        "[Build]\nExpires=2026-12-24T19:05:00Z;note\n", /* ';' starts a comment after a space */
        "[Build]\nExpires=2026-12-24T19:05:00\n",
        "[Build]\nExpires=\"2026-12-24T19:05:00Z\"\n",
        "[Build]\nExpires=2023-02-29T00:00:00Z\n",
        "[Build]\nExpires=2026-12-24T19:05:00Z2026-12-24T19:05:00Z\n",
        /* A bad later value is not rescued by a good earlier one: fail closed. */
        "[Build]\nExpires=2026-12-24T19:05:00Z\nExpires=soon\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (scan(bad[i], &t) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(t, -1);
    }
}

static int check(int64_t now, int64_t expires, char *msg, size_t n)
{
    memset(msg, 'x', n);
    return dm_expiry_check(now, expires, msg, n);
}

static void test_check_verdicts(void **state)
{
    (void)state;
    char m[160];
    assert_int_equal(check(XMAS, XMAS, m, sizeof m), 1); /* the instant itself has expired */
    assert_string_equal(m, "This recovery image expired on 2026-12-24T19:05:00Z. Ask the help "
                           "desk for a new one.");
    assert_int_equal(check(XMAS + 365 * DAY, XMAS, m, sizeof m), 1);
    assert_string_equal(m, "This recovery image expired on 2026-12-24T19:05:00Z. Ask the help "
                           "desk for a new one.");
    assert_int_equal(check(XMAS - 1, XMAS, m, sizeof m), 0);
    assert_string_equal(m, "This recovery image can be used until 2026-12-24T19:05:00Z (less "
                           "than a day left).");
    assert_int_equal(check(XMAS - DAY + 1, XMAS, m, sizeof m), 0);
    assert_string_equal(m, "This recovery image can be used until 2026-12-24T19:05:00Z (less "
                           "than a day left).");
}

static void test_check_day_counts(void **state)
{
    (void)state;
    char m[160];
    const char *until = "This recovery image can be used until 2026-12-24T19:05:00Z (";
    static const struct {
        int64_t before;
        const char *left;
    } cases[] = {
        {DAY, "1 day left)."},
        {2 * DAY - 1, "1 day left)."},
        {2 * DAY, "2 days left)."},
        {30 * DAY, "30 days left)."},
        {30 * DAY + 3600, "30 days left)."},
        {36500LL * DAY, "36500 days left)."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char want[160];
        snprintf(want, sizeof want, "%s%s", until, cases[i].left);
        assert_int_equal(check(XMAS - cases[i].before, XMAS, m, sizeof m), 0);
        assert_string_equal(m, want);
    }
    /* The widest distance there is: no overflow (UBSan watches in make asan). */
    assert_int_equal(check(INT64_MIN, INT64_MAX, m, sizeof m), 0);
    assert_string_equal(m, "This recovery image can be used until 9999-12-31T23:59:59Z "
                           "(213503982334601 days left).");
    assert_int_equal(check(INT64_MAX, INT64_MIN, m, sizeof m), 1);
}

static void test_check_truncates(void **state)
{
    (void)state;
    char m[16];
    assert_int_equal(check(XMAS, XMAS, m, 10), 1);
    assert_string_equal(m, "This reco");
    assert_int_equal(check(XMAS - 40 * DAY, XMAS, m, 1), 0);
    assert_string_equal(m, "");
    m[0] = '!';
    assert_int_equal(dm_expiry_check(XMAS, XMAS, m, 0), 1); /* n = 0: nothing written */
    assert_int_equal(m[0], '!');
    assert_int_equal(dm_expiry_check(XMAS - 1, XMAS, NULL, 0), 0);
    /* Cut inside the day count: still one terminated line of exactly n - 1 bytes. */
    char big[80];
    const size_t n = strlen("This recovery image can be used until 2026-12-24T19:05:00Z (3") + 1;
    assert_int_equal(check(XMAS - 30 * DAY, XMAS, big, n), 0);
    assert_int_equal(strlen(big), n - 1);
    assert_int_equal(big[n - 2], '3');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epoch_and_known_days), cmocka_unit_test(test_leap_days),
        cmocka_unit_test(test_format_clamps),        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_parse_rejects),        cmocka_unit_test(test_add_days),
        cmocka_unit_test(test_config_found),         cmocka_unit_test(test_config_missing),
        cmocka_unit_test(test_config_bad_value),     cmocka_unit_test(test_check_verdicts),
        cmocka_unit_test(test_check_day_counts),     cmocka_unit_test(test_check_truncates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
