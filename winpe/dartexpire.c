/* dartexpire.exe — the time-limit check that runs inside Windows PE at start-up.
 *
 *   dartexpire.exe [--config FILE] [--wait SECONDS] [--shutdown]
 *
 * Reads Expires= from [Build] of DartConfig.ini (by default the one beside this .exe), compares
 * it with the clock and prints one line for the person at the machine. Exit codes: 0 the image
 * may be used; 1 it has expired; 2 the limit cannot be known (unreadable config, no or a bad
 * Expires=, usage error). The start-up script shuts Windows PE down on any non-zero code, so
 * every doubt fails closed. --wait keeps a bad verdict on screen before that happens;
 * --shutdown makes the checker itself run `wpeutil shutdown` after it, so that interrupting the
 * script cannot skip the shutdown. Ctrl+C and Ctrl+Break are ignored while it runs: answering
 * "Terminate batch job? Y" would otherwise leave an expired image at a command prompt.
 *
 * Cross-compiled with mingw-w64 (see the Makefile); it may import only DLLs that Windows PE
 * has, KERNEL32.dll and msvcrt.dll, hence -static-libgcc. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "image/expiry.h"

enum { EXIT_USABLE = 0, EXIT_EXPIRED = 1, EXIT_UNKNOWN = 2 };
enum { MAX_WAIT = 600 };
enum { MAX_CONFIG = 64 * 1024 }; /* DartConfig.ini is a few hundred bytes */

static const char USAGE[] =
    "usage: dartexpire.exe [--config FILE] [--wait SECONDS (0-600)] [--shutdown]";

struct options {
    const char *config; /* NULL: DartConfig.ini beside the .exe */
    unsigned wait;      /* seconds to keep a bad verdict on screen */
    int shutdown;       /* run `wpeutil shutdown` after a bad verdict */
};

/* Strict 0..MAX_WAIT: a typo must not turn into "no wait" or a wait of hours. */
static int parse_wait(const char *s, unsigned *out)
{
    unsigned v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (unsigned)(*s - '0');
        if (v > MAX_WAIT)
            return -1;
    }
    *out = v;
    return 0;
}

/* --shutdown, or an option with its value; anything else is a usage error. */
static int parse_args(int argc, char **argv, struct options *o)
{
    for (int i = 1; i < argc; i += 2) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(opt, "--shutdown") == 0) {
            o->shutdown = 1;
            i--;
            continue;
        }
        if (!val)
            return -1;
        if (strcmp(opt, "--config") == 0 && val[0])
            o->config = val;
        else if (strcmp(opt, "--wait") != 0 || parse_wait(val, &o->wait) != 0)
            return -1;
    }
    return 0;
}

/* DartConfig.ini in the directory of this program. */
static int default_config(char *path, size_t n)
{
    static const char name[] = "DartConfig.ini";
    DWORD len = GetModuleFileNameA(NULL, path, (DWORD)n);
    if (len == 0 || len >= n) /* len == n: the name was cut to fit */
        return -1;
    char *dir_end = path + len;
    while (dir_end > path && dir_end[-1] != '\\' && dir_end[-1] != '/')
        dir_end--;
    if ((size_t)(dir_end - path) + sizeof name > n)
        return -1;
    memcpy(dir_end, name, sizeof name);
    return 0;
}

/* Reads all of a small text file into buf as a string; returns 0, or -1 with a reason. */
static int read_config(const char *path, char *buf, size_t n, const char **why)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *why = strerror(errno);
        return -1;
    }
    size_t len = fread(buf, 1, n - 1, f);
    int bad = ferror(f), big = !bad && len == n - 1 && fgetc(f) != EOF;
    fclose(f);
    if (bad || big) {
        *why = bad ? "cannot read it" : "too large for a DartConfig.ini";
        return -1;
    }
    buf[len] = '\0';
    return 0;
}

/* The verdict for the config at path: prints it and returns the exit code. */
static int judge(const char *path)
{
    static char ini[MAX_CONFIG + 1];
    const char *why = NULL;
    int64_t expires;
    if (read_config(path, ini, sizeof ini, &why) != 0) {
        fprintf(stderr, "dartexpire: %s: %s\n", path, why);
        return EXIT_UNKNOWN;
    }
    int found = dm_expiry_from_config(ini, &expires);
    if (found != 0) {
        fprintf(stderr, "dartexpire: %s: %s\n", path,
                found > 0 ? "no Expires= in section [Build]"
                          : "Expires= is not a time like 2026-12-24T19:05:00Z");
        return EXIT_UNKNOWN;
    }
    /* _time64, not time(): mingw-w64 gives 32-bit x86 programs on msvcrt a 32-bit time_t
     * (_USE_32BIT_TIME_T), which runs out in 2038, well inside --expire-days' range. Every
     * Windows PE's msvcrt.dll exports _time64, so both builds read the same 64-bit clock. */
    __time64_t now = _time64(NULL);
    _Static_assert(sizeof now == 8, "the clock must be 64-bit");
    if (now == -1) {
        fprintf(stderr, "dartexpire: cannot read the clock\n");
        return EXIT_UNKNOWN;
    }
    char msg[160];
    int expired = dm_expiry_check((int64_t)now, expires, msg, sizeof msg);
    printf("%s\n", msg);
    return expired ? EXIT_EXPIRED : EXIT_USABLE;
}

/* Windows PE's own way to power off; waits for it (the machine goes down meanwhile). */
static void shutdown_pe(void)
{
    char cmd[] = "wpeutil.exe shutdown";
    STARTUPINFOA si = {.cb = sizeof si};
    PROCESS_INFORMATION pi;
    if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
        fprintf(stderr, "dartexpire: cannot run wpeutil shutdown (error %lu)\n",
                (unsigned long)GetLastError());
        return;
    }
    WaitForSingleObject(pi.hProcess, INFINITE);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
}

int main(int argc, char **argv)
{
    struct options o = {NULL, 0, 0};
    SetConsoleCtrlHandler(NULL, TRUE);
    static char path[MAX_PATH * 4];
    if (parse_args(argc, argv, &o) != 0) {
        fprintf(stderr, "%s\n", USAGE);
        return EXIT_UNKNOWN;
    }
    if (!o.config) {
        if (default_config(path, sizeof path) != 0) {
            fprintf(stderr, "dartexpire: cannot find the directory of this program\n");
            return EXIT_UNKNOWN;
        }
        o.config = path;
    }
    int rc = judge(o.config);
    if (rc != EXIT_USABLE && o.wait) {
        /* The console closes with the shutdown: leave the person time to read why. */
        fflush(stdout);
        fflush(stderr);
        Sleep(o.wait * 1000u);
    }
    if (rc != EXIT_USABLE && o.shutdown)
        shutdown_pe();
    return rc;
}
