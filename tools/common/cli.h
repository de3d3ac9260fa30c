/* Shared command-line handling for the tools: the engine options every tool takes
 * (-r, -i, -m, -c, --config, --set, -q, -v, BPF expression), engine setup, progress, signals. */
#ifndef NTC_TOOLS_CLI_H
#define NTC_TOOLS_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ntopcore/ntopcore.h"

#define CLI_MAX_SOURCES 64
#define CLI_MAX_SCRIPTS 16

typedef struct cli_common {
    const char *prog;
    const char *files[CLI_MAX_SOURCES];
    int nfiles;
    const char *ifaces[CLI_MAX_SOURCES];
    int nifaces;
    uint64_t count;       /* -c: stop after this many packets (0: no limit) */
    int quiet, verbose;
    ntc_config *cfg;

    /* Lua scripts (--script, repeatable), run on the engine's callbacks (bindings/lua/script.h). */
    const char *scripts[CLI_MAX_SCRIPTS];
    int nscripts;
    uint64_t script_budget;       /* --script-budget (0: default) */
    uint64_t script_memory_mb;    /* --script-memory (0: default) */
    int script_allow_os, script_allow_io;
    void *script_host;            /* script_host *, when scripts are loaded */
    /* Where script errors and print() output go (NULL: stderr). Set before cli_run. */
    void (*script_report)(void *user, int is_error, const char *msg);
    void *script_report_user;
    /* ntop.dump_host() in scripts (see script_opts.dump_host); NULL in tools without a dumper.
     * Set before cli_open_engine. */
    int (*script_dump_host)(void *user, const char *address, int on, char *err, size_t errlen);
    void *script_dump_user;
    /* The tool's own callbacks (cli_set_callbacks), called before the scripts'. */
    ntc_callbacks tool_cb;
    void *tool_user;
} cli_common;

/* Exit codes (DESIGN.md): */
enum { CLI_EXIT_OK = 0, CLI_EXIT_RUNTIME = 1, CLI_EXIT_USAGE = 2 };

/* Long options shared by the tools start at this value. */
enum { CLI_OPT_CONFIG = 1000, CLI_OPT_SET, CLI_OPT_LIST_CONFIG, CLI_OPT_VERSION, CLI_OPT_HELP,
       CLI_OPT_SCRIPT, CLI_OPT_SCRIPT_ALLOW, CLI_OPT_SCRIPT_BUDGET, CLI_OPT_SCRIPT_MEMORY,
       CLI_OPT_TOOL_BASE = 1100 };

/* getopt_long entries of the common long options (put first in a tool's table). */
#define CLI_COMMON_LONGOPTS                                        \
    {"config", required_argument, NULL, CLI_OPT_CONFIG},           \
    {"set", required_argument, NULL, CLI_OPT_SET},                 \
    {"list-config", no_argument, NULL, CLI_OPT_LIST_CONFIG},       \
    {"version", no_argument, NULL, CLI_OPT_VERSION},               \
    {"help", no_argument, NULL, CLI_OPT_HELP}

/* getopt_long entries of the script options, for the tools that run scripts (they also call
 * cli_print_script_help() in their --help and install callbacks with cli_set_callbacks()). */
#define CLI_SCRIPT_LONGOPTS                                          \
    {"script", required_argument, NULL, CLI_OPT_SCRIPT},             \
    {"script-allow", required_argument, NULL, CLI_OPT_SCRIPT_ALLOW}, \
    {"script-budget", required_argument, NULL, CLI_OPT_SCRIPT_BUDGET}, \
    {"script-memory", required_argument, NULL, CLI_OPT_SCRIPT_MEMORY}

/* getopt short options string part for the common options. */
#define CLI_SHORTOPTS "r:i:m:c:qvh"

void cli_init(cli_common *c, const char *prog);
void cli_free(cli_common *c);

/* Handle one common option. Returns 1 if handled, 0 if not a common option, -1 on a usage error
 * (message already printed). --help/--version/--list-config exit directly. */
int cli_handle_option(cli_common *c, int opt, const char *arg, void (*usage)(FILE *out));

/* Join the remaining arguments into the BPF filter (capture.filter). Returns 0 or -1. */
int cli_set_filter(cli_common *c, int argc, char **argv, int first);

/* Check that at least one source was given. */
int cli_check_sources(cli_common *c);

/* Print the configuration keys (for --help and --list-config). */
void cli_print_config_keys(FILE *out);

/* The usage lines of the script options, for a tool's --help. */
void cli_print_script_help(FILE *out);

/* Create the engine, load the scripts (--script) and open every source. Prints errors; returns an
 * exit code (0 ok). */
int cli_open_engine(cli_common *c, ntc_engine **out);

/* Install the tool's callbacks (copied) on the engine. With scripts loaded, the engine calls a
 * wrapper that calls the tool's callback first, then the scripts' (tick, flow end). Use this
 * instead of ntc_engine_set_callbacks(). */
int cli_set_callbacks(cli_common *c, ntc_engine *eng, const ntc_callbacks *cb, void *user);

/* At the end of a run: report the script errors that were counted but not shown. */
void cli_scripts_finish(cli_common *c);

/* Run the engine until done, -c, or a signal; shows progress on a terminal. Returns the engine's
 * first source error (0 if none). */
int cli_run(cli_common *c, ntc_engine *eng);

/* Print a summary of the interface counters on `out` (for -v). */
void cli_print_summary(FILE *out, ntc_engine *eng);

#endif
