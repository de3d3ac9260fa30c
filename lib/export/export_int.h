/* Private: records, the field registry, text buffers and the sink tables of lib/export. */
#ifndef NTC_LIB_EXPORT_INT_H
#define NTC_LIB_EXPORT_INT_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ntopcore/alert.h"
#include "ntopcore/export.h"
#include "ntopcore/flow.h"
#include "ntopcore/host.h"
#include "ntopcore/l7.h"

/* ---- text buffer: snprintf-style (bounded, counts what it could not write) or growing ---- */

typedef struct ntc__sbuf {
    char *buf;
    size_t cap, len;
    int grow;     /* 1: realloc when full (buf is heap memory or `stack`) */
    int oom;      /* a growth failed: the text is incomplete */
    char *stack;  /* initial caller memory when growing: never freed */
} ntc__sbuf;

/* Bounded buffer over caller memory (buf may be NULL with cap 0: only counts). */
static inline ntc__sbuf ntc__sbuf_fixed(char *buf, size_t cap)
{
    ntc__sbuf s = {buf, cap, 0, 0, 0, NULL};
    return s;
}
/* Growing buffer starting in caller memory (may be NULL/0). Free with ntc__sbuf_free. */
static inline ntc__sbuf ntc__sbuf_growing(char *stack, size_t cap)
{
    ntc__sbuf s = {stack, cap, 0, 1, 0, stack};
    return s;
}
void ntc__sbuf_free(ntc__sbuf *s);
void ntc__sbuf_put(ntc__sbuf *s, const char *p, size_t n);
void ntc__sbuf_printf(ntc__sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An unsigned integer in decimal (what "%" PRIu64 prints, without printf). */
void ntc__sbuf_u64(ntc__sbuf *s, uint64_t v);
/* A double with `decimals` digits after the point: exactly what printf("%.*f") prints, faster
 * for the common case of a non-negative value below 2^40 / 10^decimals. */
void ntc__sbuf_fixed_point(ntc__sbuf *s, double v, unsigned decimals);
/* NUL-terminate what fits; returns the full length (bounded mode) as an int. */
int ntc__sbuf_finish(ntc__sbuf *s);
/* JSON string value (quoted; invalid UTF-8 bytes become U+FFFD, controls escaped). */
void ntc__json_str(ntc__sbuf *s, const char *p, size_t n);
/* Text as valid UTF-8: bytes outside valid sequences become U+FFFD (nothing is quoted). */
void ntc__utf8_clean(ntc__sbuf *s, const char *p, size_t n);

/* ---- records ---- */

/* Most fields a registry may have (a record stores a byte per field). */
#define NTC__FIELDS_MAX 250

typedef struct ntc__rval {
    uint64_t u;          /* number, or offset of the text in the string pool */
    uint32_t len;        /* text length (0 for numbers) */
} ntc__rval;

struct ntc_record {
    atomic_uint refs;
    uint8_t kind;
    uint8_t nvals;
    uint16_t nfields;
    uint64_t time_us;
    const uint8_t *slot; /* nfields entries: 0 absent, else 1 + index into vals */
    const ntc__rval *vals;
    const char *str;     /* string pool: each text NUL-terminated */
};

/* What a getter reads from. */
typedef struct ntc__rsrc {
    const ntc_flow *flow;
    ntc_flow_info fi;
    ntc_flow_l7 l7;
    ntc_flow_analytics fa;  /* fa.available 0 when flow.analytics is off */
    const ntc_host *host;
    ntc_host_info hi;
    const ntc_app_stats *app;
    const char *app_name;
    uint64_t total_bytes;
    uint64_t time_us;
    const ntc_alert *alert;
    ntc_alert_info ai;
} ntc__rsrc;

/* Where a getter writes: a number in `u` (a FLOAT's bits, see ntc__f2u), or text appended to `text` (set is_text). */
typedef struct ntc__rout {
    uint64_t u;
    ntc__sbuf *text;
} ntc__rout;

/* A registry entry: the public description plus how to read the value. get returns 1 when the
 * object has the field, 0 when not. `arg` is a member offset or a metadata key. */
typedef struct ntc__field_def {
    ntc_field pub;
    int (*get)(const struct ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o);
    size_t arg;
    uint8_t width;
} ntc__field_def;

const ntc__field_def *ntc__registry(int kind, size_t *count);

static inline uint64_t ntc__f2u(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof(u));
    return u;
}
static inline double ntc__u2f(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof(d));
    return d;
}

/* Field types that are text in a record. */
static inline int ntc__field_is_text(int type)
{
    return type == NTC_FIELD_STRING || type == NTC_FIELD_IPV4 || type == NTC_FIELD_IPV6 ||
           type == NTC_FIELD_JSON;
}

/* Text of present field i (NULL when absent or not text); its length in *len. */
static inline const char *ntc__rec_text(const ntc_record *r, size_t i, size_t *len)
{
    if (i >= r->nfields || !r->slot[i])
        return NULL;
    const ntc__rval *v = &r->vals[r->slot[i] - 1];
    if (len)
        *len = v->len;
    return r->str + v->u;
}

/* Format a record as JSON into s (no newline). */
void ntc__record_json(const ntc_record *r, unsigned flags, ntc__sbuf *s);

/* ---- sinks ---- */

extern const ntc_sink_ops ntc__sink_jsonl;
extern const ntc_sink_ops ntc__sink_csv;
extern const ntc_sink_ops ntc__sink_sqlite;      /* NULL open when built without SQLite */
extern const ntc_sink_ops ntc__sink_clickhouse;  /* ... without libcurl */
extern const ntc_sink_ops ntc__sink_es;

/* Options after '?' in a URI: copy the value of `key` into buf (returns 1), 0 when absent. */
int ntc__uri_opt(const char *uri, const char *key, char *buf, size_t len);
/* An unsigned option: 0 ok (default kept when absent), -1 when malformed or out of [min, max]. */
int ntc__uri_opt_u64(const char *uri, const char *key, uint64_t min, uint64_t max, uint64_t *v,
                     char *err, size_t errlen);
/* Each option key in the URI must be in `known` (NULL-terminated) or one the exporter takes
 * (queue, batch, flush_ms): -1 with a message naming the first unknown one. */
int ntc__uri_check_opts(const char *uri, const char *const *known, char *err, size_t errlen);
/* The part between "scheme:" and '?', into buf: -1 when it does not fit or is empty. */
int ntc__uri_body(const char *uri, char *buf, size_t len);

#endif
