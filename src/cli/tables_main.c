/* tables_main.c — dartmk-tables: the command table and every command's option table as one
 * JSON object on stdout, for what is generated from them at build time (man pages, bash
 * completion: scripts/gen-docs) and for the tests that compare --help, the man pages and the
 * completion with them. A program of the build, not installed: it links the same tables as
 * dartmk, so a command added to dm_commands[] or an option added to a table appears here with
 * no change to this file.
 *
 *   {"version": "0.1.0", "about": "Makes ...", "exit_codes": "Exit codes: ...",
 *    "commands": [{"name", "summary", "intro", "outro",
 *                  "options": [{"group": "Options:"},
 *                              {"name", "short", "arg", "choices", "help", "equals",
 *                               "repeat"}, ...],   (--help's order, summarised tables in full)
 *                  "accepts": ["scheme", ...]},     (every long option the parser takes)
 *                 ...]} */
#include "cli/cli.h"

#include <json-c/json.h>
#include <stdio.h>

static void add_group(const char *text, void *ctx)
{
    struct json_object *g = json_object_new_object();
    json_object_object_add(g, "group", json_object_new_string(text));
    json_object_array_add(ctx, g);
}

static struct json_object *string_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static void add_option(const struct dm_opt *o, const char *help, void *ctx)
{
    struct json_object *j = json_object_new_object(), *choices = NULL;
    char letter[2] = {(char)o->code, '\0'};
    json_object_object_add(j, "name", json_object_new_string(o->name));
    json_object_object_add(j, "short",
                           dm_opt_is_short(o->code) ? json_object_new_string(letter) : NULL);
    json_object_object_add(j, "arg", string_or_null(o->arg));
    if (o->choices)
        choices = json_object_new_array();
    for (size_t i = 0; o->choices && o->choices[i]; i++)
        json_object_array_add(choices, json_object_new_string(o->choices[i]));
    json_object_object_add(j, "choices", choices);
    json_object_object_add(j, "help", json_object_new_string(help));
    json_object_object_add(j, "equals", json_object_new_boolean(o->flags & DM_OPT_EQUALS));
    json_object_object_add(j, "repeat", json_object_new_boolean(o->flags & DM_OPT_REPEAT));
    json_object_array_add(ctx, j);
}

static void add_name(const struct dm_opt *o, void *ctx)
{
    json_object_array_add(ctx, json_object_new_string(o->name));
}

static struct json_object *command(const struct dm_cmd *cmd)
{
    /* No summary callback: a table taken in as a summary is written in full. */
    static const struct dm_opt_visitor full = {add_group, add_option, NULL};
    struct json_object *c = json_object_new_object(), *options = json_object_new_array(),
                       *accepts = json_object_new_array();
    dm_opt_walk(cmd->help->options, &full, options);
    dm_opt_each(cmd->help->options, add_name, accepts);
    json_object_object_add(c, "name", json_object_new_string(cmd->name));
    json_object_object_add(c, "summary", json_object_new_string(cmd->summary));
    json_object_object_add(c, "intro", json_object_new_string(cmd->help->intro));
    json_object_object_add(c, "outro", json_object_new_string(cmd->help->outro));
    json_object_object_add(c, "options", options);
    json_object_object_add(c, "accepts", accepts);
    return c;
}

int main(void)
{
    struct json_object *all = json_object_new_object(), *commands = json_object_new_array();
    for (int i = 0; i < dm_command_count; i++)
        json_object_array_add(commands, command(&dm_commands[i]));
    json_object_object_add(all, "version", json_object_new_string(DARTMK_VERSION));
    json_object_object_add(all, "about", json_object_new_string(DM_ABOUT));
    json_object_object_add(all, "exit_codes", json_object_new_string(EXIT_CODES));
    json_object_object_add(all, "commands", commands);
    dm_print_json(all);
    return fflush(stdout) == 0 ? 0 : 1;
}
