/* ntop-top: the program state shared by main and the curses UI. */
#ifndef NTOP_TOP_UI_H
#define NTOP_TOP_UI_H

#include <signal.h>
#include <stdatomic.h>

#include "top.h"

typedef struct top_app {
    ntc_engine *eng;
    struct cli_common *cli;        /* the tool's options (callbacks are installed through it) */
    model m;
    frame_src src;
    uint64_t count;
    int quiet, interactive, json;
    unsigned max_frames, frames;
    uint64_t delay_us, next_frame_us;
    atomic_int engine_done;        /* the engine thread ended; its final snapshot is published */
    char errmsg[600];              /* written by the engine thread before engine_done */
} top_app;

/* Take the latest snapshot into the model if new; 1 when the model changed. UI thread. */
int app_take_snapshot(top_app *a);

int ui_start(top_app *a);
void ui_loop(top_app *a, volatile sig_atomic_t *quit);
void ui_end(top_app *a);

#endif
