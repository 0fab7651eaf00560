/* wizard_ui.c — one wizard page on the screen, with newt (whiptail's library): a window sized to
 * the terminal, the page's text, its facts in a scrolling box, its entries, checkboxes and lists,
 * the line a check gave, and Back / Next / Cancel. A page is built from its values each time it
 * is drawn, so a resize (newt reports SIGWINCH as NEWT_KEY_RESIZE) simply draws it again. */
#include "cli/wizard.h"

#include <newt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

enum { MIN_COLS = 80, MIN_ROWS = 24, LABEL_W = 24 };

static const char help_line[] =
    " Tab/Shift-Tab: move   Enter: next   F2: back   F12: next   Esc: cancel";

int wz_ui_start(void)
{
    struct winsize ws = {0};
    if (!isatty(0) || !isatty(1) || ioctl(1, TIOCGWINSZ, &ws) < 0) {
        fprintf(stderr, "dartmk wizard: needs a terminal (the commands work without one)\n");
        return 1;
    }
    if (ws.ws_col < MIN_COLS || ws.ws_row < MIN_ROWS) {
        fprintf(stderr, "dartmk wizard: the terminal is %ux%u; the wizard needs at least %dx%d\n",
                ws.ws_col, ws.ws_row, MIN_COLS, MIN_ROWS);
        return 1;
    }
    newtInit();
    newtCls();
    newtPushHelpLine(help_line);
    return 0;
}

void wz_ui_end(void)
{
    newtPopHelpLine();
    newtFinished();
}

/* What the drawn page is made of, to read the values back. */
struct drawn {
    newtComponent form, next, back, cancel, add, remove, item_entry, items, choices, info;
    newtComponent entries[16];
    char checks[16];
};

static int clamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Text wrapped to width w: a textbox of as many lines as it takes (at most max). */
static newtComponent text_box(const char *text, int y, int w, int max, int flags, int *h)
{
    char *copy = strdup(text), *flowed;
    int fw, fh;
    if (!copy)
        abort();
    flowed = newtReflowText(copy, w - 1, 0, 0, &fw, &fh);
    *h = clamp(fh, 1, max);
    newtComponent t = newtTextbox(0, y, w, *h, flags | (fh > max ? NEWT_FLAG_SCROLL : 0));
    newtTextboxSetText(t, flowed);
    free(flowed);
    free(copy);
    return t;
}

static void draw_fields(struct wz_page *p, struct drawn *d, int *y, int w)
{
    for (int i = 0; i < p->nfields && i < 16; i++, (*y)++) {
        struct wz_field *f = &p->fields[i];
        if (f->flag) {
            newtFormAddComponent(
                d->form, newtCheckbox(0, *y, f->label, *f->flag ? '*' : ' ', NULL, &d->checks[i]));
            continue;
        }
        newtFormAddComponent(d->form, newtLabel(0, *y, f->label));
        d->entries[i] = newtEntry(LABEL_W, *y, *f->value ? *f->value : "", w - LABEL_W, NULL,
                                  NEWT_FLAG_SCROLL | NEWT_FLAG_RETURNEXIT);
        newtFormAddComponent(d->form, d->entries[i]);
    }
    if (p->nfields)
        (*y)++;
}

static void draw_items(struct wz_page *p, struct drawn *d, int *y, int w, int rows)
{
    newtFormAddComponent(d->form, newtLabel(0, *y, p->item_label));
    d->item_entry =
        newtEntry(LABEL_W, *y, "", w - LABEL_W - 17, NULL, NEWT_FLAG_SCROLL | NEWT_FLAG_RETURNEXIT);
    d->add = newtCompactButton(w - 16, *y, "Add");
    d->remove = newtCompactButton(w - 9, *y, "Remove");
    newtFormAddComponents(d->form, d->item_entry, d->add, d->remove, NULL);
    (*y)++;
    d->items = newtListbox(LABEL_W, *y, rows, NEWT_FLAG_SCROLL);
    newtListboxSetWidth(d->items, w - LABEL_W);
    for (int i = 0; i < p->items->n; i++)
        newtListboxAppendEntry(d->items, p->items->v[i], (void *)(intptr_t)i);
    if (!p->items->n)
        newtListboxAppendEntry(d->items, "(none)", (void *)(intptr_t)-1);
    newtFormAddComponent(d->form, d->items);
    *y += rows + 1;
}

static void draw_choices(struct wz_page *p, struct drawn *d, int *y, int w, int rows)
{
    d->choices = newtListbox(0, *y, rows, NEWT_FLAG_SCROLL | NEWT_FLAG_RETURNEXIT);
    newtListboxSetWidth(d->choices, w);
    for (int i = 0; i < p->nchoices; i++)
        newtListboxAppendEntry(d->choices, p->choices[i], (void *)(intptr_t)i);
    newtListboxSetCurrent(d->choices, clamp(*p->choice, 0, p->nchoices - 1));
    newtFormAddComponent(d->form, d->choices);
    *y += rows + 1;
}

/* The content rows between the page's text and the error line, shared out: entries one row
 * each, an edited list at least 3, a list to pick from as many as it has, the facts the rest;
 * the error's two lines and the buttons below. */
static void draw_body(struct wz_page *p, struct drawn *d, int y, int w, int h)
{
    int avail = h - 4 - y - (p->nfields ? p->nfields + 1 : 0);
    int item_rows = p->items ? clamp(avail - 2 - (p->info ? 4 : 0), 3, 6) : 0;
    avail -= p->items ? item_rows + 2 : 0;
    int choice_rows = p->nchoices ? clamp(p->nchoices, 1, p->info ? avail / 2 : avail - 1) : 0;
    avail -= p->nchoices ? choice_rows + 1 : 0;
    if (p->info && avail >= 2) {
        int ih;
        d->info = text_box(p->info, y, w, avail - 1, 0, &ih);
        newtFormAddComponent(d->form, d->info);
        y += ih + 1;
    }
    if (p->items)
        draw_items(p, d, &y, w, item_rows);
    draw_fields(p, d, &y, w);
    if (p->nchoices)
        draw_choices(p, d, &y, w, choice_rows);
}

static void draw(struct wz_page *p, struct drawn *d)
{
    int cols, rows, th = 0;
    newtGetScreenSize(&cols, &rows);
    int w = clamp(cols - 6, 40, 110), h = clamp(rows - 5, 12, 34);
    newtCenteredWindow(w, h, p->title);
    memset(d, 0, sizeof *d);
    d->form = newtForm(NULL, NULL, 0);
    if (p->text) {
        newtFormAddComponent(d->form, text_box(p->text, 0, w, 6, 0, &th));
        th++;
    }
    draw_body(p, d, th, w, h);
    if (p->error) { /* two lines: a long path and its reason still show whole */
        int eh;
        newtComponent t = text_box(p->error, h - 4, w, 2, 0, &eh);
        newtTextboxSetColors(t, NEWT_COLORSET_TITLE, NEWT_COLORSET_TITLE);
        newtFormAddComponent(d->form, t);
    }
    const char *next = p->next ? p->next : "Next";
    d->back = newtCompactButton(w - 31, h - 1, "Back");
    d->next = newtCompactButton(w - 22, h - 1, next);
    d->cancel = newtCompactButton(w - 11, h - 1, "Cancel");
    newtFormAddComponents(d->form, d->back, d->next, d->cancel, NULL);
    newtFormAddHotKey(d->form, NEWT_KEY_ESCAPE);
    newtFormAddHotKey(d->form, NEWT_KEY_RESIZE);
    newtFormAddHotKey(d->form, NEWT_KEY_F2);
    newtComponent first = d->item_entry   ? d->item_entry
                          : d->entries[0] ? d->entries[0]
                          : d->choices    ? d->choices
                                          : d->next;
    newtFormSetCurrent(d->form, first);
}

/* The values on the screen back into the page. */
static void harvest(struct wz_page *p, struct drawn *d)
{
    for (int i = 0; i < p->nfields && i < 16; i++) {
        struct wz_field *f = &p->fields[i];
        if (f->flag) {
            *f->flag = d->checks[i] == '*';
            continue;
        }
        const char *v = newtEntryGetValue(d->entries[i]);
        free(*f->value);
        *f->value = v && *v ? strdup(v) : NULL;
    }
    if (d->choices)
        *p->choice = (int)(intptr_t)newtListboxGetCurrent(d->choices);
}

/* Add or Remove on an edited list; returns 1 when the page is to be drawn again. */
static int edit_items(struct wz_page *p, struct drawn *d, newtComponent co)
{
    const char *v = newtEntryGetValue(d->item_entry);
    if ((co == d->item_entry && v && *v) || co == d->add) { /* Enter on an empty one: Next */
        if (v && *v)
            wz_list_add(p->items, v);
        return 1;
    }
    if (co == d->remove) {
        wz_list_remove(p->items, (int)(intptr_t)newtListboxGetCurrent(d->items));
        return 1;
    }
    return 0;
}

enum wz_action wz_page_run(struct wz_page *p)
{
    for (;;) {
        struct drawn d;
        struct newtExitStruct es;
        draw(p, &d);
        newtFormRun(d.form, &es);
        harvest(p, &d);
        int again = es.reason == NEWT_EXIT_COMPONENT && d.items && edit_items(p, &d, es.u.co);
        newtComponent co = es.reason == NEWT_EXIT_COMPONENT ? es.u.co : NULL;
        newtFormDestroy(d.form);
        newtPopWindow();
        if (es.reason == NEWT_EXIT_HOTKEY && es.u.key == NEWT_KEY_RESIZE) {
            /* newt takes the new size but keeps S-Lang's screen at the old one (its
             * SLsmg_reinit_smg is commented out): start the screen again at the new size. */
            wz_ui_end();
            newtInit();
            newtCls();
            newtPushHelpLine(help_line);
            continue;
        }
        if (again)
            continue;
        if (es.reason == NEWT_EXIT_HOTKEY)
            return es.u.key == NEWT_KEY_ESCAPE ? WZ_CANCEL
                   : es.u.key == NEWT_KEY_F2   ? WZ_BACK
                                               : WZ_NEXT;
        if (co == d.back)
            return WZ_BACK;
        if (co == d.cancel)
            return WZ_CANCEL;
        return WZ_NEXT; /* Next, or Enter in an entry or on a list */
    }
}
