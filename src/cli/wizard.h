/* wizard.h — `dartmk wizard`, the DaRT Recovery Image Wizard in a terminal (newt). The wizard
 * is a front end over dartmk's own command line: it runs its own executable for every fact and
 * every check (`inspect --json`, `devices --json`, `build ... --print-recipe`, `partition ...
 * --dry-run`) and, at the end, the equivalent command itself. Shared by cmd_wizard.c (the pages
 * and their order), wizard_ui.c (a page on the screen) and wizard_exec.c (running dartmk). */
#ifndef DARTMK_WIZARD_H
#define DARTMK_WIZARD_H

/* ---- A growing list of strings (an argument vector, a page's list of tools) ---- */
struct wz_list {
    char **v; /* NULL-terminated */
    int n, cap;
};

void wz_list_add(struct wz_list *l, const char *s);
void wz_list_addf(struct wz_list *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void wz_list_remove(struct wz_list *l, int i);
void wz_list_free(struct wz_list *l);

/* ---- Running dartmk (wizard_exec.c) ---- */

/* Remembers this executable (/proc/self/exe, resolved once) for the runs below. */
int wz_exec_init(void);
/* Runs `dartmk ARGS...` with stdin from /dev/null; its stdout and stderr into *out and *err
 * (NUL-terminated, to be freed). Returns its exit code (or 1 when it could not run). */
int wz_capture(const struct wz_list *args, char **out, char **err);
/* Runs `dartmk ARGS...` on this terminal and waits for it: the command's own questions and
 * progress. Returns its exit code (128 + N when signal N ended it). */
int wz_attached(const struct wz_list *args);
/* The last line of a command's stderr (its error comes last, after any warning), as the page
 * shows it (allocated). */
char *wz_last_line(const char *err);
/* ARGS as one shell command line, each word quoted when it needs it (allocated). */
char *wz_shell_line(const struct wz_list *args);

/* ---- A page (wizard_ui.c) ---- */

enum wz_action { WZ_NEXT, WZ_BACK, WZ_CANCEL };

struct wz_field {
    const char *label;
    char **value; /* an entry: its text (allocated; NULL is empty) */
    int *flag;    /* or a checkbox */
};

struct wz_page {
    const char *title;
    const char *text; /* what the page is for, at the top (wrapped) */
    const char *info; /* facts shown in a scrolling box, or NULL */
    struct wz_field *fields;
    int nfields;
    const char *const *choices; /* a list to pick one from (nchoices of them) */
    int nchoices;
    int *choice;
    struct wz_list *items; /* a list the user edits: an entry adds (Add), Remove takes away */
    const char *item_label;
    const char *error; /* the one line a check gave, shown above the buttons */
    const char *next;  /* the forward button's name (default "Next") */
};

/* ---- The wizard's answers (cmd_wizard.c, wizard_pages.c) ---- */

enum wz_dest { WZ_ISO, WZ_DISC, WZ_USB, WZ_PARTITION, WZ_PXE };

struct json_object;
struct wz {
    char *source;
    struct json_object *facts; /* `inspect --json SOURCE` */
    int image;                 /* the position in facts' wim.images */
    struct wz_list tools, drivers, files;
    char *dart_tools, *dart_config;
    int remote;
    char *remote_tool, *remote_port, *remote_message;
    char *debugging, *expire;
    int dest;
    char *iso, *stick, *stick_size, *disk_image, *pxe_dir, *drive;
    struct wz_list disks, recorders; /* what the destination page offered */
    int disk_choice, recorder_choice;
    char *target;          /* the stick or disk chosen */
    char *plan;            /* `partition ... --dry-run` */
    char *recipe;          /* where the summary page saves the recipe */
    char *error;           /* the line a check gave, shown on the page */
    struct wz_list common; /* the wizard's own -q, -v, --progress: passed on to the run */
};

/* The build options the answers make, as `build`, `iso`, `usb`, `partition`, `pxe` take them. */
void wz_build_args(const struct wz *w, struct wz_list *args);
/* The equivalent command line(s): the disc is two (iso, then burn); *second is empty else. */
void wz_command(const struct wz *w, struct wz_list *first, struct wz_list *second);
/* Runs `dartmk ARGS...` quietly as a check: 0, or its exit code with its last line in w->error. */
int wz_check(struct wz *w, const struct wz_list *args);

/* The pages, in order. Each returns WZ_NEXT, WZ_BACK or WZ_CANCEL (a page that does not apply
 * returns the direction it was entered in: `forward`). */
typedef enum wz_action (*wz_page_fn)(struct wz *w, int forward);
extern const wz_page_fn wz_pages[];
extern const int wz_page_count;

/* Starts the screen: refuses (one line, returns 1) without a terminal or below 80x24. */
int wz_ui_start(void);
void wz_ui_end(void);
/* Shows the page until the user goes forward, back or cancels; the page's values are kept in
 * its fields, choice and items. A resize redraws the page at the new size. */
enum wz_action wz_page_run(struct wz_page *p);

#endif
