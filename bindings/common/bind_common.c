/* Records as JSON text and sliced runs, shared by the Lua and Python bindings (bind_common.h). */
#include "bind_common.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void ntcb_buf_free(ntcb_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

void ntcb_buf_clear(ntcb_buf *b)
{
    b->len = 0;
    b->oom = 0;
    if (b->p)
        b->p[0] = 0;
}

int ntcb_buf_reserve(ntcb_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            b->oom = 1;
            return -1;
        }
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

int ntcb_buf_put(ntcb_buf *b, const char *s, size_t n)
{
    if (ntcb_buf_reserve(b, n))
        return -1;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
    return 0;
}

static int buf_printf(ntcb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int buf_printf(ntcb_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->cap > b->len ? b->cap - b->len : 0;
    int n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n >= room) {
        if (ntcb_buf_reserve(b, (size_t)n))
            return -1;
        va_start(ap, fmt);
        vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
    return 0;
}

/* Append what a snprintf-style formatter of the library writes, growing the buffer once if the
 * first try did not fit. */
typedef int (*fmt_fn)(const void *obj, char *buf, size_t size);

static int put_formatted(ntcb_buf *b, fmt_fn fn, const void *obj)
{
    if (ntcb_buf_reserve(b, 1024))
        return -1;
    int n = fn(obj, b->p + b->len, b->cap - b->len);
    if (n < 0)
        return -1;
    if ((size_t)n >= b->cap - b->len) {
        if (ntcb_buf_reserve(b, (size_t)n))
            return -1;
        n = fn(obj, b->p + b->len, b->cap - b->len);
        if (n < 0 || (size_t)n >= b->cap - b->len)
            return -1;
    }
    b->len += (size_t)n;
    return 0;
}

static int fmt_flow(const void *obj, char *buf, size_t size)
{
    return ntc_flow_format_json(obj, 0, buf, size);
}

static int fmt_host(const void *obj, char *buf, size_t size)
{
    return ntc_host_format_json(obj, 0, buf, size);
}

int ntcb_flow_json(ntcb_buf *b, const ntc_flow *f)
{
    return put_formatted(b, fmt_flow, f);
}

int ntcb_host_json(ntcb_buf *b, const ntc_host *h)
{
    return put_formatted(b, fmt_host, h);
}

static int fmt_alert(const void *obj, char *buf, size_t size)
{
    return ntc_alert_format_json(obj, buf, size);
}

int ntcb_alert_json(ntcb_buf *b, const ntc_alert *a)
{
    return put_formatted(b, fmt_alert, a);
}

/* ---- interface counters ---- */

#define U64(m) {#m, offsetof(ntc_iface_stats, m), 0}
#define DBL(m) {#m, offsetof(ntc_iface_stats, m), 1}

static const struct stat_field {
    const char *name;
    size_t off;
    int is_double;
} stat_fields[] = {
    U64(packets), U64(bytes), U64(ip_packets), U64(ip_bytes), U64(nonip_packets),
    U64(nonip_bytes), U64(ipv4_packets), U64(ipv6_packets), U64(tcp_packets), U64(tcp_bytes),
    U64(udp_packets), U64(udp_bytes), U64(icmp_packets), U64(icmp_bytes),
    U64(other_l4_packets), U64(other_l4_bytes), U64(fragments), U64(tunnelled_packets),
    U64(vlan_packets), U64(mpls_packets), U64(pppoe_packets), U64(decode_errors_total),
    /* decode_errors[]: written as an object after these */
    U64(kernel_received), U64(kernel_dropped), U64(ifdrops), U64(flows_active), U64(flows_total),
    U64(flows_expired), U64(flows_evicted), U64(hosts_active), U64(hosts_local), U64(hosts_total),
    U64(hosts_purged), U64(hosts_evicted), U64(hosts_not_created), DBL(bps), DBL(pps),
    DBL(peak_bps), DBL(peak_pps), U64(first_us), U64(last_us), U64(uptime_us), U64(flow_bytes),
    U64(host_bytes), U64(memory_bytes), U64(flows_inspecting), U64(dpi_state_bytes),
    U64(clock_resyncs), U64(tcp_retransmissions), U64(tcp_out_of_order), U64(tcp_lost_segments),
    U64(tcp_zero_windows), U64(tcp_keepalives), U64(flows_collected), U64(collect_messages),
    U64(collect_errors), U64(collect_lost), U64(collect_no_template), U64(collect_refused),
};

/* A member appended to ntc_iface_stats must be added to the table above (and this check moved to
 * the new last member). */
_Static_assert(offsetof(ntc_iface_stats, collect_refused) + sizeof(uint64_t) == sizeof(ntc_iface_stats),
               "ntc_iface_stats grew: add the new members to stat_fields[] in bind_common.c");

int ntcb_stats_json(ntcb_buf *b, const ntc_iface_stats *st)
{
    const char *base = (const char *)st;
    int rc = ntcb_buf_put(b, "{", 1);
    for (size_t i = 0; i < sizeof(stat_fields) / sizeof(stat_fields[0]) && !rc; i++) {
        const struct stat_field *f = &stat_fields[i];
        const char *sep = i ? "," : "";
        if (f->is_double) {
            /* Always with a decimal point, so that the value is a float in every language. */
            double v;
            memcpy(&v, base + f->off, sizeof(v));
            char num[40];
            snprintf(num, sizeof(num), "%.17g", isfinite(v) ? v : 0.0);
            rc = buf_printf(b, "%s\"%s\":%s%s", sep, f->name, num,
                            strpbrk(num, ".e") ? "" : ".0");
        } else {
            uint64_t v;
            memcpy(&v, base + f->off, sizeof(v));
            rc = buf_printf(b, "%s\"%s\":%" PRIu64, sep, f->name, v);
        }
    }
    if (!rc)
        rc = buf_printf(b, ",\"decode_errors\":{");
    for (int i = 0; i < NTC_DECODE_ERROR_COUNT && !rc; i++)
        rc = buf_printf(b, "%s\"%s\":%" PRIu64, i ? "," : "", ntc_decode_error_name(i),
                        st->decode_errors[i]);
    if (!rc)
        rc = ntcb_buf_put(b, "}}", 2);
    return rc;
}

int ntcb_engine_stats_json(ntcb_buf *b, const ntc_engine *eng)
{
    ntc_iface_stats st = {.size = sizeof(st)};
    int rc = ntc_engine_get_iface_stats(eng, &st);
    if (rc)
        return rc;
    return ntcb_stats_json(b, &st) ? NTC_ENOMEM : 0;
}

static int put_json_string(ntcb_buf *b, const char *s)
{
    int n = ntc_json_string(s, NULL, 0);
    if (n < 0 || ntcb_buf_reserve(b, (size_t)n))
        return -1;
    ntc_json_string(s, b->p + b->len, b->cap - b->len);
    b->len += (size_t)n;
    return 0;
}

int ntcb_app_json(ntcb_buf *b, const ntc_engine *eng, const ntc_app_stats *st, int categories)
{
    const char *name = categories ? ntc_l7_category_name(st->id) : ntc_engine_app_name(eng, st->id);
    char idbuf[16];
    if (!name) {
        snprintf(idbuf, sizeof(idbuf), "%u", st->id);
        name = idbuf;
    }
    if (buf_printf(b, "{\"%s\":%u,\"%s\":", categories ? "L7_PROTO_CATEGORY_ID" : "L7_PROTO", st->id,
                   categories ? "L7_PROTO_CATEGORY" : "L7_PROTO_NAME") ||
        put_json_string(b, name))
        return -1;
    return buf_printf(b,
                      ",\"FLOWS\":%" PRIu64 ",\"IN_PKTS\":%" PRIu64 ",\"IN_BYTES\":%" PRIu64
                      ",\"OUT_PKTS\":%" PRIu64 ",\"OUT_BYTES\":%" PRIu64 "}",
                      st->flows, st->cli2srv_packets, st->cli2srv_bytes, st->srv2cli_packets,
                      st->srv2cli_bytes);
}

/* ---- arrays of what the engine holds ---- */

typedef struct walk_ctx {
    ntcb_buf *b;
    const ntc_engine *eng;
    int categories;
    size_t n;
    int failed;
} walk_ctx;

static int sep(walk_ctx *w)
{
    if (w->n++ && ntcb_buf_put(w->b, ",", 1))
        w->failed = 1;
    return w->failed;
}

static int walk_flow(void *u, const ntc_flow *f)
{
    walk_ctx *w = u;
    if (sep(w) || ntcb_flow_json(w->b, f))
        w->failed = 1;
    return w->failed;
}

static int walk_host(void *u, const ntc_host *h)
{
    walk_ctx *w = u;
    if (sep(w) || ntcb_host_json(w->b, h))
        w->failed = 1;
    return w->failed;
}

static int walk_app(void *u, const ntc_app_stats *st)
{
    walk_ctx *w = u;
    if (sep(w) || ntcb_app_json(w->b, w->eng, st, w->categories))
        w->failed = 1;
    return w->failed;
}

static int walk_alert(void *u, const ntc_alert *a)
{
    walk_ctx *w = u;
    if (sep(w) || ntcb_alert_json(w->b, a))
        w->failed = 1;
    return w->failed;
}

static int close_array(walk_ctx *w, int rc)
{
    if (rc)
        return rc;
    if (w->failed || ntcb_buf_put(w->b, "]", 1))
        return NTC_ENOMEM;
    return 0;
}

int ntcb_active_flows_json(ntcb_buf *b, ntc_engine *eng)
{
    walk_ctx w = {b, eng, 0, 0, 0};
    if (ntcb_buf_put(b, "[", 1))
        return NTC_ENOMEM;
    return close_array(&w, ntc_engine_foreach_flow(eng, walk_flow, &w));
}

int ntcb_hosts_json(ntcb_buf *b, ntc_engine *eng)
{
    walk_ctx w = {b, eng, 0, 0, 0};
    if (ntcb_buf_put(b, "[", 1))
        return NTC_ENOMEM;
    return close_array(&w, ntc_engine_foreach_host(eng, walk_host, &w));
}

int ntcb_engaged_alerts_json(ntcb_buf *b, ntc_engine *eng)
{
    walk_ctx w = {b, eng, 0, 0, 0};
    if (ntcb_buf_put(b, "[", 1))
        return NTC_ENOMEM;
    return close_array(&w, ntc_engine_foreach_engaged_alert(eng, walk_alert, &w));
}

int ntcb_apps_json(ntcb_buf *b, ntc_engine *eng, int categories)
{
    walk_ctx w = {b, eng, categories != 0, 0, 0};
    if (ntcb_buf_put(b, "[", 1))
        return NTC_ENOMEM;
    return close_array(&w, ntc_engine_foreach_app(eng, categories != 0, walk_app, &w));
}

/* ---- collector of ended flows ---- */

void ntcb_collector_init(ntcb_collector *c, ntc_engine *eng, size_t batch)
{
    memset(c, 0, sizeof(*c));
    c->eng = eng;
    c->batch = batch ? batch : 1;
}

void ntcb_collector_free(ntcb_collector *c)
{
    ntcb_buf_free(&c->text);
    free(c->reasons);
    memset(c, 0, sizeof(*c));
}

void ntcb_collector_add(ntcb_collector *c, const ntc_flow *f, ntc_flow_end_reason why)
{
    if (c->count == c->reasons_cap) {
        size_t cap = c->reasons_cap ? c->reasons_cap * 2 : 256;
        uint8_t *r = realloc(c->reasons, cap);
        if (!r) {
            c->oom = 1;
            return;
        }
        c->reasons = r;
        c->reasons_cap = cap;
    }
    size_t mark = c->text.len;
    if (ntcb_buf_put(&c->text, c->count ? "," : "[", 1) || ntcb_flow_json(&c->text, f)) {
        c->text.len = mark; /* drop the partial record */
        if (c->text.p)
            c->text.p[mark] = 0;
        c->oom = 1;
        return;
    }
    c->reasons[c->count++] = (uint8_t)why;
    if (c->running && c->count >= c->batch)
        ntc_engine_stop(c->eng); /* ntcb_run() returns after this poll; the caller empties us */
}

const char *ntcb_collector_text(ntcb_collector *c, size_t *len)
{
    if (c->count == 0) {
        *len = 2;
        return "[]";
    }
    /* Close the array without keeping the bracket: the next add replaces the terminator. */
    if (ntcb_buf_reserve(&c->text, 1)) {
        *len = 2;
        return "[]";
    }
    c->text.p[c->text.len] = ']';
    c->text.p[c->text.len + 1] = 0;
    *len = c->text.len + 1;
    return c->text.p;
}

void ntcb_collector_clear(ntcb_collector *c)
{
    ntcb_buf_clear(&c->text);
    c->count = 0;
    /* Give back the memory of an unusually large batch (an end-of-input flush). */
    if (c->text.cap > ((size_t)1 << 22)) {
        ntcb_buf_free(&c->text);
    }
}

/* ---- sliced runs ---- */

void ntcb_runner_init(ntcb_runner *r, ntc_engine *eng, ntcb_collector *col)
{
    r->eng = eng;
    r->col = col;
    r->live = 0;
    r->step = 16;
    r->errmsg[0] = 0;
    atomic_init(&r->stop, 0);
}

void ntcb_stop(ntcb_runner *r)
{
    atomic_store(&r->stop, 1);
    ntc_engine_stop(r->eng);
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t packets_now(ntc_engine *eng)
{
    ntc_iface_stats st = {.size = offsetof(ntc_iface_stats, bytes)};
    ntc_engine_get_iface_stats(eng, &st);
    return st.packets;
}

int ntcb_run(ntcb_runner *r, uint64_t max_packets, unsigned max_ms, uint64_t *packets, int *err)
{
    ntc_engine *eng = r->eng;
    uint64_t start = packets_now(eng), done = 0;
    uint64_t t0 = max_ms ? mono_ms() : 0;
    int finished = 0;
    if (r->col)
        r->col->running = 1;
    while (!atomic_load(&r->stop)) {
        if (r->col && r->col->count >= r->col->batch)
            break;
        if (ntc_engine_source_count(eng) == 0) {
            finished = 1;
            break;
        }
        int rc;
        if (r->live) {
            /* Never block: wait at most 100 ms for packets, then look at the limits again. */
            rc = ntc_engine_poll(eng, 100);
            if (rc == NTC_EOF) {
                finished = 1;
                break;
            }
        } else {
            /* Files: slices of at most 512 packets (exact with max_packets), so that a stop
             * asked by a callback takes effect soon. A paced replay (capture.replay_speed)
             * sleeps inside, at most 100 ms at a time: with max_ms the calls start small and
             * grow to 512 while they are fast, or shrink until one takes at most a quarter of
             * max_ms, so that a paced replay hands flows out about every max_ms. */
            uint64_t step = max_ms && r->step ? r->step : NTCB_FILE_STEP;
            if (max_packets && max_packets - done < step)
                step = max_packets - done;
            uint64_t s0 = max_ms ? mono_ms() : 0;
            rc = ntc_engine_run(eng, step);
            if (max_ms) {
                uint64_t took = mono_ms() - s0;
                if (took * 4 > max_ms && r->step > 1)
                    r->step = r->step / 4 ? r->step / 4 : 1;
                else if (took * 16 < max_ms && r->step < NTCB_FILE_STEP)
                    r->step *= 2;
            }
        }
        if (rc < 0 && err && !*err) {
            *err = rc;
            snprintf(r->errmsg, sizeof(r->errmsg), "%s", ntc_engine_errmsg(eng));
        }
        done = packets_now(eng) - start;
        if (max_packets && done >= max_packets)
            break;
        if (max_ms && mono_ms() - t0 >= max_ms)
            break;
    }
    if (!finished && ntc_engine_source_count(eng) == 0)
        finished = 1;
    if (r->col)
        r->col->running = 0;
    atomic_store(&r->stop, 0);
    if (packets)
        *packets = done;
    return finished;
}

/* ---- decoding the library's JSON ---- */

static int hex4(const char *s, size_t n, unsigned *out)
{
    if (n < 4)
        return -1;
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        int h = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (h < 0)
            return -1;
        v = v << 4 | (unsigned)h;
    }
    *out = v;
    return 0;
}

size_t ntcb_json_u_escape(const char *s, size_t n, unsigned *cp)
{
    if (hex4(s, n, cp))
        return 0;
    unsigned lo;
    if (*cp >= 0xD800 && *cp <= 0xDBFF && n >= 10 && s[4] == '\\' && s[5] == 'u' &&
        hex4(s + 6, n - 6, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
        *cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
        return 10;
    }
    return 4;
}

size_t ntcb_utf8(unsigned cp, char u[4])
{
    if (cp < 0x80) {
        u[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12);
        u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    u[0] = (char)(0xF0 | cp >> 18);
    u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}
