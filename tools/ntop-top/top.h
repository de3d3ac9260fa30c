/* ntop-top: shared model of what is shown (rows built from engine snapshots, rates, sort, filter),
 * used by the curses UI (ui.c) and the batch text/JSON output (output.c).
 *
 * Threads: the model is owned by one thread (the UI thread, or in batch mode on files the engine
 * thread inside its tick callback). It reads the engine only through snapshots, holding the latest
 * one (rows point into it) until the next update. */
#ifndef NTOP_TOP_H
#define NTOP_TOP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ntopcore/ntopcore.h"

enum { VIEW_FLOWS = 0, VIEW_HOSTS = 1, VIEW_APPS = 2, VIEW_COUNT = 3 };

/* Columns of each view (also the sort keys). */
enum { FC_APP, FC_PROTO, FC_CLIENT, FC_SERVER, FC_DURATION, FC_BREAKDOWN, FC_THPT, FC_BYTES,
       FC_INFO, FC_COUNT };
enum { HC_HOST, HC_LOCAL, HC_SENT_BPS, HC_RCVD_BPS, HC_SENT, HC_RCVD, HC_FLOWS, HC_COUNT };
enum { AC_APP, AC_CATEGORY, AC_BREED, AC_FLOWS, AC_THPT, AC_BYTES, AC_PERCENT, AC_COUNT };

#define HIST_LEN 41 /* samples kept per flow/host/app: 40 s of one-second snapshots */

typedef struct flow_row {
    const ntc_flow *flow;          /* in model->snap */
    ntc_flow_info fi;
    char app[64];
    int how;                       /* ntc_l7_how */
    const char *proto;             /* "TCP", "UDP", ... */
    char cli[80], srv[80];         /* address (or name) and port, as shown */
    char cli_addr[48], srv_addr[48];
    uint64_t bytes, packets;
    double thpt;                   /* bits/s over 2 s */
    double duration;               /* seconds */
    char info[160];                /* SNI, HTTP host+URL, DNS query, ... */
} flow_row;

typedef struct host_row {
    const ntc_host *host;          /* in model->snap */
    ntc_host_info hi;
    char addr[48];
    char shown[128];               /* name or address, as shown */
    const char *name;              /* learnt name or NULL */
    double sent_bps, rcvd_bps;     /* over 2 s */
    uint32_t flows;                /* active flows */
} host_row;

typedef struct app_row {
    uint16_t id;
    char name[64];
    const char *category, *breed;
    uint64_t flows, bytes, packets;
    double thpt, percent;
} app_row;

/* One history entry: cumulative counters per snapshot sequence number. */
typedef struct hist_ent {
    uint64_t key;                  /* 0: free */
    uint64_t first_seq, last_seq;
    uint64_t v[HIST_LEN][2];
} hist_ent;

typedef struct hist_tab {
    hist_ent *e;
    size_t cap, n;                 /* cap: power of two */
} hist_tab;

typedef struct model {
    ntc_engine *eng;               /* only for ntc_engine_app_name()/_app_info() (any thread) */
    ntc_snapshot *snap;            /* held */
    ntc_iface_stats st;
    uint64_t seq;                  /* snapshots seen */
    uint64_t times[HIST_LEN];      /* snapshot time per seq % HIST_LEN */
    uint64_t ifbytes[HIST_LEN];
    hist_tab hist;

    flow_row *flows; size_t nflows, flows_cap;
    host_row *hosts; size_t nhosts, hosts_cap;
    app_row *apps; size_t napps, apps_cap;
    uint64_t app_total_bytes;
    /* Category and breed of each application id, learnt from the flows seen (the API gives them
     * per flow): 65536 entries each, allocated on first use. */
    uint16_t *app_cat;
    uint8_t *app_breed, *app_known;

    /* Index of the visible (filtered, sorted) rows per view. */
    size_t *vis[VIEW_COUNT]; size_t nvis[VIEW_COUNT], vis_cap[VIEW_COUNT];

    /* Display options. */
    int sort_col[VIEW_COUNT];
    int sort_asc[VIEW_COUNT];
    char filter[128];
    int resolve_names;             /* show learnt host names instead of addresses */
    int port_names;                /* show service names instead of port numbers */
    double rate2, rate10, rate40;  /* interface bits/s over 2/10/40 s */
} model;

void model_init(model *m, ntc_engine *eng);
void model_free(model *m);
/* Take ownership of snap (a reference the caller acquired) and rebuild every row. */
int model_update(model *m, ntc_snapshot *snap);
/* Re-apply filter and sort (after a key changed them) without a new snapshot. */
void model_refresh(model *m);
/* Rebuild the text of rows (after toggling names/ports). */
void model_relabel(model *m);

const char *col_name(int view, int col);
int col_count(int view);

/* Formatting helpers. */
void fmt_bps(double bps, char *buf, size_t len);      /* "1.23 Mb/s" */
void fmt_bytes(uint64_t b, char *buf, size_t len);    /* "1.2 MB" */
void fmt_duration(double s, char *buf, size_t len);   /* "1:02:03", "4:05", "7s" */
void fmt_time(uint64_t us, char *buf, size_t len);    /* "2024-05-14 10:00:01" UTC */
void fmt_tcp_flags(uint8_t f, char *buf, size_t len); /* "SAFPRU" style */
const char *l4_name(uint8_t proto);

/* Batch output (output.c). */
typedef struct frame_src {
    const char *const *files; int nfiles;
    const char *const *ifaces; int nifaces;
} frame_src;
int print_text_frame(FILE *out, model *m, const frame_src *src, unsigned frame_no);
int print_json_frame(FILE *out, model *m, const frame_src *src, unsigned frame_no);
void header_lines(model *m, const frame_src *src, char lines[3][256], int paused, int done);

#endif
