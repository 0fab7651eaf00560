/* fuzz_recipe.c — libFuzzer target for the recipe reader (src/image/recipe.c, libinih): the
 * input is a recipe file as `dartmk build --recipe FILE` reads it.
 *
 * A recipe that reads is printed back (--print-recipe's text), the print read again and printed
 * again: when the first print warned about nothing (every value can be written exactly in INI),
 * the second print must be the first, byte for byte. Its JSON (the manifest's "recipe") is made,
 * and it is merged over an empty recipe, which must print the same. A recipe that does not read
 * must have said its one line (fuzz.h). */
#include "image/image.h"

#include "fuzz.h"

#include <json-c/json.h>

/* The recipe printed, with the warnings that came with it counted into *warned. */
static char *print(const struct dm_recipe *r, int *warned)
{
    struct dm_events ev;
    struct fuzz_said said;
    fuzz_listen(&ev, &said);
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    CHECK(m != NULL);
    dm_recipe_print(r, m);
    CHECK(fclose(m) == 0);
    CHECK(said.errors == 0);
    if (warned)
        *warned = said.warnings;
    dm_events_bind(NULL);
    return text;
}

static void round_trip(const struct dm_recipe *r)
{
    int warned = 0;
    char *first = print(r, &warned);
    struct dm_recipe again = {0}, merged = {0};
    struct dm_events ev;
    struct fuzz_said said;
    fuzz_listen(&ev, &said);
    int rc = dm_recipe_read(&again, fuzz_file_at(1, (const uint8_t *)first, strlen(first), 0));
    dm_events_bind(NULL);
    if (!warned) {
        CHECK(rc == 0);
        char *second = print(&again, NULL);
        if (strcmp(first, second) != 0)
            fprintf(stderr, "printed:\n%s\nread back and printed:\n%s\n", first, second);
        CHECK(strcmp(first, second) == 0);
        free(second);
    }
    dm_recipe_merge(&merged, r);
    char *third = print(&merged, NULL);
    CHECK(strcmp(first, third) == 0);
    free(third);
    json_object *j = dm_recipe_json(r);
    CHECK(j != NULL);
    json_object_put(j);
    dm_recipe_free(&again);
    dm_recipe_free(&merged);
    free(first);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    struct dm_recipe r = {0};
    struct dm_events ev;
    struct fuzz_said said;
    fuzz_listen(&ev, &said);
    int rc = dm_recipe_read(&r, fuzz_file(data, size));
    CHECK_SAID(rc, said);
    dm_events_bind(NULL);
    if (rc == 0)
        round_trip(&r);
    dm_recipe_free(&r);
    return 0;
}
