/* quiet.h — a library that writes to the process's stderr itself, with no way to stop it
 * (libudfread 1.1: its "udfread ERROR: ..." lines): while such a call runs, fd 2 goes into a
 * file, and what the library wrote comes back as DM_LEVEL_DEBUG lines of this thread's events
 * (shown with -v). This is the one place dartmk redirects a standard stream; the CLI's view
 * writes to its own copy of stderr, so its lines and progress are not caught here.
 *
 * Nested and concurrent use (the ISO writer's thread reading a UDF file while the main thread
 * opens another) share one redirection, counted; the lines go to whichever thread ends the last
 * use. */
#ifndef DARTMK_QUIET_H
#define DARTMK_QUIET_H

void dm_quiet_begin(void);
void dm_quiet_end(void);

#endif
