/* launcher.h — the start-up of a DaRT recovery image: the text of Windows\System32\startnet.cmd,
 * Windows\System32\winpeshl.ini and DaRT\DartConfig.ini written into boot.wim by `dartmk build`.
 *
 * Every text is CRLF-terminated. Paths are image paths with backslashes, relative to the
 * system drive ("DaRT\\Tools\\Disk Wipe\\wipe.exe"); the script prefixes %SYSTEMDRIVE%\ and
 * quotes them, so spaces survive; '%' in a path is doubled for cmd.exe. Tool names are shown
 * in echo lines with '%' doubled and & | < > ^ ( ) caret-escaped. Names and paths given here
 * have been validated by the caller (no '"', no control characters); should one slip through
 * anyway, the function returns NULL rather than a script that cmd.exe would parse into
 * something else. INI values (DartConfig.ini) are written as they are, no '%' doubling. */
#ifndef DARTMK_LAUNCHER_H
#define DARTMK_LAUNCHER_H

#include <stddef.h>

struct dm_launch_tool {
    const char *name;    /* shown in the menu: "Disk Commander" */
    const char *program; /* image path of the program to start; may be NULL for helpdesk */
    int helpdesk;        /* present in the image but not offered in the menu */
};

struct dm_launcher {
    const char *version;        /* dartmk's version, named in the generated files' headers */
    const char *expiry_program; /* image path of the expiry checker, or NULL (no time limit) */
    const char *expires;        /* ISO 8601 UTC expiry instant, or NULL */
    const char *const *drivers; /* image paths of INF files, loaded with drvload in order */
    size_t ndrivers;
    int remote;                 /* remote connection enabled */
    int remote_port;            /* 1..65535 */
    const char *remote_program; /* image path of the remote connection tool (when remote) */
    const char *remote_message; /* image path of the message text file, or NULL */
    const char *debuggers;      /* image path of the debugging tools, "target", or NULL */
    const struct dm_launch_tool *tools;
    size_t ntools;
    /* DaRT's own tools (--dart-tools): its start-up entries, and its Remote Connection. */
    const char *const *dart_apps; /* winpeshl.ini [LaunchApps] lines of DaRT's tools cab */
    size_t ndart_apps;
    int dart_remote; /* DaRT's documented unattended remote start instead of dart_apps */
};

/* Each returns a malloc'd NUL-terminated text (the caller frees it), or NULL when out of
 * memory or when the input is unusable: a '"' or a control character in any name, path,
 * version or expiry text; an empty path; remote on without a program or with a port outside
 * 1..65535; a required pointer missing (version, a tool's name or program, tools or drivers
 * with a count).
 *
 * startnet.cmd runs, in order: the expiry checker (any non-zero code, negative ones too, goes
 * to `wpeutil shutdown`), wpeinit, drvload for each driver, DART_DEBUGGERS, the remote
 * connection (firewall rule, DART_REMOTE_PORT, message, program), then a numbered menu of the
 * tools whose helpdesk flag is 0 (0 leaves it for the prompt; no menu when none is offered).
 * DART_DEBUGGERS and DART_REMOTE_PORT survive the script's setlocal into the prompt. */
char *dm_launcher_startnet(const struct dm_launcher *l);
char *dm_launcher_winpeshl(const struct dm_launcher *l);
char *dm_launcher_config(const struct dm_launcher *l);

/* With DaRT's tools: winpeshl.ini runs dartmk's steps first — the expiry checker (it shuts
 * down by itself on any verdict but "valid"), drvload for each driver — then DaRT's start-up:
 * dart_apps, or with dart_remote netstart.exe -network -remount, RemoteRecovery.exe -nomessage,
 * WaitForConnection.exe and recenv.exe. NULL on bad input as above (a dart_apps line too). */
char *dm_launcher_winpeshl_dart(const struct dm_launcher *l);
/* sources\recovery\tools\WinREConfig.xml: the tools Windows RE's System Recovery Options
 * offers — `keep` (DaRT's own entries) then each offered tool, its program relative to that
 * folder. NULL when a name holds '<', '>' or '&' or as above. */
char *dm_launcher_winre_config(const struct dm_launcher *l, const char *const *keep, size_t nkeep,
                               const char *tools_folder);

#endif
