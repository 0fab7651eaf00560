/* main.c — dartmk's entry point: dispatch to the command table (commands.c). */
#include "cli/cli.h"
#include "util/report.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fputs("usage: dartmk <command> [options]\n"
          "\n" DM_ABOUT "\n"
          "\n"
          "Commands:\n",
          f);
    for (int i = 0; i < dm_command_count; i++)
        fprintf(f, "  %-10s %s\n", dm_commands[i].name, dm_commands[i].summary);
    fputs("\n"
          "'dartmk <command> --help' teaches each command, with an example.\n"
          "      --version            print the version\n"
          "  -h, --help               this help\n"
          "\n" EXIT_CODES,
          f);
}

static const struct dm_cmd *find_command(const char *name)
{
    for (int i = 0; i < dm_command_count; i++)
        if (strcmp(dm_commands[i].name, name) == 0)
            return &dm_commands[i];
    return NULL;
}

static int not_a_command(const char *name)
{
    dm_print_line(stderr, "dartmk: '%s' is not a dartmk command (see 'dartmk --help')", name);
    return DM_USAGE;
}

int main(int argc, char **argv)
{
    /* Until the command's options say otherwise. */
    dm_view_start(dm_view(), DM_NORMAL, DM_PROGRESS_AUTO, NULL);
    if (argc < 2) {
        dm_print_line(stderr, "dartmk: no command given (see 'dartmk --help')");
        return DM_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        const struct dm_cmd *cmd = argc > 2 ? find_command(argv[2]) : NULL;
        if (argc > 2 && !cmd)
            return not_a_command(argv[2]);
        if (cmd)
            dm_print_help(cmd, stdout);
        else
            usage(stdout);
        return DM_OK;
    }
    if (strcmp(name, "--version") == 0) {
        printf("dartmk %s\n", DARTMK_VERSION);
        return DM_OK;
    }
    const struct dm_cmd *cmd = find_command(name);
    if (!cmd)
        return not_a_command(name);
    return cmd->run(cmd, argc - 1, argv + 1);
}
