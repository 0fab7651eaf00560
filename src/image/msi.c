/* msi.c — DaRT's tools cab out of its installer (MSDaRT70.msi, or a later DaRT MSI), read with
 * libmsi (msitools). The File table names each installed file ("TOOLSX~1.CAB|Toolsx64.cab") and
 * its sequence number; the Media table says which cabinet holds that sequence: one embedded in
 * the MSI ("#name", a stream of the _Streams table) or one beside it. In the cabinet a file is
 * stored under its File table key. How DaRT's own MSI lays this out is not publicly documented:
 * this follows what the tables say, and was tested on MSIs made with wixl. */
#include "image/image_internal.h"
#include "image/cab.h"
#include "util/copy.h"
#include "util/quiet.h"
#include "util/report.h"

#include <errno.h>
#include <fcntl.h>
#include <libmsi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct msi {
    LibmsiDatabase *db;
    const char *display; /* the MSI as the user named it */
    const char *path;
    const char *stage; /* a staging folder for cabinets */
    int ncab;          /* cabinets taken out so far */
};

static int msi_fail(struct msi *x, GError *err, const char *what)
{
    int rc = err && err->message ? dm_error(DM_FAIL, "%s: %s (%s)", x->display, what, err->message)
                                 : dm_error(DM_FAIL, "%s: %s", x->display, what);
    if (err)
        g_error_free(err);
    return rc;
}

/* Runs a query; *q for libmsi_query_fetch. bind (may be NULL) fills its '?' markers. */
static int msi_query(struct msi *x, const char *sql, LibmsiRecord *bind, LibmsiQuery **q)
{
    GError *err = NULL;
    *q = libmsi_query_new(x->db, sql, &err);
    if (*q && libmsi_query_execute(*q, bind, &err))
        return 0;
    if (*q)
        g_object_unref(*q);
    *q = NULL;
    return msi_fail(x, err, "cannot read the installer's tables");
}

/* The long name of a FileName value ("SHORT~1.CAB|Long name.cab" or just one name). */
static const char *long_name(const char *v)
{
    const char *bar = strchr(v, '|');
    return bar ? bar + 1 : v;
}

/* The cabinet (Media.Cabinet) holding file sequence `seq`: the row with the smallest
 * LastSequence at or above it. malloc'd, or NULL after one line. */
static char *media_cabinet(struct msi *x, int seq)
{
    LibmsiQuery *q;
    if (msi_query(x, "SELECT `LastSequence`, `Cabinet` FROM `Media`", NULL, &q))
        return NULL;
    LibmsiRecord *r;
    char *best = NULL;
    int best_last = 0;
    while ((r = libmsi_query_fetch(q, NULL))) {
        int last = libmsi_record_get_int(r, 1);
        gchar *cab = libmsi_record_get_string(r, 2);
        if (last >= seq && cab && *cab && (!best || last < best_last)) {
            free(best);
            best = strdup(cab), best_last = last;
        }
        g_free(cab);
        g_object_unref(r);
    }
    g_object_unref(q);
    if (!best)
        dm_error(DM_FAIL, "%s: no cabinet of the installer holds file number %d (its Media table)",
                 x->display, seq);
    return best;
}

/* Copies the _Streams table's stream `name` to the file `dest`. */
static int save_stream(struct msi *x, const char *name, const char *dest)
{
    LibmsiRecord *bind = libmsi_record_new(1);
    LibmsiQuery *q;
    libmsi_record_set_string(bind, 1, name);
    int rc = msi_query(x, "SELECT `Data` FROM `_Streams` WHERE `Name` = ?", bind, &q);
    g_object_unref(bind);
    if (rc)
        return rc;
    LibmsiRecord *r = libmsi_query_fetch(q, NULL);
    GInputStream *in = r ? libmsi_record_get_stream(r, 1) : NULL;
    int fd = in ? open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
    if (!in)
        rc = dm_error(DM_FAIL, "%s: the cabinet '%s' its Media table names is not in it",
                      x->display, name);
    else if (fd < 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot create", dest);
    char buf[64 << 10];
    gssize n = 1;
    GError *err = NULL;
    while (rc == 0 && (n = g_input_stream_read(in, buf, sizeof buf, NULL, &err)) > 0)
        rc = dm_write_all(fd, buf, (size_t)n, dest);
    if (rc == 0 && n < 0)
        rc = msi_fail(x, err, "cannot read an embedded cabinet");
    else if (err)
        g_error_free(err);
    if (fd >= 0 && close(fd) != 0 && rc == 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot write", dest);
    if (in)
        g_object_unref(in);
    if (r)
        g_object_unref(r);
    g_object_unref(q);
    return rc;
}

/* The cabinet named by Media.Cabinet as a host file: an embedded one saved into the staging
 * folder, an outside one beside the MSI. malloc'd path in *out. */
static int cabinet_file(struct msi *x, const char *cabinet, char **out)
{
    if (cabinet[0] == '#') {
        if (asprintf(out, "%s/msi-%d.cab", x->stage, ++x->ncab) < 0)
            return *out = NULL, dm_error(DM_FAIL, "out of memory");
        return save_stream(x, cabinet + 1, *out);
    }
    const char *slash = strrchr(x->path, '/');
    int dir = slash ? (int)(slash - x->path) : 1;
    if (strchr(cabinet, '/') || asprintf(out, "%.*s/%s", dir, slash ? x->path : ".", cabinet) < 0)
        return *out = NULL, dm_error(DM_FAIL, "%s: a cabinet named '%s' cannot be beside it",
                                     x->display, cabinet);
    if (access(*out, R_OK) != 0)
        return dm_error_errno(DM_FAIL, errno,
                              "%s: its tools are in the cabinet '%s', which should be beside it",
                              x->display, *out);
    return 0;
}

/* A File table key names the file inside the cabinet and becomes a host path: an identifier
 * (letters, digits, '_' and '.'), not "." or "..", so that no table can reach outside. */
static int key_ok(const char *key)
{
    size_t n = strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.");
    return n && !key[n] && strcmp(key, ".") && strcmp(key, "..");
}

/* Expands the cabinet holding file `key` and moves that file into the staging folder. */
static int take_file(struct msi *x, const char *key, const char *name, int seq, char **out)
{
    if (!key_ok(key))
        return dm_error(DM_FAIL,
                        "%s: its File table names %s with the key '%s', which is not "
                        "an identifier: a damaged installer",
                        x->display, name, key);
    char *cabinet = media_cabinet(x, seq), *cab = NULL, *dir = NULL, *member = NULL;
    int rc = cabinet ? cabinet_file(x, cabinet, &cab) : DM_FAIL;
    if (rc == 0 && asprintf(&dir, "%s/msi-%d", x->stage, ++x->ncab) < 0)
        dir = NULL, rc = dm_error(DM_FAIL, "out of memory");
    if (rc == 0 && mkdir(dir, 0700) != 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot make a folder", dir);
    if (rc == 0)
        rc = dm_cab_expand(cab, cabinet, dir);
    if (rc == 0 && (asprintf(&member, "%s/%s", dir, key) < 0 ||
                    asprintf(out, "%s/tools-%d.cab", x->stage, x->ncab) < 0))
        rc = dm_error(DM_FAIL, "out of memory");
    if (rc == 0 && rename(member, *out) != 0)
        rc = dm_error(DM_FAIL, "%s: the cabinet '%s' does not hold %s (file '%s')", x->display,
                      cabinet, name, key);
    free(cabinet), free(cab), free(dir), free(member);
    return rc;
}

/* Every tools cab the File table names, taken out. */
static int tools_cabs(struct msi *x, struct dm_strlist *cabs, struct dm_strlist *names)
{
    LibmsiQuery *q;
    int rc = msi_query(x, "SELECT `File`, `FileName`, `Sequence` FROM `File`", NULL, &q);
    LibmsiRecord *r;
    while (rc == 0 && (r = libmsi_query_fetch(q, NULL))) {
        gchar *key = libmsi_record_get_string(r, 1), *file = libmsi_record_get_string(r, 2);
        int seq = libmsi_record_get_int(r, 3);
        char *path = NULL;
        if (key && file && dm_dart_tools_cab_name(long_name(file))) {
            rc = take_file(x, key, long_name(file), seq, &path);
            if (rc == 0 && (dm_strlist_add(cabs, path) || dm_strlist_add(names, long_name(file))))
                rc = dm_error(DM_FAIL, "out of memory");
        }
        free(path), g_free(key), g_free(file);
        g_object_unref(r);
    }
    if (q)
        g_object_unref(q);
    if (rc == 0 && cabs->n == 0)
        rc = dm_error(DM_FAIL,
                      "%s: the installer holds no DaRT tools cab (its File table names no "
                      "Toolsx64.cab, Toolsx86.cab or Tools.cab)",
                      x->display);
    return rc;
}

int dm_msi_tools_cabs(const char *path, const char *display, const char *stage,
                      struct dm_strlist *cabs, struct dm_strlist *names)
{
    GError *err = NULL;
    struct msi x = {.display = display, .path = path, .stage = stage};
    /* libmsi and libgsf report a damaged file on stderr (GLib's log) besides the error. */
    dm_quiet_begin();
    x.db = libmsi_database_new(path, LIBMSI_DB_FLAGS_READONLY, NULL, &err);
    int rc = x.db ? tools_cabs(&x, cabs, names)
                  : msi_fail(&x, err, "not a Windows Installer database, or a damaged one");
    if (x.db)
        g_object_unref(x.db);
    dm_quiet_end();
    return rc;
}
