/* cmd_inspect.c — `dartmk inspect SOURCE`: what the media is and how it can boot. */
#include "image/image.h"
#include "cli/cli.h"
#include "image/expiry.h"
#include "recovery/recovery.h"
#include "source/authenticode.h"
#include "source/dart.h"
#include "source/media.h"
#include "util/progress.h"
#include "util/cleanup.h"
#include "util/report.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char inspect_intro[] =
    "usage: dartmk inspect SOURCE [--image-index N] [--json]\n"
    "\n"
    "Tells what SOURCE is and whether recovery media made from it can boot under BIOS and\n"
    "UEFI: the layout (install DVD, ADK copype media, bare boot.wim), where each boot file is\n"
    "(on the media, or inside boot.wim), the images of boot.wim and which one boots, the\n"
    "architecture, what is missing for each way of booting, and what recovery media made\n"
    "from it hold (the Windows PE files, boot.wim holding the chosen image alone) and leave\n"
    "out (Setup, install.wim, support/...: --whole-media keeps them), and who signed each UEFI\n"
    "loader (Secure Boot: the signatures, their digests and chains, which well-known db\n"
    "authority a machine must trust to start it).\n"
    "\n"
    "SOURCE is a directory holding Windows PE media, an ISO image (ISO 9660, Joliet, Rock\n"
    "Ridge, or UDF-only Windows media), a bare boot.wim, or an optical drive (/dev/sr0).\n"
    "Nothing is written; an ISO's boot.wim is read through an unlinked temporary copy.\n"
    "\n";

enum { OPT_IMAGE_INDEX = DM_OPT_BASE, OPT_QUICK };

static const struct dm_opt inspect_options[] = {
    DM_OPT_GROUP("Options:"),
    DM_OPT_VALUE(OPT_IMAGE_INDEX, "image-index", "N",
                 "look inside image N of boot.wim (default: the bootable one; on an install DVD "
                 "that is image 2, Windows Setup)"),
    DM_OPT_FLAG(OPT_QUICK, "quick",
                "do not check boot.wim's data against its own checksums (by default every "
                "resource is read and checked: a few seconds for a few hundred MB)"),
    DM_OPT_JSON_HELP(
        "print one JSON object on stdout: kind, layout, bios, uefi, el_torito, "
        "files, missing, wim.images, wim.boot_index, wim.checked, arch, expires, "
        "expired, recovery (files, bytes, boot_wim, left_out), secure_boot.loaders (path, "
        "state, verdict, needs, signatures: digests, chain)"),
    DM_OPT_END,
};

static const char inspect_outro[] = "\n"
                                    "Examples:\n"
                                    "  dartmk inspect /srv/media/Win11_x64.iso\n"
                                    "  dartmk inspect ~/WinPE_amd64/media --json | jq .uefi\n"
                                    "  dartmk inspect boot.wim --image-index 1\n"
                                    "\n" EXIT_CODES;

const struct dm_help dm_inspect_help = {inspect_intro, inspect_options, inspect_outro};

struct inspect_opts {
    const struct dm_cmd *cmd;
    int image_index, quick;
};

static int inspect_option(int opt, const char *arg, void *ctx)
{
    struct inspect_opts *o = ctx;
    long v;
    if (opt == OPT_QUICK)
        return o->quick = 1, 0;
    if (opt != OPT_IMAGE_INDEX)
        return dm_usage_error(o->cmd, "unknown option");
    if (dm_parse_int(arg, 1, 1000000, &v) != 0)
        return dm_usage_error(o->cmd, "--image-index: '%s' is not an image number (1, 2, ...)",
                              arg);
    o->image_index = (int)v;
    return 0;
}

static json_object *json_string_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static int can_boot(const struct dm_media *m, int uefi)
{
    enum dm_role roles[DM_ROLE_COUNT];
    return dm_media_missing(m, uefi, roles, DM_ROLE_COUNT) == 0;
}

static json_object *missing_json(const struct dm_media *m, int uefi)
{
    enum dm_role roles[DM_ROLE_COUNT];
    size_t n = dm_media_missing(m, uefi, roles, DM_ROLE_COUNT);
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, json_object_new_string(dm_role_key(roles[i])));
    return a;
}

static json_object *wim_json(const struct dm_media *m, int checked)
{
    json_object *w = json_object_new_object(), *images = json_object_new_array();
    for (int i = 1; i <= dm_wim_image_count(m->wim); i++) {
        const struct dm_wim_image *im = dm_wim_image(m->wim, i);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "index", json_object_new_int(im->index));
        json_object_object_add(o, "name", json_object_new_string(im->name));
        json_object_object_add(o, "bootable", json_object_new_boolean(im->bootable));
        json_object_object_add(o, "arch", json_string_or_null(dm_arch_name(im->arch)));
        json_object_array_add(images, o);
    }
    json_object_object_add(w, "path", json_object_new_string(dm_wim_display(m->wim)));
    json_object_object_add(w, "images", images);
    json_object_object_add(w, "boot_index", json_object_new_int(dm_wim_boot_index(m->wim)));
    json_object_object_add(w, "image", json_object_new_int(m->image));
    /* true: every resource matched its SHA-1 (a damaged WIM fails inspect); false: --quick. */
    json_object_object_add(w, "checked", json_object_new_boolean(checked));
    return w;
}

static json_object *files_json(const struct dm_media *m)
{
    json_object *files = json_object_new_object();
    char buf[1024];
    for (int r = 0; r < DM_ROLE_COUNT; r++) {
        const char *where = dm_media_describe(m, (enum dm_role)r, buf, sizeof buf);
        json_object_object_add(files, dm_role_key((enum dm_role)r), json_string_or_null(where));
    }
    return files;
}

/* {"bios": ..., "uefi": ...} from a per-firmware predicate. */
static json_object *both_ways(const struct dm_media *m,
                              json_object *(*f)(const struct dm_media *, int))
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "bios", f(m, 0));
    json_object_object_add(o, "uefi", f(m, 1));
    return o;
}

static json_object *el_torito_json(const struct dm_media *m, int uefi)
{
    return json_object_new_boolean(dm_media_el_torito(m, uefi));
}

/* The time limit: expires is 0 for none. */
struct limit {
    int64_t expires;
    int expired;
    char text[DM_EXPIRY_TEXT];
    int checked;   /* boot.wim's data checked against its checksums (not --quick) */
    int elsewhere; /* damage found, but not in the chosen image */
    struct dm_dart_info dart;
};

static int read_limit(struct dm_media *m, struct limit *l)
{
    int rc = dm_media_expiry(m, &l->expires);
    if (rc == 1) {
        l->expires = 0;
        return 0;
    }
    if (rc == 0) {
        l->expired = (int64_t)time(NULL) >= l->expires;
        dm_expiry_format(l->expires, l->text);
    }
    return rc;
}

static json_object *recovery_json(const struct dm_media *m, const struct dm_recovery_size *r)
{
    json_object *o = json_object_new_object(), *w = json_object_new_object(),
                *left = json_object_new_object();
    json_object_object_add(w, "image", json_object_new_int(m->image));
    json_object_object_add(w, "bytes", json_object_new_int64((int64_t)r->wim_bytes));
    json_object_object_add(w, "exported", json_object_new_boolean(r->exported));
    json_object_object_add(left, "files", json_object_new_int64((int64_t)r->left_files));
    json_object_object_add(left, "bytes", json_object_new_int64((int64_t)r->left_bytes));
    json_object_object_add(left, "largest", json_string_or_null(r->largest));
    json_object_object_add(o, "files", json_object_new_int64((int64_t)r->files));
    json_object_object_add(o, "bytes", json_object_new_int64((int64_t)r->bytes));
    json_object_object_add(o, "boot_wim", w);
    json_object_object_add(o, "left_out", left);
    return o;
}

/* DaRT's own files in the chosen image (a DaRT image), and whether it can take them. */
static json_object *dart_json(const struct dm_dart_info *d)
{
    json_object *o = json_object_new_object(), *files = json_object_new_array();
    for (int f = 0; f < DM_DART_FILES; f++)
        if (f != DM_DART_RECENV && (d->present & (1u << f)))
            json_object_array_add(files, json_object_new_string(dm_dart_file_path(f)));
    json_object_object_add(o, "image",
                           json_object_new_boolean(d->present & (1u << DM_DART_TOOLS_WINDOW)));
    json_object_object_add(o, "version", json_string_or_null(d->version[0] ? d->version : NULL));
    json_object_object_add(o, "arch", json_string_or_null(dm_arch_name(d->arch)));
    json_object_object_add(o, "files", files);
    json_object_object_add(o, "config",
                           json_object_new_boolean(d->present & (1u << DM_DART_CONFIG)));
    json_object_object_add(o, "config_size", json_object_new_int64((int64_t)d->config_size));
    json_object_object_add(o, "windows_re",
                           json_object_new_boolean(d->present & (1u << DM_DART_RECENV)));
    return o;
}

static void print_dart(const struct dm_media *m, const struct dm_dart_info *d)
{
    if (!(d->present & (1u << DM_DART_TOOLS_WINDOW))) {
        if (d->present & (1u << DM_DART_RECENV))
            printf("DaRT          no; --dart-tools can use image %d (Windows RE/Setup)\n",
                   m->image);
        else
            printf("DaRT          no; image %d lacks recenv.exe: --dart-tools needs Windows "
                   "RE/Setup\n",
                   m->image);
        return;
    }
    printf("DaRT          DaRT image %s, %s; ", d->version[0] ? d->version : "(no version)",
           dm_arch_name(d->arch) ? dm_arch_name(d->arch) : "unknown architecture");
    if (d->present & (1u << DM_DART_CONFIG))
        printf("DartConfig.dat (%llu bytes)\n", (unsigned long long)d->config_size);
    else
        puts("no DartConfig.dat");
    fputs("             ", stdout);
    for (int f = 0; f < DM_DART_CONFIG; f++)
        if (d->present & (1u << f))
            printf(" %s", dm_dart_file_what(f));
    putchar('\n');
}

/* A name from the media or the command line, its control characters and bytes that are not
 * UTF-8 shown as \xNN (a newline in a name must not start a line of its own). */
static void put_name(const char *s)
{
    char *e = dm_escape_line(s);
    fputs(e ? e : "?", stdout);
    free(e);
}

/* ---- Secure Boot: the loaders and their signers ---- */

struct loaders {
    struct dm_loader *l;
    int n;
};

static json_object *authorities_json(unsigned a)
{
    json_object *arr = json_object_new_array();
    for (int i = 0; i < DM_AUTH_COUNT; i++)
        if (a & (1u << i))
            json_object_array_add(arr, json_object_new_string(dm_sig_authority_name(i)));
    return arr;
}

static json_object *chain_json(const struct dm_sig *g)
{
    json_object *arr = json_object_new_array();
    for (int i = 0; i < g->nchain; i++) {
        json_object *c = json_object_new_object();
        json_object_object_add(c, "subject", json_object_new_string(g->chain[i].subject));
        json_object_object_add(c, "issuer", json_object_new_string(g->chain[i].issuer));
        json_object_object_add(c, "not_before", json_object_new_string(g->chain[i].not_before));
        json_object_object_add(c, "not_after", json_object_new_string(g->chain[i].not_after));
        json_object_array_add(arr, c);
    }
    return arr;
}

static json_object *signature_json(const struct dm_sig *g)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "entry", json_object_new_int(g->entry));
    json_object_object_add(o, "nested", json_object_new_int(g->nested));
    json_object_object_add(o, "readable", json_object_new_boolean(g->readable));
    json_object_object_add(o, "digest_algorithm",
                           json_string_or_null(g->readable ? g->digest_alg : NULL));
    json_object_object_add(o, "signed_digest",
                           json_string_or_null(g->readable ? g->signed_digest : NULL));
    json_object_object_add(o, "file_digest",
                           json_string_or_null(g->readable ? g->file_digest : NULL));
    json_object_object_add(o, "digest_ok", json_object_new_boolean(g->digest_ok));
    json_object_object_add(o, "signature_ok", json_object_new_boolean(g->signature_ok));
    json_object_object_add(o, "authorities", authorities_json(g->authorities));
    json_object_object_add(o, "chain", chain_json(g));
    json_object_object_add(o, "error", json_string_or_null(*g->why ? g->why : NULL));
    return o;
}

static json_object *loader_json(const struct dm_loader *d)
{
    json_object *o = json_object_new_object(), *sigs = json_object_new_array();
    char buf[512];
    json_object_object_add(o, "path", json_object_new_string(d->where));
    json_object_object_add(o, "size", json_object_new_int64((int64_t)d->size));
    json_object_object_add(o, "state", json_object_new_string(dm_sig_state_name(d->sig.state)));
    json_object_object_add(o, "error", json_string_or_null(*d->sig.why ? d->sig.why : NULL));
    json_object_object_add(o, "authenticode_sha256",
                           json_string_or_null(*d->sig.sha256 ? d->sig.sha256 : NULL));
    json_object_object_add(o, "needs", authorities_json(d->sig.authorities));
    json_object_object_add(
        o, "verdict",
        json_object_new_string(d->sig.state == DM_SIG_GOOD
                                   ? dm_sig_needs(d->sig.authorities, buf, sizeof buf)
                               : d->sig.state == DM_SIG_UNSIGNED ? "unsigned"
                               : d->sig.state == DM_SIG_BAD      ? "does not verify"
                                                                 : "not a PE image"));
    for (int i = 0; i < d->sig.nsigs; i++)
        json_object_array_add(sigs, signature_json(&d->sig.sigs[i]));
    json_object_object_add(o, "signatures", sigs);
    return o;
}

static json_object *secure_boot_json(const struct loaders *L)
{
    json_object *o = json_object_new_object(), *arr = json_object_new_array();
    for (int i = 0; i < L->n; i++)
        json_object_array_add(arr, loader_json(&L->l[i]));
    json_object_object_add(o, "loaders", arr);
    return o;
}

static const char *loader_verdict(const struct dm_sig_report *r, char *buf, size_t n)
{
    switch (r->state) {
    case DM_SIG_NOT_PE:
        snprintf(buf, n, "not a PE image (%s)", r->why);
        return buf;
    case DM_SIG_UNSIGNED:
        return "unsigned: will not start on machines with Secure Boot on";
    case DM_SIG_BAD:
        return "DOES NOT VERIFY: tampered or damaged, will not start with Secure Boot on";
    default:
        snprintf(buf, n, "signed, verifies; ");
        dm_sig_needs(r->authorities, buf + strlen(buf), n - strlen(buf));
        return buf;
    }
}

static void print_signature(int i, const struct dm_sig *g)
{
    char buf[512];
    printf("    signature %d%s: ", i + 1, g->nested ? " (nested)" : "");
    if (!g->readable) {
        printf("unreadable (%s)\n", g->why);
        return;
    }
    printf("%s %s, digest %s, signature %s; %s\n", g->digest_alg, g->signed_digest,
           g->digest_ok ? "matches the file" : "DOES NOT MATCH the file",
           g->signature_ok ? "verifies" : "DOES NOT VERIFY",
           dm_sig_needs(g->authorities, buf, sizeof buf));
    if (!g->digest_ok)
        printf("      the file's digest is %s\n", g->file_digest);
    for (int k = 0; k < g->nchain; k++) {
        fputs(k ? "      then   " : "      signer ", stdout);
        put_name(g->chain[k].subject);
        fputs("\n             issued by ", stdout);
        put_name(g->chain[k].issuer);
        printf(", valid %s to %s\n", g->chain[k].not_before, g->chain[k].not_after);
    }
}

static void print_secure_boot(const struct loaders *L)
{
    char buf[512];
    printf("Secure Boot   %d UEFI loader%s (the signatures they carry; a machine's db and dbx "
           "are not known here)\n",
           L->n, L->n == 1 ? "" : "s");
    for (int i = 0; i < L->n; i++) {
        const struct dm_loader *d = &L->l[i];
        fputs("  ", stdout);
        put_name(d->where);
        printf(": %s\n", loader_verdict(&d->sig, buf, sizeof buf));
        for (int k = 0; k < d->sig.nsigs; k++)
            print_signature(k, &d->sig.sigs[k]);
    }
}

static void print_json(const struct dm_media *m, const struct limit *l,
                       const struct dm_recovery_size *r, const struct loaders *L)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "source", json_object_new_string(m->tree->origin));
    json_object_object_add(o, "kind", json_object_new_string(dm_source_kind_name(m->kind)));
    json_object_object_add(o, "filesystem", json_object_new_string(m->tree->ops->name));
    json_object_object_add(o, "layout", json_object_new_string(dm_media_layout_name(m->layout)));
    json_object_object_add(o, "arch", json_string_or_null(dm_arch_name(m->arch)));
    json_object_object_add(o, "arch_source", json_string_or_null(m->arch_source));
    json_object_object_add(o, "bios", json_object_new_boolean(can_boot(m, 0)));
    json_object_object_add(o, "uefi", json_object_new_boolean(can_boot(m, 1)));
    json_object_object_add(o, "el_torito", both_ways(m, el_torito_json));
    json_object_object_add(o, "files", files_json(m));
    json_object_object_add(o, "missing", both_ways(m, missing_json));
    json_object *w = wim_json(m, l->checked);
    json_object_object_add(w, "damaged_elsewhere", json_object_new_boolean(l->elsewhere));
    json_object_object_add(o, "wim", w);
    /* The expiry instant is written by `dartmk build --expire-days`; media without it never
     * expire. */
    json_object_object_add(o, "expires", l->expires ? json_object_new_string(l->text) : NULL);
    json_object_object_add(o, "expired", json_object_new_boolean(l->expired));
    json_object_object_add(o, "recovery", recovery_json(m, r));
    json_object_object_add(o, "dart", dart_json(&l->dart));
    json_object_object_add(o, "secure_boot", secure_boot_json(L));
    dm_print_json(o);
}

static void print_missing(const struct dm_media *m, int uefi)
{
    enum dm_role roles[DM_ROLE_COUNT];
    size_t n = dm_media_missing(m, uefi, roles, DM_ROLE_COUNT);
    if (n == 0) {
        puts("yes");
        return;
    }
    fputs("no, missing", stdout);
    for (size_t i = 0; i < n; i++)
        printf("%s %s (%s)", i ? "," : "", dm_role_key(roles[i]), dm_role_media_path(roles[i]));
    putchar('\n');
}

static void print_recovery(const struct dm_media *m, const struct dm_recovery_size *r)
{
    char a[32], b[32], c[32];
    printf("Recovery      %llu files, %s; boot.wim: image %d alone (%s%s)\n",
           (unsigned long long)r->files, dm_format_size(a, sizeof a, r->bytes), m->image,
           r->exported ? "exported, ~" : "as it is, ", dm_format_size(b, sizeof b, r->wim_bytes));
    if (!r->left_files) {
        puts("Left out      nothing");
        return;
    }
    fputs("Left out      ", stdout);
    put_name(r->largest);
    printf(" (%s)", dm_format_size(a, sizeof a, r->largest_size));
    if (r->left_files > 1)
        printf(" and %llu more, %s in all", (unsigned long long)r->left_files - 1,
               dm_format_size(c, sizeof c, r->left_bytes));
    puts("\n              not Windows PE (--whole-media keeps them)");
}

static void print_text(const struct dm_media *m, const struct limit *l,
                       const struct dm_recovery_size *rs, const struct loaders *L)
{
    char buf[1024];
    fputs("Source        ", stdout);
    put_name(m->tree->origin);
    putchar('\n');
    printf("Kind          %s", dm_source_kind_name(m->kind));
    if (m->kind == DM_SOURCE_ISO || m->kind == DM_SOURCE_DEVICE || m->kind == DM_SOURCE_DISK)
        printf(" (%s)", m->tree->ops->name);
    static const char *const layouts[] = {"install DVD layout", "ADK (copype) media layout",
                                          "a bare boot.wim"};
    printf(", %s\n", layouts[m->layout]);
    printf("Architecture  %s", dm_arch_name(m->arch) ? dm_arch_name(m->arch) : "unknown");
    if (m->arch_source)
        printf(" (from the %s)",
               strcmp(m->arch_source, "wim-xml") == 0 ? "WIM's XML" : "EFI loader's PE header");
    putchar('\n');
    printf("Boot image    %s: %d image%s, boot index %d; looking in image %d\n",
           dm_wim_display(m->wim), dm_wim_image_count(m->wim),
           dm_wim_image_count(m->wim) == 1 ? "" : "s", dm_wim_boot_index(m->wim), m->image);
    for (int i = 1; i <= dm_wim_image_count(m->wim); i++) {
        const struct dm_wim_image *im = dm_wim_image(m->wim, i);
        printf("            %c %d  ", i == m->image ? '*' : ' ', im->index);
        put_name(*im->name ? im->name : "(unnamed)");
        puts(im->bootable ? "  [bootable]" : "");
    }
    printf("Integrity     %s\n", !l->checked ? "not checked (--quick)"
                                 : l->elsewhere
                                     ? "the chosen image matches its checksums; another "
                                       "image of boot.wim is damaged"
                                     : "every resource of boot.wim matches its own checksum");
    puts("Boot files");
    for (int r = 0; r < DM_ROLE_COUNT; r++) {
        const char *where = dm_media_describe(m, (enum dm_role)r, buf, sizeof buf);
        printf("  %-11s ", dm_role_key((enum dm_role)r));
        put_name(where ? where : "-- not found --");
        putchar('\n');
    }
    fputs("BIOS boot     ", stdout);
    print_missing(m, 0);
    fputs("UEFI boot     ", stdout);
    print_missing(m, 1);
    printf("ISO boot      BIOS %s, UEFI %s (El Torito)\n", dm_media_el_torito(m, 0) ? "yes" : "no",
           dm_media_el_torito(m, 1) ? "yes" : "no");
    if (!l->expires)
        puts("Expires       never");
    else
        printf("Expires       %s (%s)\n", l->text, l->expired ? "expired" : "not yet");
    print_dart(m, &l->dart);
    print_recovery(m, rs);
    print_secure_boot(L);
}

/* The chosen image alone, exported into a staging folder and checked: damage elsewhere in the
 * WIM does not reach a recovery image. */
static int check_chosen(struct dm_media *m)
{
    struct dm_staging st = {0};
    char *path = NULL;
    int rc = dm_staging_make(&st, "dartmk-check");
    if (rc == 0 && asprintf(&path, "%s/boot.wim", st.path) < 0)
        path = NULL, rc = dm_error(DM_FAIL, "out of memory");
    if (rc == 0)
        rc = dm_image_export_checked(m->wim, m->image, path);
    free(path);
    dm_staging_remove(&st);
    return rc;
}

/* The whole WIM against its checksums; when it is damaged but the chosen image is not (an
 * install DVD's image 1 damaged, image 2 used), a warning: media made from it are sound. */
static int check_wim(struct dm_media *m, int *elsewhere)
{
    struct dm_capture said, again;
    dm_capture_begin(&said);
    int rc = dm_wim_verify(m->wim);
    dm_capture_end(&said);
    int chosen_ok = 0;
    if (rc && dm_wim_image_count(m->wim) > 1) {
        dm_capture_begin(&again); /* the whole WIM's line is the one said, if any */
        chosen_ok = check_chosen(m) == 0;
        dm_capture_end(&again);
        dm_capture_free(&again);
    }
    if (chosen_ok) {
        *elsewhere = 1;
        dm_warn("%s: damaged outside image %d (another image's data fails its checksums); the "
                "recovery image holds image %d alone, which is sound",
                dm_wim_display(m->wim), m->image, m->image);
        rc = 0;
    } else {
        dm_capture_replay(&said);
    }
    dm_capture_free(&said);
    return rc;
}

int dm_cmd_inspect(const struct dm_cmd *cmd, int argc, char **argv)
{
    struct inspect_opts o = {.cmd = cmd};
    struct dm_common common;
    int first;
    int rc = dm_parse_options(cmd, argc, argv, inspect_option, &o, &common, &first);
    if (rc)
        return rc == DM_PARSE_HELP ? DM_OK : rc;
    if (argc - first != 1)
        return dm_usage_error(cmd, argc == first ? "no SOURCE given" : "one SOURCE at a time");
    struct dm_media *m;
    rc = dm_media_open(argv[first], o.image_index, &m);
    if (rc)
        return rc;
    struct limit l = {.checked = !o.quick};
    struct dm_recovery_size r;
    rc = o.quick ? 0 : check_wim(m, &l.elsewhere);
    if (rc == 0)
        rc = read_limit(m, &l);
    if (rc == 0)
        rc = dm_dart_probe(m->wim, m->image, &l.dart);
    if (rc == 0)
        rc = dm_recovery_measure(m, &r);
    struct loaders L = {0};
    if (rc == 0)
        rc = dm_media_loaders(m, &L.l, &L.n);
    if (rc == 0 && common.json)
        print_json(m, &l, &r, &L);
    else if (rc == 0)
        print_text(m, &l, &r, &L);
    dm_media_loaders_free(L.l, L.n);
    dm_media_close(m);
    return rc;
}
