/* Unit tests: startnet.cmd, winpeshl.ini and DartConfig.ini — CRLF lines, section order, the
 * expiry check, drivers, remote connection, the tool menu, cmd.exe quoting and refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "image/expiry.h"
#include "image/launcher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct dm_launch_tool three_tools[] = {
    {"Disk Commander", "DaRT\\Tools\\Disk Commander\\dc.exe", 0},
    {"Locksmith", "DaRT\\Tools\\locksmith.exe", 1},
    {"Crash Analyzer", "DaRT\\Tools\\crash.exe", 0},
};

static const char *const one_driver[] = {"DaRT\\Drivers\\My Net\\net.inf"};

/* The sample of the report: 3 tools (one helpdesk), one driver, remote on 3388 with a
 * message, a time limit, debugging tools in the image. */
static struct dm_launcher full(void)
{
    return (struct dm_launcher){
        .version = "0.1.0",
        .expiry_program = "DaRT\\dartexpire.exe",
        .expires = "2026-12-24T19:05:00Z",
        .drivers = one_driver,
        .ndrivers = 1,
        .remote = 1,
        .remote_port = 3388,
        .remote_program = "DaRT\\Tools\\RemoteRecovery.exe",
        .remote_message = "DaRT\\RemoteMessage.txt",
        .debuggers = "DaRT\\Debuggers",
        .tools = three_tools,
        .ntools = 3,
    };
}

static struct dm_launcher bare(void) { return (struct dm_launcher){.version = "0.1.0"}; }

/* --- helpers ------------------------------------------------------------------------------ */

/* Every '\n' after a '\r', every '\r' before a '\n', and the text ends with a line end. */
static void assert_crlf(const char *s)
{
    size_t n = strlen(s);
    assert_true(n >= 2);
    assert_memory_equal(s + n - 2, "\r\n", 2);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            assert_true(i > 0 && s[i - 1] == '\r');
        if (s[i] == '\r')
            assert_true(s[i + 1] == '\n');
    }
}

/* Offset of the whole line `line` in s, or -1. */
static long line_at(const char *s, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = s; (p = strstr(p, line)) != NULL; p++) {
        int starts = p == s || p[-1] == '\n';
        if (starts && strncmp(p + n, "\r\n", 2) == 0)
            return (long)(p - s);
    }
    return -1;
}

static int has_line(const char *s, const char *line) { return line_at(s, line) >= 0; }

/* Offset of the first line that starts with `prefix`, or -1. */
static long prefix_at(const char *s, const char *prefix)
{
    for (const char *p = s; (p = strstr(p, prefix)) != NULL; p++)
        if (p == s || p[-1] == '\n')
            return (long)(p - s);
    return -1;
}

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* The operators cmd.exe would act on in each line: & | < > and ( ) outside quotes and not
 * after a caret. Parentheses must balance (depth never below 0, 0 at each line end). */
static int count_operators(const char *s)
{
    int ops = 0, depth = 0, quoted = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '\r' || *p == '\n') {
            assert_int_equal(depth, 0);
            quoted = 0;
        } else if (*p == '"') {
            quoted = !quoted;
        } else if (!quoted && *p == '^' && p[1]) {
            p++;
        } else if (!quoted && strchr("&|<>", *p)) {
            ops++;
        } else if (!quoted && (*p == '(' || *p == ')')) {
            depth += *p == '(' ? 1 : -1;
            assert_true(depth >= 0);
        }
    }
    return ops;
}

/* Every '%' is doubled or part of a variable reference the generator writes on purpose. */
static void assert_percents(const char *s)
{
    static const char *const ours[] = {"%SYSTEMDRIVE%",     "%DART_CHOICE%",
                                       "%DART_CHOICE:\"=%", "%DART_CHOICE: =%",
                                       "%DART_DEBUGGERS%",  "%DART_REMOTE_PORT%"};
    for (const char *p = s; (p = strchr(p, '%')) != NULL;) {
        if (p[1] == '%') {
            p += 2;
            continue;
        }
        size_t n = 0;
        for (size_t i = 0; i < sizeof ours / sizeof *ours && !n; i++)
            if (strncmp(p, ours[i], strlen(ours[i])) == 0)
                n = strlen(ours[i]);
        if (!n)
            fail_msg("unexpected %% at: %.40s", p);
        p += n;
    }
}

/* --- startnet.cmd ------------------------------------------------------------------------- */

static void test_startnet_crlf_and_order(void **state)
{
    (void)state;
    struct dm_launcher l = full();
    char *s = dm_launcher_startnet(&l);
    assert_non_null(s);
    assert_crlf(s);
    assert_int_equal(line_at(s, "@echo off"), 0);
    long order[] = {
        prefix_at(s, "rem "),
        line_at(s, "setlocal EnableExtensions DisableDelayedExpansion"),
        line_at(s, "chcp 65001 >nul"),
        line_at(s, "\"%SYSTEMDRIVE%\\DaRT\\dartexpire.exe\" --wait 30 --shutdown"),
        line_at(s, "wpeinit"),
        prefix_at(s, "drvload "),
        prefix_at(s, "set \"DART_DEBUGGERS="),
        prefix_at(s, "netsh advfirewall "),
        line_at(s, ":dart_menu"),
        line_at(s, ":dart_prompt"),
        line_at(s, ":dart_expired"),
    };
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        assert_true(order[i] >= 0);
        if (i)
            assert_true(order[i] > order[i - 1]);
    }
    assert_non_null(strstr(s, "dartmk 0.1.0"));
    assert_non_null(strstr(s, "dartmk build"));
    assert_percents(s);
    count_operators(s);
    free(s);
}

static void test_startnet_expiry(void **state)
{
    (void)state;
    struct dm_launcher l = full();
    char *s = dm_launcher_startnet(&l);
    assert_non_null(s);
    static const char checker[] = "\"%SYSTEMDRIVE%\\DaRT\\dartexpire.exe\" --wait 30 --shutdown";
    long check = line_at(s, checker);
    assert_true(check >= 0);
    /* Right after the checker, before anything can change errorlevel; negative codes too. */
    long err = check + (long)strlen(checker) + 2;
    assert_int_equal(line_at(s + err, "if errorlevel 1 goto dart_expired"), 0);
    assert_true(line_at(s, "if not errorlevel 0 goto dart_expired") > err);
    /* The shutdown is reached only by the goto: the prompt path ends before it. */
    long eof = line_at(s, "goto :eof");
    long label = line_at(s, ":dart_expired");
    assert_true(eof >= 0 && eof < label);
    assert_true(line_at(s, "wpeutil shutdown") > label);
    assert_true(line_at(s, "exit") > line_at(s, "wpeutil shutdown"));
    free(s);

    l.expiry_program = NULL;
    s = dm_launcher_startnet(&l);
    assert_non_null(s);
    assert_null(strstr(s, "dartexpire"));
    assert_null(strstr(s, "dart_expired"));
    assert_null(strstr(s, "errorlevel"));
    assert_null(strstr(s, "wpeutil shutdown"));
    assert_false(has_line(s, "goto :eof"));
    assert_crlf(s);
    free(s);
}

static void test_startnet_drivers_in_order(void **state)
{
    (void)state;
    static const char *const drivers[] = {"DaRT\\Drivers\\My Net\\net.inf",
                                          "DaRT\\Drivers\\storage.inf"};
    struct dm_launcher l = bare();
    l.drivers = drivers, l.ndrivers = 2;
    char *s = dm_launcher_startnet(&l);
    assert_non_null(s);
    long a = line_at(s, "drvload \"%SYSTEMDRIVE%\\DaRT\\Drivers\\My Net\\net.inf\"");
    long b = line_at(s, "drvload \"%SYSTEMDRIVE%\\DaRT\\Drivers\\storage.inf\"");
    assert_true(line_at(s, "wpeinit") < a && a < b);
    assert_int_equal(count(s, "drvload"), 2);
    free(s);
}

static void test_startnet_debuggers(void **state)
{
    (void)state;
    struct dm_launcher l = bare();
    l.debuggers = "target";
    char *s = dm_launcher_startnet(&l);
    assert_true(has_line(s, "set \"DART_DEBUGGERS=target\""));
    /* Carried past setlocal to the prompt. */
    assert_true(has_line(s, "endlocal & set \"DART_DEBUGGERS=%DART_DEBUGGERS%\""));
    free(s);

    l.debuggers = "DaRT\\Debugging Tools";
    s = dm_launcher_startnet(&l);
    assert_true(has_line(s, "set \"DART_DEBUGGERS=%SYSTEMDRIVE%\\DaRT\\Debugging Tools\""));
    free(s);

    l.debuggers = NULL;
    s = dm_launcher_startnet(&l);
    assert_null(strstr(s, "DART_DEBUGGERS"));
    assert_null(strstr(s, "endlocal"));
    free(s);
}

static void test_startnet_remote(void **state)
{
    (void)state;
    struct dm_launcher l = full();
    char *s = dm_launcher_startnet(&l);
    long fw = line_at(s, "netsh advfirewall firewall add rule name=\"DaRT remote connection\" "
                         "dir=in action=allow protocol=TCP localport=3388 >nul");
    long port = line_at(s, "set \"DART_REMOTE_PORT=3388\"");
    long msg = line_at(s, "type \"%SYSTEMDRIVE%\\DaRT\\RemoteMessage.txt\"");
    long start = line_at(s, "start \"DaRT remote connection\" "
                            "\"%SYSTEMDRIVE%\\DaRT\\Tools\\RemoteRecovery.exe\" -port 3388");
    assert_true(fw >= 0 && fw < port && port < msg && msg < start);
    assert_true(start < line_at(s, ":dart_menu"));
    assert_true(has_line(s, "endlocal & set \"DART_DEBUGGERS=%DART_DEBUGGERS%\" & "
                            "set \"DART_REMOTE_PORT=%DART_REMOTE_PORT%\""));
    free(s);

    l.remote_message = NULL;
    s = dm_launcher_startnet(&l);
    assert_true(prefix_at(s, "type ") < 0);
    assert_true(prefix_at(s, "start \"DaRT remote connection\"") >= 0);
    free(s);

    l.remote = 0;
    s = dm_launcher_startnet(&l);
    assert_null(strstr(s, "netsh"));
    assert_null(strstr(s, "DART_REMOTE_PORT"));
    assert_null(strstr(s, "remote connection"));
    assert_null(strstr(s, "3388"));
    free(s);
}

static void test_startnet_menu(void **state)
{
    (void)state;
    struct dm_launcher l = full();
    char *s = dm_launcher_startnet(&l);
    /* The helpdesk tool is not offered: the other two are 1 and 2. */
    assert_null(strstr(s, "Locksmith"));
    assert_null(strstr(s, "locksmith"));
    assert_true(has_line(s, "echo   1. Disk Commander"));
    assert_true(has_line(s, "echo   2. Crash Analyzer"));
    assert_true(has_line(s, "echo   0. Leave the menu for the command prompt"));
    assert_false(has_line(s, "if \"%DART_CHOICE%\"==\"3\" goto dart_tool_3"));
    assert_true(has_line(s, "echo DaRT recovery tools"));
    /* Robust reading: cleared, read, quotes and spaces stripped, then compared. */
    long clear = line_at(s, "set \"DART_CHOICE=\"");
    long read = prefix_at(s, "set /p \"DART_CHOICE=");
    long strip = line_at(s, "set \"DART_CHOICE=%DART_CHOICE:\"=%\"");
    long zero = line_at(s, "if \"%DART_CHOICE%\"==\"0\" goto dart_prompt");
    long one = line_at(s, "if \"%DART_CHOICE%\"==\"1\" goto dart_tool_1");
    assert_true(line_at(s, ":dart_menu") < clear && clear < read && read < strip);
    assert_true(line_at(s, "if not defined DART_CHOICE goto dart_menu") < strip);
    assert_true(strip < zero && zero < one);
    /* Each tool starts and returns to the menu; an unknown choice says so and returns. */
    long t1 = line_at(s, ":dart_tool_1");
    assert_true(t1 > one);
    assert_int_equal(line_at(s, "start \"Disk Commander\" "
                                "\"%SYSTEMDRIVE%\\DaRT\\Tools\\Disk Commander\\dc.exe\""),
                     t1 + (long)strlen(":dart_tool_1\r\n"));
    assert_true(has_line(s, "start \"Crash Analyzer\" \"%SYSTEMDRIVE%\\DaRT\\Tools\\crash.exe\""));
    assert_true(prefix_at(s, "echo Unknown choice \"%DART_CHOICE%\"") > one);
    assert_int_equal(count(s, "goto dart_menu\r\n"), 3 + 1 + 2); /* empty x3, unknown, tools */
    free(s);
}

static void test_startnet_menu_numbering(void **state)
{
    (void)state;
    struct dm_launch_tool tools[12];
    char names[12][16], progs[12][32];
    for (int i = 0; i < 12; i++) {
        snprintf(names[i], sizeof names[i], "Tool %c", 'A' + i);
        snprintf(progs[i], sizeof progs[i], "DaRT\\t%d.exe", i);
        tools[i] = (struct dm_launch_tool){names[i], progs[i], i == 0};
    }
    struct dm_launcher l = bare();
    l.tools = tools, l.ntools = 12;
    char *s = dm_launcher_startnet(&l);
    assert_true(has_line(s, "echo   1. Tool B"));
    assert_true(has_line(s, "echo  11. Tool L"));
    assert_true(has_line(s, "if \"%DART_CHOICE%\"==\"11\" goto dart_tool_11"));
    assert_true(has_line(s, "start \"Tool L\" \"%SYSTEMDRIVE%\\DaRT\\t11.exe\""));
    assert_false(has_line(s, ":dart_tool_12"));
    free(s);
}

static void test_startnet_no_menu(void **state)
{
    (void)state;
    static const struct dm_launch_tool helpdesk_only[] = {{"Locksmith", "DaRT\\ls.exe", 1}};
    struct dm_launcher l = bare();
    l.tools = helpdesk_only, l.ntools = 1;
    for (int pass = 0; pass < 2; pass++) {
        char *s = dm_launcher_startnet(&l);
        assert_non_null(s);
        assert_crlf(s);
        assert_null(strstr(s, "dart_menu"));
        assert_null(strstr(s, "set /p"));
        assert_null(strstr(s, "DART_CHOICE"));
        assert_null(strstr(s, "start "));
        assert_true(has_line(s, "echo DaRT: the command prompt is ready."));
        assert_true(line_at(s, "wpeinit") < line_at(s, "echo DaRT: the command prompt is ready."));
        free(s);
        l.ntools = 0; /* and with no tools at all */
    }
}

static void test_startnet_escaping(void **state)
{
    (void)state;
    static const struct dm_launch_tool plain[] = {{"Plain", "DaRT\\plain.exe", 0}};
    static const struct dm_launch_tool odd[] = {{"R&D 100% <fast>", "DaRT\\100%\\rd.exe", 0},
                                                {"a|b (c) ^d !e", "DaRT\\x (y)\\a&b.exe", 0}};
    struct dm_launcher l = bare();
    l.tools = odd, l.ntools = 2;
    char *s = dm_launcher_startnet(&l);
    assert_non_null(s);
    assert_true(has_line(s, "echo   1. R^&D 100%% ^<fast^>"));
    assert_true(has_line(s, "start \"R&D 100%% <fast>\" \"%SYSTEMDRIVE%\\DaRT\\100%%\\rd.exe\""));
    assert_true(has_line(s, "echo   2. a^|b ^(c^) ^^d !e"));
    assert_true(has_line(s, "start \"a|b (c) ^d !e\" \"%SYSTEMDRIVE%\\DaRT\\x (y)\\a&b.exe\""));
    assert_percents(s);

    /* The odd names add no operator cmd.exe would act on. */
    l.tools = plain, l.ntools = 1;
    char *p = dm_launcher_startnet(&l);
    assert_int_equal(count_operators(s), count_operators(p));
    free(p);
    free(s);
}

static void test_startnet_path_percent(void **state)
{
    (void)state;
    static const char *const drivers[] = {"DaRT\\Drivers\\50%off\\x.inf"};
    struct dm_launcher l = full();
    l.drivers = drivers;
    l.expiry_program = "DaRT\\%TEMP%\\dartexpire.exe";
    l.remote_message = "DaRT\\100% sure.txt";
    char *s = dm_launcher_startnet(&l);
    assert_true(has_line(s, "drvload \"%SYSTEMDRIVE%\\DaRT\\Drivers\\50%%off\\x.inf\""));
    assert_true(
        has_line(s, "\"%SYSTEMDRIVE%\\DaRT\\%%TEMP%%\\dartexpire.exe\" --wait 30 --shutdown"));
    assert_true(has_line(s, "type \"%SYSTEMDRIVE%\\DaRT\\100%% sure.txt\""));
    assert_percents(s);
    free(s);
    /* INI values are not parsed by cmd.exe: no doubling there. */
    s = dm_launcher_config(&l);
    assert_true(has_line(s, "MessageFile=DaRT\\100% sure.txt"));
    free(s);
}

static void test_utf8_passes(void **state)
{
    (void)state;
    static const struct dm_launch_tool tools[] = {
        {"Explorateur de fichiers \xc3\xa9", "DaRT\\Outils \xc3\xa9\\x.exe", 0}};
    struct dm_launcher l = bare();
    l.tools = tools, l.ntools = 1;
    char *s = dm_launcher_startnet(&l);
    assert_true(has_line(s, "echo   1. Explorateur de fichiers \xc3\xa9"));
    assert_true(has_line(s, "start \"Explorateur de fichiers \xc3\xa9\" "
                            "\"%SYSTEMDRIVE%\\DaRT\\Outils \xc3\xa9\\x.exe\""));
    free(s);
}

/* --- refusals ----------------------------------------------------------------------------- */

static void assert_refused(const struct dm_launcher *l)
{
    assert_null(dm_launcher_startnet(l));
    assert_null(dm_launcher_config(l));
    assert_null(dm_launcher_winpeshl(l));
}

static void test_refuses_quote_and_control(void **state)
{
    (void)state;
    static const char *const bad_names[] = {"Say \"hi\"", "two\r\nlines", "tab\there", "del\x7f",
                                            "esc\x1b[0m"};
    for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++) {
        struct dm_launch_tool tools[] = {{"Good", "DaRT\\good.exe", 0},
                                         {bad_names[i], "DaRT\\bad.exe", 0}};
        struct dm_launcher l = bare();
        l.tools = tools, l.ntools = 2;
        assert_refused(&l);
        tools[1].helpdesk = 1; /* not in the menu, but still in DartConfig.ini */
        assert_refused(&l);
        tools[1].name = "Fine", tools[1].program = bad_names[i];
        assert_refused(&l);
    }
    struct dm_launcher l = full();
    static const char *const bad_driver[] = {"DaRT\\a\"b.inf"};
    l.drivers = bad_driver;
    assert_refused(&l);
    l = full(), l.remote_message = "DaRT\\msg\n.txt";
    assert_refused(&l);
    l = full(), l.debuggers = "DaRT\\\"Debuggers";
    assert_refused(&l);
    l = full(), l.expiry_program = "DaRT\\\"x.exe";
    assert_refused(&l);
    l = full(), l.version = "0.1\r\n@format c:";
    assert_refused(&l);
}

static void test_refuses_incomplete(void **state)
{
    (void)state;
    struct dm_launcher l = full();
    l.remote_port = 0;
    assert_refused(&l);
    l.remote_port = 65536;
    assert_refused(&l);
    l.remote_port = 65535;
    char *s = dm_launcher_startnet(&l);
    assert_non_null(s);
    free(s);
    l = full(), l.remote_program = NULL;
    assert_refused(&l);
    l = full(), l.remote = 0, l.remote_program = NULL, l.remote_port = 0;
    s = dm_launcher_startnet(&l); /* both are unused when remote is off */
    assert_non_null(s);
    free(s);
    l = full(), l.version = NULL;
    assert_refused(&l);
    l = full(), l.tools = NULL;
    assert_refused(&l);
    struct dm_launch_tool noprog[] = {{"X", NULL, 0}};
    l = full(), l.tools = noprog, l.ntools = 1;
    assert_refused(&l);
    struct dm_launch_tool emptyprog[] = {{"X", "", 1}};
    l = full(), l.tools = emptyprog, l.ntools = 1;
    assert_refused(&l);
    /* A helpdesk tool is never started: it may have no program, and then has no Program=. */
    struct dm_launch_tool helpdesk_noprog[] = {{"Kit", NULL, 1}};
    l = full(), l.remote = 0, l.tools = helpdesk_noprog, l.ntools = 1;
    s = dm_launcher_config(&l);
    assert_non_null(s);
    assert_non_null(strstr(s, "1=Kit\r\n1.Offered=0\r\n"));
    free(s);
    s = dm_launcher_startnet(&l);
    assert_non_null(s);
    assert_null(strstr(s, "Kit"));
    free(s);
    l = full(), l.remote_message = "";
    assert_refused(&l);
    assert_null(dm_launcher_startnet(NULL));
}

/* --- winpeshl.ini ------------------------------------------------------------------------- */

static void test_winpeshl(void **state)
{
    (void)state;
    struct dm_launcher l = full();
    char *s = dm_launcher_winpeshl(&l);
    assert_string_equal(
        s, "; winpeshl.ini of a DaRT recovery image, generated by dartmk 0.1.0\r\n"
           "; Rebuild the image with \"dartmk build\" to change it. Windows PE runs these\r\n"
           "; instead of its default shell: a command prompt that runs startnet.cmd first.\r\n"
           "[LaunchApps]\r\n"
           "%SYSTEMROOT%\\System32\\cmd.exe, /k %SYSTEMROOT%\\System32\\startnet.cmd\r\n");
    assert_crlf(s);
    free(s);
}

/* --- With DaRT's own tools --------------------------------------------------------------- */

static const char *const dart_apps[] = {"%windir%\\system32\\netstart.exe, -prompt",
                                        "%SYSTEMDRIVE%\\sources\\recovery\\recenv.exe"};

static struct dm_launcher dart(void)
{
    struct dm_launcher l = full();
    l.remote = 0, l.remote_program = NULL, l.remote_message = NULL;
    l.dart_apps = dart_apps, l.ndart_apps = 2;
    return l;
}

static void test_winpeshl_dart(void **state)
{
    (void)state;
    struct dm_launcher l = dart();
    char *s = dm_launcher_winpeshl_dart(&l);
    assert_non_null(s);
    assert_crlf(s);
    const char *apps = strstr(s, "[LaunchApps]\r\n");
    assert_non_null(apps);
    assert_string_equal(apps, "[LaunchApps]\r\n"
                              "%SYSTEMDRIVE%\\DaRT\\dartexpire.exe, --wait 30 --shutdown\r\n"
                              "%SYSTEMROOT%\\System32\\drvload.exe, "
                              "\"%SYSTEMDRIVE%\\DaRT\\Drivers\\My Net\\net.inf\"\r\n"
                              "%windir%\\system32\\netstart.exe, -prompt\r\n"
                              "%SYSTEMDRIVE%\\sources\\recovery\\recenv.exe\r\n");
    free(s);
    l.dart_remote = 1; /* DaRT's documented unattended start replaces the cab's entries */
    s = dm_launcher_winpeshl_dart(&l);
    assert_non_null(strstr(s, "drvload.exe"));
    assert_null(strstr(s, "-prompt"));
    assert_true(strstr(s, "netstart.exe, -network -remount") <
                strstr(s, "RemoteRecovery.exe -nomessage"));
    assert_true(strstr(s, "-nomessage") < strstr(s, "WaitForConnection.exe"));
    assert_true(strstr(s, "WaitForConnection.exe") < strstr(s, "recenv.exe"));
    free(s);
    l = dart();
    l.expiry_program = NULL, l.ndrivers = 0;
    s = dm_launcher_winpeshl_dart(&l);
    assert_non_null(s);
    assert_string_equal(strstr(s, "[LaunchApps]"),
                        "[LaunchApps]\r\n"
                        "%windir%\\system32\\netstart.exe, -prompt\r\n"
                        "%SYSTEMDRIVE%\\sources\\recovery\\recenv.exe\r\n");
    free(s);
}

static void test_winpeshl_dart_refusals(void **state)
{
    (void)state;
    static const char *const broken[] = {"netstart.exe\r\nevil.exe"}, *const empty[] = {""};
    struct dm_launcher l = dart();
    l.dart_apps = broken, l.ndart_apps = 1;
    assert_null(dm_launcher_winpeshl_dart(&l)); /* a line end would add a program */
    l.dart_apps = empty;
    assert_null(dm_launcher_winpeshl_dart(&l));
    l.dart_apps = NULL;
    assert_null(dm_launcher_winpeshl_dart(&l));
}

static void test_winre_config(void **state)
{
    (void)state;
    static const struct dm_launch_tool tools[] = {
        {"Disk Commander", "Sources\\Recovery\\Tools\\Disk Commander\\dc.exe", 0},
        {"Wipe", "Sources\\Recovery\\Tools\\Wipe\\wipe.exe", 1},
    };
    static const char *const keep[] = {"MSDartTools.exe"};
    struct dm_launcher l = dart();
    l.tools = tools, l.ntools = 2;
    char *s = dm_launcher_winre_config(&l, keep, 1, "Sources\\Recovery\\Tools");
    assert_non_null(s);
    assert_crlf(s);
    assert_non_null(strstr(s, "<Recovery>\r\n  <RecoveryTools>\r\n"
                              "    <RelativeFilePath>MSDartTools.exe</RelativeFilePath>\r\n"
                              "    <RelativeFilePath>Disk Commander\\dc.exe</RelativeFilePath>\r\n"
                              "  </RecoveryTools>\r\n</Recovery>\r\n"));
    assert_null(strstr(s, "wipe")); /* a helpdesk tool is not offered */
    free(s);
    /* a program outside the folder, or markup in a name, refuses the whole text */
    assert_null(dm_launcher_winre_config(&l, keep, 1, "DaRT\\Tools"));
    static const char *const markup[] = {"a<b>.exe"};
    assert_null(dm_launcher_winre_config(&l, markup, 1, "Sources\\Recovery\\Tools"));
}

/* --- DartConfig.ini ----------------------------------------------------------------------- */

static void test_config_keys(void **state)
{
    (void)state;
    struct dm_launcher l = full();
    char *s = dm_launcher_config(&l);
    assert_non_null(s);
    assert_crlf(s);
    assert_int_equal(s[0], ';');
    long order[] = {
        line_at(s, "[Build]"),
        line_at(s, "Generator=dartmk 0.1.0"),
        line_at(s, "Expires=2026-12-24T19:05:00Z"),
        line_at(s, "[RemoteConnection]"),
        line_at(s, "Enabled=1"),
        line_at(s, "Port=3388"),
        line_at(s, "Program=DaRT\\Tools\\RemoteRecovery.exe"),
        line_at(s, "MessageFile=DaRT\\RemoteMessage.txt"),
        line_at(s, "[DebuggingTools]"),
        line_at(s, "Location=DaRT\\Debuggers"),
        line_at(s, "[Tools]"),
        line_at(s, "1=Disk Commander"),
        line_at(s, "1.Program=DaRT\\Tools\\Disk Commander\\dc.exe"),
        line_at(s, "1.Offered=1"),
        line_at(s, "2=Locksmith"),
        line_at(s, "2.Program=DaRT\\Tools\\locksmith.exe"),
        line_at(s, "2.Offered=0"),
        line_at(s, "3=Crash Analyzer"),
        line_at(s, "3.Program=DaRT\\Tools\\crash.exe"),
        line_at(s, "3.Offered=1"),
    };
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        assert_true(order[i] >= 0);
        if (i)
            assert_true(order[i] > order[i - 1]);
    }
    /* The checker's own parser finds the limit. */
    int64_t t = 0, want = 0;
    assert_int_equal(dm_expiry_from_config(s, &t), 0);
    assert_int_equal(dm_expiry_parse("2026-12-24T19:05:00Z", &want), 0);
    assert_true(t == want);
    free(s);
}

static void test_config_minimal(void **state)
{
    (void)state;
    static const struct dm_launch_tool odd[] = {{"R&D 100% <fast>", "DaRT\\rd.exe", 1}};
    struct dm_launcher l = bare();
    l.tools = odd, l.ntools = 1;
    l.debuggers = "target";
    char *s = dm_launcher_config(&l);
    assert_non_null(s);
    assert_crlf(s);
    assert_true(prefix_at(s, "Expires") < 0);
    assert_true(line_at(s, "[RemoteConnection]") < line_at(s, "Enabled=0"));
    assert_null(strstr(s, "Port="));
    assert_null(strstr(s, "MessageFile="));
    assert_true(has_line(s, "Location=target"));
    assert_true(has_line(s, "1=R&D 100% <fast>")); /* as it is: cmd.exe never reads it */
    assert_true(has_line(s, "1.Offered=0"));
    int64_t t = 0;
    assert_int_equal(dm_expiry_from_config(s, &t), 1); /* no limit */
    free(s);

    l.debuggers = NULL, l.ntools = 0;
    s = dm_launcher_config(&l);
    assert_null(strstr(s, "[DebuggingTools]"));
    assert_true(has_line(s, "[Tools]"));
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_startnet_crlf_and_order),
        cmocka_unit_test(test_startnet_expiry),
        cmocka_unit_test(test_startnet_drivers_in_order),
        cmocka_unit_test(test_startnet_debuggers),
        cmocka_unit_test(test_startnet_remote),
        cmocka_unit_test(test_startnet_menu),
        cmocka_unit_test(test_startnet_menu_numbering),
        cmocka_unit_test(test_startnet_no_menu),
        cmocka_unit_test(test_startnet_escaping),
        cmocka_unit_test(test_startnet_path_percent),
        cmocka_unit_test(test_utf8_passes),
        cmocka_unit_test(test_refuses_quote_and_control),
        cmocka_unit_test(test_refuses_incomplete),
        cmocka_unit_test(test_winpeshl),
        cmocka_unit_test(test_winpeshl_dart),
        cmocka_unit_test(test_winpeshl_dart_refusals),
        cmocka_unit_test(test_winre_config),
        cmocka_unit_test(test_config_keys),
        cmocka_unit_test(test_config_minimal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
