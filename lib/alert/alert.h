/* Private: alerts (lib/alert). The engine calls in through the ntc__alert_* hooks below, at five
 * places: creation/free, the per-packet path (before the packet is accounted to its flow), a
 * flow's final verdict, a host's removal, the one-second tick, and the flush at the end of input. Everything else here is shared by
 * the files of lib/alert: the alert object and its builder, the rules (rules.c, also used by the
 * fuzz target), the detector state, the sinks.
 *
 * State is kept in lib/alert's own bounded tables (alert.track_max entries of about 140 bytes,
 * allocated as needed), never in hosts or flows, so alerts add nothing to the per-host and per-flow
 * memory. Time is the engine clock. */
#ifndef NTC_LIB_ALERT_H
#define NTC_LIB_ALERT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>

#include "decode/decode.h"
#include "ntopcore/alert.h"
#include "util/util.h"

struct ntc_engine;
struct ntc_flow;
struct ntc_host;
struct ntc_config;

/* ---- the alert object ---- */

#define NTC__ALERT_MAX_DETAILS 24
#define NTC__ALERT_TEXT 3072   /* strings of one alert (entity id, description, detail values) */

typedef struct ntc__alert_det {
    const char *key;           /* static */
    int64_t num;
    uint16_t off;              /* string value: offset in text */
    uint8_t is_str;
} ntc__alert_det;

struct ntc_alert {
    uint64_t id, time_us, engaged_us;
    uint32_t suppressed, rule_line;
    uint16_t type;
    uint8_t severity, entity, state, ndet;
    uint16_t len;              /* bytes of text used */
    uint16_t entity_off, desc_off;
    ntc__alert_det det[NTC__ALERT_MAX_DETAILS];
    char text[];               /* NUL-terminated strings */
};

/** Bytes of an alert whose text uses len bytes. */
size_t ntc__alert_size(const ntc_alert *a);

/* ---- rules (rules.c) ---- */

enum { NTC__R_HOST = 1, NTC__R_NETWORK = 2, NTC__R_IFACE = 3 };
enum { NTC__T_ADDR = 1, NTC__T_CIDR = 2, NTC__T_LOCAL = 3, NTC__T_REMOTE = 4, NTC__T_ANY = 5 };
enum {
    NTC__M_BYTES = 1, NTC__M_PACKETS, NTC__M_FLOWS, NTC__M_DNS_BYTES, NTC__M_P2P_BYTES,
    NTC__M_APP_BYTES, NTC__M_CATEGORY_BYTES
};

typedef struct ntc__rule {
    uint8_t entity;            /* NTC__R_* */
    uint8_t target;            /* host rules: NTC__T_*; network: NTC__T_CIDR */
    uint8_t metric;            /* NTC__M_* */
    uint8_t op;                /* '>' or '<' */
    uint8_t period;            /* ntc_tick: NTC_TICK_MINUTE ... NTC_TICK_DAY */
    uint8_t severity;          /* ntc_alert_severity */
    uint8_t ip_version, prefix;/* target address / network */
    uint8_t addr[16];          /* masked */
    uint16_t id;               /* application or category id (app:/category: metrics) */
    uint32_t line;
    uint64_t threshold;
    uint64_t key;              /* canonical identity (reload keeps the state of equal rules) */
    char metric_text[72];      /* as written, normalised: "bytes", "app:YouTube", ... */
    char target_text[64];      /* "10.0.0.0/8", "local", ... ("" for the interface) */
    /* run-time state of interface and network rules (host rules keep theirs per host) */
    uint64_t acc;              /* network rules: counter accumulated by the per-packet path */
    uint64_t last;             /* value at the end of the previous period */
    uint8_t engaged;
    uint8_t *apps;             /* category metrics of host rules: bitmap of application slots */
} ntc__rule;

typedef struct ntc__blacklist {
    uint8_t is_category;
    uint8_t severity;
    uint16_t id;
    uint32_t line;
} ntc__blacklist;

typedef struct ntc__ruleset {
    ntc__rule *rules;
    size_t nrules;
    ntc__blacklist *black;
    size_t nblack;
    unsigned nnet;             /* network rules */
    ntc__rule **net;           /* the network rules (nnet of them), filled when installed */
} ntc__ruleset;

/** Application names a rules file may use: built-in ones, and custom ones of a classifier. */
typedef struct ntc__rule_names {
    const char *(*app_name)(const void *u, uint16_t id); /* NULL: built-in names only */
    const void *u;
    uint16_t napps;            /* application slots (built-in + custom), see ntc__alert_app_slot */
} ntc__rule_names;

/** Most rules and blacklist entries in one file. */
#define NTC__RULES_MAX 4096

/** Parse a rules text of len bytes (need not be NUL-terminated) named fname in messages. On
 * success fills *out (free with ntc__ruleset_free) and returns 0. On errors returns NTC_EFORMAT
 * (or NTC_ENOMEM) and writes "FNAME:LINE: problem" lines, one per bad line, into err (as many as
 * fit, then "(N more errors)"); *out is then empty. */
int ntc__rules_parse(const char *text, size_t len, const char *fname, const ntc__rule_names *names,
                     ntc__ruleset *out, char *err, size_t errlen);
void ntc__ruleset_free(ntc__ruleset *rs);

/** Slot of an application id in a table of napps slots (custom ids after the built-in ones). */
uint16_t ntc__alert_app_slot(uint16_t id, uint16_t napps);

/* ---- sinks (sink.c) ---- */

typedef struct ntc__exec_child {
    pid_t pid;
    uint64_t deadline_us;      /* monotonic */
} ntc__exec_child;

typedef struct ntc__sinks {
    FILE *jsonl;
    char *jsonl_path;
    int syslog_fd;             /* -1: off */
    int syslog_unix;
    char *syslog_target;       /* unix path, or host:port text */
    int facility;
    char hostname[256];
    char *exec_cmd;
    ntc__exec_child *children;
    unsigned nchildren, max_children;
    uint64_t exec_timeout_us;
    int warned_syslog, warned_jsonl;
} ntc__sinks;

/** Check the text of "alert.syslog" (unix:PATH or udp:HOST:PORT); 0, or -1 with a reason. */
int ntc__alert_check_syslog(const char *text, char *why, size_t whylen);

/* ---- the engine-facing hooks ---- */

typedef struct ntc__alerts ntc__alerts;

/** Create the engine's alert state from its configuration (NULL, and 0, when alert.enable is
 * false). Reads alert.rules_file and opens the sinks; on failure returns a negative code with a
 * message naming the key or "FILE:LINE" in eng->errmsg. */
int ntc__alert_new(struct ntc_engine *eng);
/** Free it (waits up to alert.exec_timeout for running alert.exec commands). NULL is a no-op. */
void ntc__alert_free(ntc__alerts *a);
/** Memory the alert state holds now (tables, queue, engaged alerts). */
uint64_t ntc__alert_memory(const ntc__alerts *a);

/** A packet of flow f, direction dir (0 client to server), before it is accounted to the flow:
 * f still holds the state before this packet (f->pkts both 0 for a new flow). */
void ntc__alert_packet(struct ntc_engine *eng, struct ntc_flow *f, const ntc__pkt *p, int dir);
/** Flow f's application verdict is final (after the L7 accounting). */
void ntc__alert_verdict(struct ntc_engine *eng, struct ntc_flow *f);
/** A flow ends or reaches its active timeout: the retransmission-rate detector. */
void ntc__alert_flow_report(struct ntc_engine *eng, const struct ntc_flow *f);
/** Host h is being removed (purge, eviction, flush): threshold rules keep its last values, to
 * judge its delta at the end of the period. */
void ntc__alert_host_end(struct ntc_engine *eng, const struct ntc_host *h);
/** End of input (ntc_engine_flush), before the flows end: the flood and scan windows in
 * progress are judged now, so that an attack in the last seconds of a capture is reported. */
void ntc__alert_flush(struct ntc_engine *eng);
/** One-second tick at boundary_us (a whole second of the engine clock), after the expiry of
 * idle flows and the verdicts that were due, before the purge of idle hosts. `periods` has bit (1 << NTC_TICK_x) set for every period that ended. */
void ntc__alert_tick(struct ntc_engine *eng, uint64_t boundary_us, unsigned periods);

/* ---- shared by the files of lib/alert ---- */

typedef struct ntc__aent ntc__aent;
typedef struct ntc__engaged ntc__engaged;

typedef struct ntc__atab {
    ntc__aent **buckets;
    uint32_t mask;
    uint32_t count;
} ntc__atab;

typedef struct ntc__ratelimit {
    uint64_t key;
    uint64_t last_us;
    uint32_t suppressed;
    uint32_t pad;
} ntc__ratelimit;

struct ntc__alerts {
    struct ntc_engine *eng;
    uint64_t seed;
    ntc_alert *scratch;         /* the alert being built (NTC__ALERT_TEXT bytes of text) */
    uint64_t next_id;
    int delivering;             /* an alert is being delivered (scratch in use) */

    /* configuration */
    uint64_t repeat_us;
    uint32_t track_max;
    uint32_t flood_win_s, scan_win_s;
    uint32_t syn_thr, icmp_thr, port_scan_thr, host_scan_thr, reset_thr;
    int flow_risk, dangerous;
    uint32_t retrans_pct, retrans_min; /* retransmission-rate detector (0 %: off) */
    char *rules_path;

    /* rules */
    ntc__ruleset rs;
    uint16_t napps;             /* application slots */
    uint16_t dns_id;
    uint8_t *p2p_apps;          /* bitmap of P2P application slots */
    atomic_int reload_wanted;

    /* detector state (detect.c) */
    ntc__atab tab;              /* host, host pair and threshold entries */
    uint32_t nentries;          /* entries allocated (<= track_max) */
    ntc__list hosts, pairs;     /* entries of each kind */
    ntc__list thr[6];           /* threshold entries by period (index ntc_tick) */
    uint64_t fwin, swin;        /* current flood / scan window index */
    uint64_t *seen;             /* scan window: fingerprints of (scanner, target[, port]) seen */
    uint32_t seen_mask, seen_count;
    uint32_t pass;              /* threshold evaluation pass */
    uint64_t period_start_us[6];/* start of the current period, by ntc_tick */

    /* engaged episodes */
    ntc__engaged **engaged_buckets;
    uint32_t engaged_mask;
    ntc__list engaged_list;
    uint64_t nengaged;

    /* rate limit (direct-mapped) */
    ntc__ratelimit *rl;
    uint32_t rl_mask;

    /* pull queue (any thread) */
    pthread_mutex_t qlock;
    ntc_alert **queue;
    uint32_t qmax, qhead, qcount;
    uint64_t queue_dropped;

    int quiet;                  /* being freed: log nothing */
    ntc__sinks sinks;
    char *jbuf;                 /* JSON text of the alert being delivered */
    size_t jcap;
    ntc__engaged *releasing;    /* episode whose release is being built */
    ntc_alert_stats st;
    uint64_t mem;               /* bytes of entries, engaged copies and arrays */
};

/* alert.c */
/** Start building an alert in a->scratch. */
ntc_alert *ntc__ab_begin(ntc__alerts *a, int type, int severity, int entity, int state,
                         uint64_t time_us);
void ntc__ab_entity(ntc_alert *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ntc__ab_desc(ntc_alert *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ntc__ab_int(ntc_alert *b, const char *key, int64_t v);
void ntc__ab_str(ntc_alert *b, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Rate limit of one-off alerts, asked before building one: 1 when an alert with this key
 * (0: never held back) at time_us may be delivered (*suppressed: how many were held back since
 * the last one), 0 when it is held back (counted). */
int ntc__alert_admit(ntc__alerts *a, uint64_t key, uint64_t time_us, uint32_t *suppressed);
/** Deliver the built alert (after ntc__alert_admit()). */
void ntc__alert_deliver(ntc__alerts *a, ntc_alert *b);
/** Engage the episode `key` with the built alert (delivered unless rate limited; kept either way
 * until released). Returns 1 when delivered. */
int ntc__alert_engage(ntc__alerts *a, uint64_t key, ntc_alert *b);
/** Release episode `key` at time_us: the engaged alert is delivered again as RELEASED with the
 * description and extra details the caller builds in the returned scratch alert, then
 * ntc__alert_release_done() delivers it. Returns NULL (and forgets the episode) when it was
 * suppressed, or unknown. */
ntc_alert *ntc__alert_release_begin(ntc__alerts *a, uint64_t key, uint64_t time_us);
void ntc__alert_release_done(ntc__alerts *a);
/** Is episode `key` engaged? */
int ntc__alert_is_engaged(ntc__alerts *a, uint64_t key);
/** Log through the engine's log callback. */
void ntc__alert_log(ntc__alerts *a, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* detect.c */
int ntc__detect_init(ntc__alerts *a);
/** Close the flood and scan windows that ended by boundary_us. */
void ntc__detect_tick(ntc__alerts *a, uint64_t boundary_us);
void ntc__detect_free(ntc__alerts *a);
/** Release every engaged episode of rule r (removed by a reload) at time_us. */
void ntc__detect_rule_gone(ntc__alerts *a, const ntc__rule *r, uint64_t time_us);
/** Threshold evaluation of the periods that ended (threshold.c). */
void ntc__thr_tick(ntc__alerts *a, uint64_t boundary_us, unsigned periods);
/** Per-packet accounting of network rules (threshold.c). */
void ntc__thr_packet(ntc__alerts *a, struct ntc_flow *f, const ntc__pkt *p, int is_new);
/** A flow's verdict: L7 metrics of network rules (threshold.c). */
void ntc__thr_verdict(ntc__alerts *a, struct ntc_flow *f);
/** Install a parsed rule set (keeps the state of equal rules). */
void ntc__thr_install(ntc__alerts *a, ntc__ruleset *rs, uint64_t now_us);

/** Entry table (detect.c): find the entry of (kind, rule key, x, y, vlan, ipv), or create it in
 * `list` when `create` is set. NULL when absent, or when alert.track_max is reached (counted in
 * track_full). */
enum { NTC__E_HOST = 1, NTC__E_PAIR = 2, NTC__E_THR = 3 };
struct ntc__aent {
    ntc__aent *hnext;
    ntc__lnode node;
    uint64_t hash;
    uint64_t rule;              /* threshold entries: rule key */
    uint8_t a[16], b[16];
    uint16_t vlan;
    uint8_t ipv, kind;
    uint8_t engaged;            /* bits: condition engaged */
    uint8_t gone;               /* threshold: 1 host removed, `final` to judge; 2 judged */
    uint8_t pad[2];
    uint32_t fwin, swin;        /* low 32 bits of the window the counters belong to */
    uint32_t c[8];              /* host: SYN sent/rcvd, ICMP sent/rcvd, hosts tried/connected,
                                   resets; pair: ports tried/connected */
    uint64_t last;              /* threshold: value at the previous period end */
    uint64_t final;             /* threshold: value when the host was removed */
    uint32_t pass;
};
ntc__aent *ntc__aent_get(ntc__alerts *a, ntc__list *list, int kind, uint64_t rule,
                         const uint8_t *x, const uint8_t *y, uint16_t vlan, int ipv, int create);
void ntc__aent_del(ntc__alerts *a, ntc__list *list, ntc__aent *e);
/** 64-bit key of an episode: its type and what it is about. */
uint64_t ntc__episode_key(const ntc__alerts *a, int type, uint64_t rule, const uint8_t *x,
                          const uint8_t *y, uint16_t vlan, int ipv);
/** Host entity id text: "ADDR" or "ADDR@VLAN". */
const char *ntc__host_id(int ipv, const uint8_t *addr, uint16_t vlan, char *buf, size_t len);

/* sink.c */
int ntc__sinks_open(ntc__sinks *s, const struct ntc_config *cfg, char *err, size_t errlen);
void ntc__sinks_close(ntc__sinks *s);
/** Write one delivered alert to every sink. */
void ntc__sinks_write(ntc__alerts *a, const ntc_alert *al);
/** Reap finished alert.exec commands, kill overdue ones. */
void ntc__sinks_reap(ntc__alerts *a, int wait_all);

#endif
