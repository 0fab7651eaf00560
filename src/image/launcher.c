/* launcher.c — the texts a DaRT recovery image starts with: startnet.cmd (start-up script and
 * tool menu), winpeshl.ini (which makes Windows PE run it) and DaRT\DartConfig.ini.
 *
 * cmd.exe reads a batch line in two passes that matter here: it first expands %...% (so a
 * literal '%' must be written "%%"), then treats & | < > ^ ( ) as operators unless they are
 * inside double quotes or follow a caret. So every piece of caller text is written by one of
 * two helpers: put_bare (echo and rem text: '%' doubled, operators caret-escaped) or
 * put_quoted (inside "...": '%' doubled only, because a caret inside quotes is printed as it
 * is). A '"' in caller text would end the quoting early and a control character would end or
 * corrupt the line; either refuses the whole text (NULL) rather than yield a script that does
 * something other than what it says. */
#include "image/launcher.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EOL           "\r\n"
#define CHECKER_WAIT  30 /* seconds the expiry checker keeps a bad verdict on screen */
#define REMOTE_TITLE  "DaRT remote connection"
#define CHOICE_PROMPT "Type the number of a tool and press Enter: "
#define PROMPT_READY  "DaRT: the command prompt is ready."

/* --- A growable text ---------------------------------------------------------------------- */

struct text {
    char *buf;
    size_t len, cap;
    int bad; /* out of memory or unsafe input: the text is refused as a whole */
};

/* Makes room for `more` bytes and the NUL; on failure marks the text bad. */
static int reserve(struct text *t, size_t more)
{
    if (t->bad)
        return -1;
    if (t->len + more < t->cap)
        return 0;
    size_t cap = t->cap ? t->cap : 1024;
    while (cap <= t->len + more)
        cap *= 2;
    char *p = realloc(t->buf, cap);
    if (!p) {
        t->bad = 1;
        return -1;
    }
    t->buf = p;
    t->cap = cap;
    return 0;
}

static void put_n(struct text *t, const char *s, size_t n)
{
    if (reserve(t, n) != 0)
        return;
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

static void put(struct text *t, const char *s) { put_n(t, s, strlen(s)); }
static void eol(struct text *t) { put(t, EOL); }

static void line(struct text *t, const char *s)
{
    put(t, s);
    eol(t);
}

/* Formatted constant text and numbers only: caller text goes through the escaping helpers. */
static void putf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct text *t, const char *fmt, ...)
{
    char b[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof b)
        t->bad = 1;
    else
        put_n(t, b, (size_t)n);
}

/* The text, or NULL (and nothing to free) when it went bad. */
static char *finish(struct text *t)
{
    if (t->bad || !t->buf) {
        free(t->buf);
        return NULL;
    }
    return t->buf;
}

/* --- Caller text -------------------------------------------------------------------------- */

/* No '"' (it would end the quoting around it) and no control character (CR or LF would end
 * the line; the others have no business in a name). Bytes >= 0x80 are UTF-8 and pass. */
static int safe(const char *s)
{
    if (!s)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p == '"' || *p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

/* Text cmd.exe parses unquoted (echo, rem). */
static void put_bare(struct text *t, const char *s)
{
    if (!safe(s)) {
        t->bad = 1;
        return;
    }
    for (; *s; s++) {
        if (*s == '%')
            put(t, "%");
        else if (strchr("&|<>^()", *s))
            put(t, "^");
        put_n(t, s, 1);
    }
}

/* Text cmd.exe parses inside double quotes (titles, paths): only expansion still applies. */
static void put_quoted(struct text *t, const char *s)
{
    if (!safe(s)) {
        t->bad = 1;
        return;
    }
    for (; *s; s++) {
        if (*s == '%')
            put(t, "%");
        put_n(t, s, 1);
    }
}

/* An image path as a quoted absolute path: "%SYSTEMDRIVE%\<path>". */
static void put_path(struct text *t, const char *path)
{
    if (!path || !*path) {
        t->bad = 1;
        return;
    }
    put(t, "\"%SYSTEMDRIVE%\\");
    put_quoted(t, path);
    put(t, "\"");
}

/* An INI value: not parsed by cmd.exe, so written as it is, but still one line. */
static void put_ini(struct text *t, const char *key, const char *value)
{
    if (!safe(value)) {
        t->bad = 1;
        return;
    }
    put(t, key);
    put(t, "=");
    put(t, value);
    eol(t);
}

static int safe_or_null(const char *s) { return !s || safe(s); }
/* An image path names a file: "" would become "%SYSTEMDRIVE%\", the root. */
static int safe_path(const char *s) { return safe(s) && *s; }
static int path_or_null(const char *s) { return !s || safe_path(s); }

/* All three texts refuse the same inputs, even those only another text shows (a helpdesk
 * tool's name is in DartConfig.ini, not in the menu): one bad name is a bad build. The
 * helpers above check again as they write, so nothing unchecked can reach a text. */
static int valid(const struct dm_launcher *l)
{
    if (!l || !safe(l->version) || (l->ndrivers && !l->drivers) || (l->ntools && !l->tools))
        return 0;
    if (!path_or_null(l->expiry_program) || !safe_or_null(l->expires) ||
        !path_or_null(l->debuggers) || !path_or_null(l->remote_message))
        return 0;
    if (l->remote &&
        (l->remote_port < 1 || l->remote_port > 65535 || !safe_path(l->remote_program)))
        return 0;
    for (size_t i = 0; i < l->ndrivers; i++)
        if (!safe_path(l->drivers[i]))
            return 0;
    for (size_t i = 0; i < l->ntools; i++)
        if (!safe(l->tools[i].name) ||
            !(l->tools[i].helpdesk ? path_or_null : safe_path)(l->tools[i].program))
            return 0; /* a helpdesk tool is never started, so it may have no program */
    return 1;
}

/* --- startnet.cmd ------------------------------------------------------------------------- */

static void startnet_header(struct text *t, const struct dm_launcher *l)
{
    line(t, "@echo off");
    put(t, "rem startnet.cmd of a DaRT recovery image, generated by dartmk ");
    put_bare(t, l->version);
    eol(t);
    line(t, "rem Do not edit: rebuild the image with \"dartmk build\" to change it.");
    /* Extensions for set /p, "if defined" and %VAR:"=%; no delayed expansion, so '!' in a
     * name stays a '!' whatever the registry says. */
    line(t, "setlocal EnableExtensions DisableDelayedExpansion");
    line(t, "chcp 65001 >nul");
}

/* The checker runs before anything else; any non-zero code shuts down (fail closed). */
static void startnet_expiry(struct text *t, const struct dm_launcher *l)
{
    if (!l->expiry_program)
        return;
    put_path(t, l->expiry_program);
    /* --shutdown: the checker powers off itself, so an interrupted script cannot skip it. */
    putf(t, " --wait %d --shutdown" EOL, CHECKER_WAIT);
    line(t, "if errorlevel 1 goto dart_expired");
    /* "errorlevel 1" means >= 1: a checker that crashes exits with a negative NTSTATUS. */
    line(t, "if not errorlevel 0 goto dart_expired");
}

static void startnet_drivers(struct text *t, const struct dm_launcher *l)
{
    for (size_t i = 0; i < l->ndrivers; i++) {
        put(t, "drvload ");
        put_path(t, l->drivers[i]);
        eol(t);
    }
}

static void startnet_debuggers(struct text *t, const struct dm_launcher *l)
{
    if (!l->debuggers)
        return;
    if (strcmp(l->debuggers, "target") == 0) {
        line(t, "set \"DART_DEBUGGERS=target\"");
        return;
    }
    /* The quotes of set "NAME=value" keep the path's spaces and operators plain. */
    put(t, "set \"DART_DEBUGGERS=%SYSTEMDRIVE%\\");
    put_quoted(t, l->debuggers);
    line(t, "\"");
}

static void startnet_remote(struct text *t, const struct dm_launcher *l)
{
    if (!l->remote)
        return;
    putf(t,
         "netsh advfirewall firewall add rule name=\"" REMOTE_TITLE "\" dir=in action=allow "
         "protocol=TCP localport=%d >nul" EOL,
         l->remote_port);
    putf(t, "set \"DART_REMOTE_PORT=%d\"" EOL, l->remote_port);
    if (l->remote_message) {
        put(t, "type ");
        put_path(t, l->remote_message);
        eol(t);
    }
    put(t, "start \"" REMOTE_TITLE "\" ");
    put_path(t, l->remote_program);
    putf(t, " -port %d" EOL, l->remote_port);
}

/* Helpdesk tools are in the image but never offered (DaRT's security guidance). */
static size_t offered(const struct dm_launcher *l)
{
    size_t n = 0;
    for (size_t i = 0; i < l->ntools; i++)
        n += !l->tools[i].helpdesk;
    return n;
}

static void menu_show(struct text *t, const struct dm_launcher *l)
{
    line(t, ":dart_menu");
    line(t, "echo.");
    line(t, "echo DaRT recovery tools");
    line(t, "echo.");
    size_t n = 0;
    for (size_t i = 0; i < l->ntools; i++) {
        if (l->tools[i].helpdesk)
            continue;
        putf(t, "echo %3zu. ", ++n);
        put_bare(t, l->tools[i].name);
        eol(t);
    }
    line(t, "echo   0. Leave the menu for the command prompt");
    line(t, "echo.");
}

/* Reads a choice. An empty answer leaves the variable undefined, and in a batch file
 * %VAR:"=% of an undefined variable does not expand to nothing: cmd drops only "%VAR:" and
 * keeps the '"=' after it, which unbalances the quotes. Hence "if not defined" before each
 * substitution. Without quotes (and spaces) the answer sits wholly inside "..." below, so
 * & | < > typed at the prompt stay plain characters. */
static void menu_read(struct text *t)
{
    line(t, "set \"DART_CHOICE=\"");
    line(t, "set /p \"DART_CHOICE=" CHOICE_PROMPT "\"");
    line(t, "if not defined DART_CHOICE goto dart_menu");
    line(t, "set \"DART_CHOICE=%DART_CHOICE:\"=%\"");
    line(t, "if not defined DART_CHOICE goto dart_menu");
    line(t, "set \"DART_CHOICE=%DART_CHOICE: =%\"");
    line(t, "if not defined DART_CHOICE goto dart_menu");
}

/* One label per tool rather than ( ) blocks: a ')' in a name can then never close a block. */
static void menu_dispatch(struct text *t, const struct dm_launcher *l, size_t n)
{
    line(t, "if \"%DART_CHOICE%\"==\"0\" goto dart_prompt");
    for (size_t k = 1; k <= n; k++)
        putf(t, "if \"%%DART_CHOICE%%\"==\"%zu\" goto dart_tool_%zu" EOL, k, k);
    line(t, "echo Unknown choice \"%DART_CHOICE%\": type one of the numbers shown.");
    line(t, "goto dart_menu");
    size_t k = 0;
    for (size_t i = 0; i < l->ntools; i++) {
        const struct dm_launch_tool *tool = &l->tools[i];
        if (tool->helpdesk)
            continue;
        putf(t, ":dart_tool_%zu" EOL, ++k);
        put(t, "start \"");
        put_quoted(t, tool->name);
        put(t, "\" ");
        put_path(t, tool->program);
        eol(t);
        line(t, "goto dart_menu");
    }
}

static void startnet_menu(struct text *t, const struct dm_launcher *l)
{
    size_t n = offered(l);
    if (n == 0)
        return;
    menu_show(t, l);
    menu_read(t);
    menu_dispatch(t, l, n);
}

/* Leaving the script ends setlocal, so the variables meant for the technician at the prompt
 * are carried across endlocal (the whole line is expanded before endlocal runs). */
static void startnet_end(struct text *t, const struct dm_launcher *l)
{
    line(t, ":dart_prompt");
    line(t, "echo.");
    line(t, "echo " PROMPT_READY);
    if (l->debuggers || l->remote) {
        put(t, "endlocal");
        if (l->debuggers)
            put(t, " & set \"DART_DEBUGGERS=%DART_DEBUGGERS%\"");
        if (l->remote)
            put(t, " & set \"DART_REMOTE_PORT=%DART_REMOTE_PORT%\"");
        eol(t);
    }
    if (!l->expiry_program)
        return;
    line(t, "goto :eof");
    line(t, ":dart_expired");
    line(t, "wpeutil shutdown");
    line(t, "exit");
}

char *dm_launcher_startnet(const struct dm_launcher *l)
{
    struct text t = {0};
    if (!valid(l))
        return NULL;
    startnet_header(&t, l);
    startnet_expiry(&t, l);
    line(&t, "wpeinit");
    startnet_drivers(&t, l);
    startnet_debuggers(&t, l);
    startnet_remote(&t, l);
    startnet_menu(&t, l);
    startnet_end(&t, l);
    return finish(&t);
}

/* --- winpeshl.ini ------------------------------------------------------------------------- */

/* The first comment line of an INI file we generate. */
static void ini_generated(struct text *t, const char *file, const char *version)
{
    put(t, "; ");
    put(t, file);
    put(t, " of a DaRT recovery image, generated by dartmk ");
    put(t, version);
    eol(t);
}

char *dm_launcher_winpeshl(const struct dm_launcher *l)
{
    struct text t = {0};
    if (!valid(l))
        return NULL;
    /* The comments come before the section: a LaunchApps line is an app to run. */
    ini_generated(&t, "winpeshl.ini", l->version);
    line(&t, "; Rebuild the image with \"dartmk build\" to change it. Windows PE runs these");
    line(&t, "; instead of its default shell: a command prompt that runs startnet.cmd first.");
    line(&t, "[LaunchApps]");
    line(&t, "%SYSTEMROOT%\\System32\\cmd.exe, /k %SYSTEMROOT%\\System32\\startnet.cmd");
    return finish(&t);
}

/* --- DartConfig.ini ----------------------------------------------------------------------- */

static void config_remote(struct text *t, const struct dm_launcher *l)
{
    line(t, "[RemoteConnection]");
    if (l->dart_remote) {
        line(t, "Enabled=1");
        line(t, "Program=Windows\\System32\\RemoteRecovery.exe");
        line(t, "; DaRT's Remote Connection: its port and message are in DartConfig.dat");
        return;
    }
    line(t, l->remote ? "Enabled=1" : "Enabled=0");
    if (!l->remote)
        return;
    putf(t, "Port=%d" EOL, l->remote_port);
    put_ini(t, "Program", l->remote_program);
    if (l->remote_message)
        put_ini(t, "MessageFile", l->remote_message);
}

/* Every tool, offered or not: the image's own record of what it holds. */
static void config_tools(struct text *t, const struct dm_launcher *l)
{
    line(t, "[Tools]");
    for (size_t i = 0; i < l->ntools; i++) {
        const struct dm_launch_tool *tool = &l->tools[i];
        char key[32];
        snprintf(key, sizeof key, "%zu", i + 1);
        put_ini(t, key, tool->name);
        snprintf(key, sizeof key, "%zu.Program", i + 1);
        if (tool->program)
            put_ini(t, key, tool->program);
        putf(t, "%zu.Offered=%d" EOL, i + 1, !tool->helpdesk);
    }
}

char *dm_launcher_config(const struct dm_launcher *l)
{
    struct text t = {0};
    if (!valid(l))
        return NULL;
    ini_generated(&t, "DartConfig.ini", l->version);
    line(&t, "; Rebuild the image with \"dartmk build\" to change it. DaRT\\dartexpire.exe");
    line(&t, "; reads Expires= in [Build] at start-up when the image has a time limit.");
    line(&t, "[Build]");
    put(&t, "Generator=dartmk ");
    put(&t, l->version);
    eol(&t);
    if (l->expires)
        put_ini(&t, "Expires", l->expires);
    config_remote(&t, l);
    if (l->debuggers) {
        line(&t, "[DebuggingTools]");
        put_ini(&t, "Location", l->debuggers);
    }
    config_tools(&t, l);
    return finish(&t);
}

/* --- With DaRT's own tools ---------------------------------------------------------------- */

static const char *const dart_remote_start[] = {
    "%windir%\\system32\\netstart.exe, -network -remount",
    "%windir%\\system32\\cmd.exe, /C start %windir%\\system32\\RemoteRecovery.exe -nomessage",
    "%windir%\\system32\\WaitForConnection.exe",
    "%SYSTEMDRIVE%\\sources\\recovery\\recenv.exe",
};

char *dm_launcher_winpeshl_dart(const struct dm_launcher *l)
{
    struct text t = {0};
    if (!valid(l) || (l->ndart_apps && !l->dart_apps))
        return NULL;
    ini_generated(&t, "winpeshl.ini", l->version);
    line(&t, "; dartmk's steps first (the time limit, drivers), then DaRT's start-up. Rebuild the");
    line(&t, "; image with \"dartmk build\" to change it.");
    line(&t, "[LaunchApps]");
    if (l->expiry_program) {
        put(&t, "%SYSTEMDRIVE%\\");
        put_quoted(&t, l->expiry_program);
        putf(&t, ", --wait %d --shutdown" EOL, CHECKER_WAIT);
    }
    for (size_t i = 0; i < l->ndrivers; i++) {
        put(&t, "%SYSTEMROOT%\\System32\\drvload.exe, ");
        put_path(&t, l->drivers[i]);
        eol(&t);
    }
    size_t n =
        l->dart_remote ? sizeof dart_remote_start / sizeof *dart_remote_start : l->ndart_apps;
    for (size_t i = 0; i < n; i++) {
        const char *app = l->dart_remote ? dart_remote_start[i] : l->dart_apps[i];
        if (!app || !*app || app[strcspn(app, "\r\n")])
            t.bad = 1;
        else
            line(&t, app);
    }
    return finish(&t);
}

/* XML text: the names were checked for '"' and control characters; markup is refused. */
static void put_xml(struct text *t, const char *s)
{
    if (!safe(s) || strpbrk(s, "<>&"))
        t->bad = 1;
    else
        put(t, s);
}

char *dm_launcher_winre_config(const struct dm_launcher *l, const char *const *keep, size_t nkeep,
                               const char *tools_folder)
{
    struct text t = {0};
    if (!valid(l) || (nkeep && !keep) || !tools_folder)
        return NULL;
    line(&t, "<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    put(&t, "<!-- WinREConfig.xml of a DaRT recovery image, generated by dartmk ");
    put_xml(&t, l->version);
    line(&t, ": the tools");
    line(&t, "     System Recovery Options offers. Rebuild the image with dartmk build to change "
             "it. -->");
    line(&t, "<Recovery>");
    line(&t, "  <RecoveryTools>");
    for (size_t i = 0; i < nkeep; i++) {
        put(&t, "    <RelativeFilePath>");
        put_xml(&t, keep[i]);
        line(&t, "</RelativeFilePath>");
    }
    size_t n = strlen(tools_folder);
    for (size_t i = 0; i < l->ntools; i++) {
        const char *prog = l->tools[i].program;
        if (l->tools[i].helpdesk || !prog)
            continue;
        if (strncasecmp(prog, tools_folder, n) != 0 || prog[n] != '\\') {
            t.bad = 1;
            break;
        }
        put(&t, "    <RelativeFilePath>");
        put_xml(&t, prog + n + 1);
        line(&t, "</RelativeFilePath>");
    }
    line(&t, "  </RecoveryTools>");
    line(&t, "</Recovery>");
    return finish(&t);
}
