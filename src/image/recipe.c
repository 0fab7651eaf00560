/* recipe.c — a build's options as text: set from the command line or a recipe file (INI, read
 * with libinih), merged (the command line wins) and printed back as a recipe. */
#include "image/image_internal.h"
#include "util/report.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The scalar keys, in the order --print-recipe writes them. */
static const struct {
    const char *key;
    size_t off;
} scalars[] = {
    {"image-index", offsetof(struct dm_recipe, image_index)},
    {"remote", offsetof(struct dm_recipe, remote)},
    {"remote-port", offsetof(struct dm_recipe, remote_port)},
    {"remote-tool", offsetof(struct dm_recipe, remote_tool)},
    {"remote-message", offsetof(struct dm_recipe, remote_message)},
    {"debugging-tools", offsetof(struct dm_recipe, debugging_tools)},
    {"expire-days", offsetof(struct dm_recipe, expire_days)},
    {"whole-media", offsetof(struct dm_recipe, whole_media)},
    {"dart-tools", offsetof(struct dm_recipe, dart_tools)},
    {"dart-config", offsetof(struct dm_recipe, dart_config)},
    {"dart-config-from", offsetof(struct dm_recipe, dart_config_from)},
};

static const struct {
    const char *key;
    size_t off;
} lists[] = {
    {"tool", offsetof(struct dm_recipe, tools)},
    {"driver", offsetof(struct dm_recipe, drivers)},
    {"add-files", offsetof(struct dm_recipe, add_files)},
};

/* The longest line (in bytes, before its line end) libinih reads whole: it reads lines into a
 * buffer of INI_MAX_LINE (200) bytes, the line end and the string's end included. */
enum { RECIPE_LINE_MAX = 198 };

#define COUNT(a)            (sizeof(a) / sizeof((a)[0]))
#define FIELD(r, off, type) ((type *)((char *)(r) + (off)))

int dm_strlist_add(struct dm_strlist *l, const char *value)
{
    char **v = realloc(l->v, (l->n + 1) * sizeof *v);
    if (!v)
        return -1;
    l->v = v;
    if (!(v[l->n] = strdup(value)))
        return -1;
    l->n++;
    return 0;
}

void dm_strlist_free(struct dm_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL, l->n = 0;
}

int dm_recipe_set(struct dm_recipe *r, const char *key, const char *value)
{
    for (size_t i = 0; i < COUNT(scalars); i++) {
        if (strcmp(key, scalars[i].key) != 0)
            continue;
        char **slot = FIELD(r, scalars[i].off, char *);
        free(*slot);
        *slot = strdup(value);
        return *slot ? 0 : -1;
    }
    for (size_t i = 0; i < COUNT(lists); i++)
        if (strcmp(key, lists[i].key) == 0)
            return dm_strlist_add(FIELD(r, lists[i].off, struct dm_strlist), value);
    return 1;
}

/* ---- recipe files ---- */

struct reader {
    struct dm_recipe *r;
    const char *dir;       /* the recipe file's folder, for relative paths */
    char *bad_key;         /* the first unknown key */
    const char *continued; /* a one-value key continued on an indented line */
    unsigned set;          /* the one-value keys read (bits in scalars[]' order) */
    int oom;
    int message_lines; /* remote-message continues over indented lines */
};

/* Where the value of `key` holds a host path: the path's start inside value, or NULL. */
static const char *path_part(const char *key, const char *value)
{
    if (!strcmp(key, "tool")) {
        const char *eq = strchr(value, '=');
        return eq ? eq + 1 : NULL;
    }
    if (!strcmp(key, "driver") || !strcmp(key, "add-files") || !strncmp(key, "dart-", 5))
        return value;
    if (!strcmp(key, "debugging-tools"))
        return strcasecmp(value, "target") ? value : NULL;
    if (!strcmp(key, "remote-message"))
        return value[0] == '@' ? value + 1 : NULL;
    return NULL;
}

/* value with its relative path part joined to dir (malloc'd), or a copy. */
static char *with_base(const char *dir, const char *key, const char *value)
{
    const char *p = path_part(key, value);
    char *out;
    if (!p || !*p || *p == '/')
        return strdup(value);
    if (asprintf(&out, "%.*s%s/%s", (int)(p - value), value, dir, p) < 0)
        return NULL;
    return out;
}

int dm_recipe_set_in(struct dm_recipe *r, const char *key, const char *value, const char *base)
{
    char *v = with_base(base, key, value);
    int rc = v ? dm_recipe_set(r, key, v) : -1;
    free(v);
    return rc;
}

static int on_key(void *user, const char *section, const char *key, const char *value)
{
    struct reader *rd = user;
    (void)section;
    if (!strcmp(key, "remote-message") && rd->message_lines++ && rd->r->remote_message) {
        char *joined;
        if (asprintf(&joined, "%s\n%s", rd->r->remote_message, value) < 0)
            return rd->oom = 1, 0;
        free(rd->r->remote_message);
        rd->r->remote_message = joined;
        return 1;
    }
    for (size_t i = 0; i < COUNT(scalars); i++) {
        if (strcmp(key, scalars[i].key) != 0 || !strcmp(key, "remote-message"))
            continue;
        if (rd->set & (1u << i)) /* repeated keys were refused: this is an indented line */
            return rd->continued = scalars[i].key, 0;
        rd->set |= 1u << i;
    }
    int rc = dm_recipe_set_in(rd->r, key, value, rd->dir);
    if (rc < 0)
        rd->oom = 1;
    if (rc == 1 && !rd->bad_key)
        rd->bad_key = strdup(key);
    return rc == 0;
}

static char *folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    if (slash && path[0] == '/')
        return strndup(path, slash == path ? 1 : (size_t)(slash - path));
    char *cwd = getcwd(NULL, 0);
    if (!cwd)
        return NULL;
    int n = slash ? asprintf(&dir, "%s/%.*s", cwd, (int)(slash - path), path)
                  : asprintf(&dir, "%s", cwd);
    free(cwd);
    return n < 0 ? NULL : dir;
}

/* Is the '\r' just read not followed by '\n'? (A CR-only file is one long line to libinih: all
 * but its first line would be lost without a word.) */
static int lone_cr(FILE *f)
{
    int next = getc(f);
    if (next != EOF)
        ungetc(next, f);
    return next != '\n';
}

/* A key that holds one value, given on two lines: libinih would keep the last (and join a
 * repeated remote-message to the first as if it continued), so the recipe would mean what its
 * reader did not see. Key lines as libinih reads them: not indented, not a comment or a section. */
static int repeated_scalar(const char *path, const char *text)
{
    unsigned seen = 0;
    int line = 1;
    for (const char *p = text; *p; line++) {
        size_t len = strcspn(p, "\n"), k = strcspn(p, "=:\n");
        if (k < len && !isspace((unsigned char)p[0]) && !strchr(";#[", p[0])) {
            while (k && isspace((unsigned char)p[k - 1]))
                k--;
            for (size_t i = 0; i < COUNT(scalars); i++) {
                if (strlen(scalars[i].key) != k || strncmp(p, scalars[i].key, k) != 0)
                    continue;
                if (seen & (1u << i))
                    return dm_error(DM_USAGE,
                                    "%s:%d: %s given a second time (a key that is not a list "
                                    "holds one value; tool, driver and add-files repeat)",
                                    path, line, scalars[i].key);
                seen |= 1u << i;
            }
        }
        p += len + (p[len] == '\n');
    }
    return 0;
}

/* The file's text, judged before libinih reads it: Debian's libinih reads a line into a buffer
 * of INI_MAX_LINE (200) bytes, a limit compiled into the shared library; a longer line is cut in
 * two and its tail read as a line of its own (a long remote-message could carry
 * "expire-days = 1" in). A NUL would end a value early. Both are refused, naming the line. */
static int recipe_text(const char *path, FILE *f, char **out)
{
    char *text = NULL;
    size_t size = 0;
    FILE *m = open_memstream(&text, &size);
    if (!m)
        return dm_error(DM_FAIL, "%s: out of memory", path);
    size_t len = 0, at = 0;
    int c, first = 0, line = 1, rc = 0;
    while (rc == 0 && (c = getc(f)) != EOF) {
        if (at++ == 0)
            first = c;
        if (at == 2 && ((first == 0xff && c == 0xfe) || (first == 0xfe && c == 0xff)))
            rc = dm_error(DM_USAGE, "%s: UTF-16 text (a recipe is UTF-8 or ASCII text)", path);
        else if (c == '\0')
            rc = dm_error(DM_USAGE, "%s:%d: a NUL byte (a recipe is text)", path, line);
        else if (c == '\r' && lone_cr(f))
            rc = dm_error(DM_USAGE,
                          "%s:%d: a carriage return that does not end a line (a recipe has LF or "
                          "CRLF line ends; libinih would read the rest as one line)",
                          path, line);
        else if (c == '\n')
            line++, len = 0;
        else if (++len == RECIPE_LINE_MAX + 1)
            rc = dm_error(DM_USAGE,
                          "%s:%d: longer than %d bytes, the most a recipe line holds (a long "
                          "value continues on indented lines)",
                          path, line, RECIPE_LINE_MAX);
        if (rc == 0 && putc(c, m) == EOF)
            rc = dm_error(DM_FAIL, "%s: out of memory", path);
    }
    if (rc == 0 && ferror(f))
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot read the recipe", path);
    if (fclose(m) != 0 && rc == 0)
        rc = dm_error(DM_FAIL, "%s: out of memory", path);
    if (rc)
        free(text), text = NULL;
    *out = text;
    return rc;
}

int dm_recipe_read(struct dm_recipe *r, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot read the recipe", path);
    char *text = NULL;
    int rc = recipe_text(path, f, &text);
    fclose(f);
    if (rc == 0)
        rc = repeated_scalar(path, text);
    if (rc)
        return free(text), rc;
    struct reader rd = {.r = r, .dir = folder_of(path)};
    int line = rd.dir ? ini_parse_string(text, on_key, &rd) : 0;
    free(text);
    if (!rd.dir || rd.oom)
        rc = dm_error(DM_FAIL, "%s: out of memory", path);
    else if (rd.continued)
        rc =
            dm_error(DM_USAGE, "%s:%d: %s continues on an indented line (only remote-message does)",
                     path, line, rd.continued);
    else if (rd.bad_key)
        rc = dm_error(DM_USAGE, "%s:%d: unknown key '%s' (the keys are the long option names)",
                      path, line, rd.bad_key);
    else if (line)
        rc = dm_error(DM_USAGE, "%s:%d: not a recipe line (key = value)", path, line);
    free(rd.bad_key);
    free((char *)rd.dir);
    return rc;
}

/* ---- merging and printing ---- */

void dm_recipe_merge(struct dm_recipe *r, const struct dm_recipe *over)
{
    for (size_t i = 0; i < COUNT(scalars); i++) {
        char **dst = FIELD(r, scalars[i].off, char *);
        char *const *src = FIELD(over, scalars[i].off, char *const);
        if (*src) {
            free(*dst);
            *dst = strdup(*src);
        }
    }
    for (size_t i = 0; i < COUNT(lists); i++) {
        struct dm_strlist *dst = FIELD(r, lists[i].off, struct dm_strlist);
        const struct dm_strlist *src = FIELD(over, lists[i].off, const struct dm_strlist);
        if (!src->n)
            continue;
        dm_strlist_free(dst);
        for (size_t k = 0; k < src->n; k++)
            dm_strlist_add(dst, src->v[k]);
    }
}

/* Would libinih read the value back as it is? It strips spaces at both ends of every line,
 * ends a value at " ;" (a comment: print_value writes a space before each line, so a line may
 * not start with ';' either), takes a line starting with ';' or '#' after its indent for a
 * comment (a continuation line may not start with '#') and cannot continue a value with a blank
 * line; and a line ("key = " or the continuation's indent, then the text) must fit
 * RECIPE_LINE_MAX. */
static int ini_exact(const char *key, const char *v)
{
    size_t indent = strlen(key) + 3;
    for (const char *line = v; line; indent = 4) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        if (n == 0 || isspace((unsigned char)line[0]) || isspace((unsigned char)line[n - 1]) ||
            indent + n > RECIPE_LINE_MAX || (line != v && line[0] == '#'))
            return 0;
        for (size_t i = 0; i < n; i++)
            if (line[i] == ';' && (i == 0 || isspace((unsigned char)line[i - 1])))
                return 0;
        line = end ? end + 1 : NULL;
    }
    return 1;
}

/* A multi-line value continues on indented lines (libinih's continuation lines). */
static void print_value(FILE *f, const char *key, const char *v)
{
    if (!ini_exact(key, v))
        dm_warn("--print-recipe: the %s value cannot be written exactly in INI (spaces at line "
                "ends, blank lines and ' ;' are lost; a recipe line holds at most %d bytes)%s",
                key, RECIPE_LINE_MAX,
                strcmp(key, "remote-message") ? "" : "; keep the message in a file: @FILE");
    fprintf(f, "%s = ", key);
    for (; *v; v++) {
        fputc(*v, f);
        if (*v == '\n')
            fputs("    ", f);
    }
    fputc('\n', f);
}

void dm_recipe_print(const struct dm_recipe *r, FILE *f)
{
    fputs("; dartmk recipe: `dartmk build SOURCE -o DIR --recipe FILE` (options on the command\n"
          "; line win over these; a list given there replaces the list here).\n[build]\n",
          f);
    for (size_t i = 0; i < COUNT(scalars); i++) {
        char *const *v = FIELD(r, scalars[i].off, char *const);
        if (*v)
            print_value(f, scalars[i].key, *v);
    }
    for (size_t i = 0; i < COUNT(lists); i++) {
        const struct dm_strlist *l = FIELD(r, lists[i].off, const struct dm_strlist);
        for (size_t k = 0; k < l->n; k++)
            print_value(f, lists[i].key, l->v[k]);
    }
}

void dm_recipe_free(struct dm_recipe *r)
{
    for (size_t i = 0; i < COUNT(scalars); i++) {
        char **v = FIELD(r, scalars[i].off, char *);
        free(*v);
        *v = NULL;
    }
    for (size_t i = 0; i < COUNT(lists); i++)
        dm_strlist_free(FIELD(r, lists[i].off, struct dm_strlist));
}

json_object *dm_recipe_json(const struct dm_recipe *r)
{
    json_object *j = json_object_new_object();
    for (size_t i = 0; j && i < COUNT(scalars); i++) {
        char *const *v = FIELD(r, scalars[i].off, char *const);
        if (*v)
            json_object_object_add(j, scalars[i].key, json_object_new_string(*v));
    }
    for (size_t i = 0; j && i < COUNT(lists); i++) {
        const struct dm_strlist *l = FIELD(r, lists[i].off, const struct dm_strlist);
        if (!l->n)
            continue;
        json_object *a = json_object_new_array();
        for (size_t k = 0; k < l->n; k++)
            json_object_array_add(a, json_object_new_string(l->v[k]));
        json_object_object_add(j, lists[i].key, a);
    }
    return j;
}
