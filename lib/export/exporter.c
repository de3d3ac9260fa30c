/* The exporter: sinks chosen by URI, each on its own thread behind a bounded queue.
 *
 * The engine thread only appends record references to each sink's ring (a mutex held for a few
 * instructions); the sink thread takes batches, writes them, retries failures worth retrying
 * with a growing pause, and counts what it had to drop. See include/ntopcore/export.h. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export/export_int.h"
#include "ntopcore/error.h"
#include "util/util.h"

#define SCHEMES_MAX 16
#define DEFAULT_QUEUE 65536
#define DEFAULT_BATCH 1000
#define DEFAULT_FLUSH_MS 1000
#define RETRY_MIN_US 100000ULL
#define RETRY_MAX_US 2000000ULL
#define LOG_EVERY_US 5000000ULL

typedef struct scheme {
    char name[32];
    ntc_sink_ops ops;
    void *user;
} scheme;

typedef struct sink {
    struct ntc_exporter *x;
    ntc_sink_ops ops;
    void *state;
    char *uri;
    char label[64];       /* the URI without options, for messages */
    uint32_t kinds;
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t wake;  /* the sink thread waits on it */
    pthread_cond_t done;  /* flush waiters wait on it */
    ntc_record **q;
    size_t qcap, qhead, qlen;
    size_t batch;
    uint64_t flush_us;
    uint64_t oldest_us;   /* when the oldest queued record arrived (monotonic) */
    uint64_t flush_req, flush_done;
    int stop;
    int failing;          /* the last write failed */
    uint64_t last_log_us;
    ntc_sink_stats st;
    size_t inflight;
} sink;

struct ntc_exporter {
    scheme schemes[SCHEMES_MAX];
    size_t nschemes;
    sink **sinks;
    size_t nsinks;
    int closed;
    ntc_exporter_log_fn log;
    void *log_user;
    char errmsg[NTC__ERRMSG_LEN];
};

/* ---- URI options ---- */

static const char *uri_query(const char *uri)
{
    const char *q = strchr(uri, '?');
    return q ? q + 1 : NULL;
}

int ntc__uri_opt(const char *uri, const char *key, char *buf, size_t len)
{
    const char *p = uri_query(uri);
    size_t kl = strlen(key);
    while (p && *p) {
        const char *end = strchr(p, '&');
        if (!end)
            end = p + strlen(p);
        if ((size_t)(end - p) > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            size_t vl = (size_t)(end - p) - kl - 1;
            if (len) {
                size_t c = vl < len - 1 ? vl : len - 1;
                memcpy(buf, p + kl + 1, c);
                buf[c] = 0;
            }
            return 1;
        }
        p = *end ? end + 1 : end;
    }
    return 0;
}

int ntc__uri_opt_u64(const char *uri, const char *key, uint64_t min, uint64_t max, uint64_t *v,
                     char *err, size_t errlen)
{
    char b[32];
    if (!ntc__uri_opt(uri, key, b, sizeof(b)))
        return 0;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(b, &end, 10);
    if (errno || end == b || *end || b[0] == '-' || n < min || n > max) {
        ntc__fmt(err, errlen, "option %s=%s: want an integer from %" PRIu64 " to %" PRIu64, key, b,
                 min, max);
        return -1;
    }
    *v = n;
    return 0;
}

static const char *const common_opts[] = {"queue", "batch", "flush_ms", NULL};

static int in_list(const char *const *list, const char *k, size_t kl)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strlen(list[i]) == kl && strncmp(list[i], k, kl) == 0)
            return 1;
    return 0;
}

int ntc__uri_check_opts(const char *uri, const char *const *known, char *err, size_t errlen)
{
    const char *p = uri_query(uri);
    while (p && *p) {
        const char *end = strchr(p, '&');
        if (!end)
            end = p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(end - p));
        size_t kl = eq ? (size_t)(eq - p) : (size_t)(end - p);
        if (!eq || (!in_list(known, p, kl) && !in_list(common_opts, p, kl))) {
            ntc__fmt(err, errlen, "unknown or malformed option '%.*s' (options are KEY=VALUE)",
                     (int)(end - p), p);
            return -1;
        }
        p = *end ? end + 1 : end;
    }
    return 0;
}

int ntc__uri_body(const char *uri, char *buf, size_t len)
{
    const char *c = strchr(uri, ':');
    if (!c)
        return -1;
    c++;
    const char *q = strchr(c, '?');
    size_t n = q ? (size_t)(q - c) : strlen(c);
    if (n == 0 || n >= len)
        return -1;
    memcpy(buf, c, n);
    buf[n] = 0;
    return 0;
}

/* ---- logging ---- */

static void xlog(ntc_exporter *x, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void xlog(ntc_exporter *x, int level, const char *fmt, ...)
{
    if (!x->log)
        return;
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    x->log(x->log_user, level, msg);
}

/* ---- the sink thread ---- */

static void deadline_ts(struct timespec *ts, uint64_t wait_us)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    uint64_t ns = (uint64_t)ts->tv_nsec + (wait_us % 1000000) * 1000;
    ts->tv_sec += (time_t)(wait_us / 1000000 + ns / 1000000000);
    ts->tv_nsec = (long)(ns % 1000000000);
}

static void wait_us(sink *s, uint64_t us)
{
    struct timespec ts;
    deadline_ts(&ts, us);
    pthread_cond_timedwait(&s->wake, &s->mu, &ts);
}

/* Write one batch (the lock is held on entry and exit, released while writing). */
static void write_batch(sink *s, ntc_record **b, size_t n)
{
    ntc_exporter *x = s->x;
    uint64_t pause = RETRY_MIN_US;
    int failures = 0;
    char err[512];
    for (;;) {
        if (s->stop && s->failing) {
            /* Closing while the sink is failing: give up at once. */
            s->st.dropped_error += n;
            break;
        }
        pthread_mutex_unlock(&s->mu);
        err[0] = 0;
        int rc = s->ops.write(s->state, b, n, err, sizeof(err));
        uint64_t now = ntc__mono_us();
        pthread_mutex_lock(&s->mu);
        if (rc == 0) {
            s->st.written += n;
            s->st.batches++;
            if (s->failing) {
                s->st.reconnects++;
                s->failing = 0;
                pthread_mutex_unlock(&s->mu);
                xlog(x, 2, "%s: writing again (after %d failed attempt%s)", s->label, failures,
                     failures == 1 ? "" : "s");
                pthread_mutex_lock(&s->mu);
            }
            break;
        }
        s->st.errors++;
        failures++;
        int retry = rc == NTC_EIO;
        int say = !s->failing || now - s->last_log_us >= LOG_EVERY_US;
        if (say)
            s->last_log_us = now;
        s->failing = 1;
        if (!retry)
            s->st.dropped_error += n;
        if (say) {
            uint64_t queued = s->qlen;
            pthread_mutex_unlock(&s->mu);
            if (retry)
                xlog(x, 1, "%s: %s; retrying (%" PRIu64 " records queued)", s->label,
                     err[0] ? err : ntc_strerror(rc), queued);
            else
                xlog(x, 0, "%s: %s; %zu records dropped", s->label, err[0] ? err : ntc_strerror(rc),
                     n);
            pthread_mutex_lock(&s->mu);
        }
        if (!retry) {
            s->failing = 0; /* the sink itself works; this batch was refused */
            break;
        }
        uint64_t until = ntc__mono_us() + pause;
        while (!s->stop && ntc__mono_us() < until)
            wait_us(s, until - ntc__mono_us());
        pause = NTC__MIN(pause * 2, RETRY_MAX_US);
    }
    s->inflight = 0;
    pthread_mutex_unlock(&s->mu);
    for (size_t i = 0; i < n; i++)
        ntc_record_release(b[i]);
    pthread_mutex_lock(&s->mu);
}

static void *sink_main(void *arg)
{
    sink *s = arg;
    ntc_record **b = malloc(s->batch * sizeof(*b));
    uint64_t next_tick = ntc__mono_us() + 1000000;
    char err[512];
    pthread_mutex_lock(&s->mu);
    for (;;) {
        uint64_t now = ntc__mono_us();
        int want_flush = s->flush_req != s->flush_done;
        if (now >= next_tick && !s->stop) {
            /* Housekeeping first, so a sink kept busy by full batches still gets it. */
            next_tick = now + 1000000;
            if (s->ops.tick) {
                pthread_mutex_unlock(&s->mu);
                err[0] = 0;
                int rc = s->ops.tick(s->state, ntc__wall_us(), err, sizeof(err));
                if (rc)
                    xlog(s->x, 1, "%s: %s", s->label, err[0] ? err : ntc_strerror(rc));
                pthread_mutex_lock(&s->mu);
            }
            continue;
        }
        if (s->qlen && b &&
            (s->qlen >= s->batch || want_flush || s->stop || now - s->oldest_us >= s->flush_us)) {
            size_t n = NTC__MIN(s->qlen, s->batch);
            for (size_t i = 0; i < n; i++) {
                b[i] = s->q[s->qhead];
                s->qhead = (s->qhead + 1) % s->qcap;
            }
            s->qlen -= n;
            s->inflight = n;
            s->oldest_us = now;
            write_batch(s, b, n);
            continue;
        }
        if (s->qlen && !b) { /* no memory for a batch: drop rather than spin */
            s->st.dropped_error += s->qlen;
            while (s->qlen) {
                ntc_record_release(s->q[s->qhead]);
                s->qhead = (s->qhead + 1) % s->qcap;
                s->qlen--;
            }
            continue;
        }
        if (want_flush) {
            uint64_t target = s->flush_req;
            if (s->ops.flush) {
                pthread_mutex_unlock(&s->mu);
                err[0] = 0;
                int rc = s->ops.flush(s->state, err, sizeof(err));
                if (rc)
                    xlog(s->x, 1, "%s: flush: %s", s->label, err[0] ? err : ntc_strerror(rc));
                pthread_mutex_lock(&s->mu);
            }
            s->flush_done = target;
            pthread_cond_broadcast(&s->done);
            continue;
        }
        if (s->stop)
            break;
        uint64_t until = next_tick;
        if (s->qlen && s->oldest_us + s->flush_us < until)
            until = s->oldest_us + s->flush_us;
        wait_us(s, until > now ? until - now : 1);
    }
    pthread_mutex_unlock(&s->mu);
    free(b);
    return NULL;
}

/* ---- the exporter ---- */

static void register_builtin(ntc_exporter *x, const ntc_sink_ops *ops)
{
    ntc_exporter_register(x, ops, NULL);
}

NTC_EXPORT int ntc_exporter_new(ntc_exporter **out)
{
    if (!out)
        return NTC_EINVAL;
    ntc_exporter *x = calloc(1, sizeof(*x));
    *out = x;
    if (!x)
        return NTC_ENOMEM;
    register_builtin(x, &ntc__sink_jsonl);
    register_builtin(x, &ntc__sink_csv);
    register_builtin(x, &ntc__sink_sqlite);
    register_builtin(x, &ntc__sink_clickhouse);
    register_builtin(x, &ntc__sink_es);
    return 0;
}

NTC_EXPORT const char *ntc_exporter_errmsg(const ntc_exporter *x)
{
    return x ? x->errmsg : "";
}

NTC_EXPORT int ntc_exporter_set_log(ntc_exporter *x, ntc_exporter_log_fn fn, void *user)
{
    if (!x)
        return NTC_EINVAL;
    if (x->nsinks) {
        ntc__fmt(x->errmsg, sizeof(x->errmsg), "set the log callback before adding sinks");
        return NTC_ESTATE;
    }
    x->log = fn;
    x->log_user = user;
    return 0;
}

NTC_EXPORT int ntc_exporter_register(ntc_exporter *x, const ntc_sink_ops *ops, void *user)
{
    if (!x)
        return NTC_EINVAL;
    if (!ops || ops->version == 0 || ops->version > NTC_SINK_OPS_VERSION || !ops->scheme ||
        !ops->scheme[0] || strlen(ops->scheme) >= sizeof(x->schemes[0].name) ||
        strchr(ops->scheme, ':') || !ops->open || !ops->write || !ops->close) {
        ntc__fmt(x->errmsg, sizeof(x->errmsg),
                 "sink ops: need version 1..%d, a scheme (no ':', < 32 chars), open, write, close",
                 NTC_SINK_OPS_VERSION);
        return NTC_EINVAL;
    }
    scheme *sc = NULL;
    for (size_t i = 0; i < x->nschemes; i++)
        if (strcmp(x->schemes[i].name, ops->scheme) == 0)
            sc = &x->schemes[i];
    if (!sc) {
        if (x->nschemes == SCHEMES_MAX) {
            ntc__fmt(x->errmsg, sizeof(x->errmsg), "at most %d sink schemes", SCHEMES_MAX);
            return NTC_EFULL;
        }
        sc = &x->schemes[x->nschemes++];
    }
    snprintf(sc->name, sizeof(sc->name), "%s", ops->scheme);
    sc->ops = *ops;
    sc->ops.scheme = sc->name;
    sc->user = user;
    return 0;
}

static void sink_free(sink *s)
{
    if (!s)
        return;
    while (s->qlen) {
        ntc_record_release(s->q[s->qhead]);
        s->qhead = (s->qhead + 1) % s->qcap;
        s->qlen--;
    }
    free(s->q);
    free(s->uri);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->wake);
    pthread_cond_destroy(&s->done);
    free(s);
}

NTC_EXPORT int ntc_exporter_add(ntc_exporter *x, const char *uri)
{
    if (!x || !uri)
        return NTC_EINVAL;
    if (x->closed) {
        ntc__fmt(x->errmsg, sizeof(x->errmsg), "the exporter is closed");
        return NTC_ESTATE;
    }
    const char *colon = strchr(uri, ':');
    scheme *sc = NULL;
    for (size_t i = 0; colon && i < x->nschemes; i++)
        if (strlen(x->schemes[i].name) == (size_t)(colon - uri) &&
            strncmp(x->schemes[i].name, uri, (size_t)(colon - uri)) == 0)
            sc = &x->schemes[i];
    if (!sc) {
        char known[256] = "";
        for (size_t i = 0; i < x->nschemes; i++)
            snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s:", i ? ", " : "",
                     x->schemes[i].name);
        ntc__fmt(x->errmsg, sizeof(x->errmsg), "%s: %s (outputs: %s)", uri,
                 colon ? "unknown output scheme" : "not an output URI", known);
        return colon ? NTC_ENOTSUP : NTC_EINVAL;
    }
    uint64_t queue = DEFAULT_QUEUE, flush_ms = DEFAULT_FLUSH_MS;
    uint64_t batch = sc->ops.default_batch ? sc->ops.default_batch : DEFAULT_BATCH;
    char err[512] = "";
    if (ntc__uri_opt_u64(uri, "queue", 1, 10000000, &queue, err, sizeof(err)) ||
        ntc__uri_opt_u64(uri, "batch", 1, 100000, &batch, err, sizeof(err)) ||
        ntc__uri_opt_u64(uri, "flush_ms", 1, 3600000, &flush_ms, err, sizeof(err))) {
        ntc__fmt(x->errmsg, sizeof(x->errmsg), "%.*s: %s", (int)strcspn(uri, "?"), uri, err);
        return NTC_EINVAL;
    }
    sink **grown = realloc(x->sinks, (x->nsinks + 1) * sizeof(*grown));
    if (!grown)
        return NTC_ENOMEM;
    x->sinks = grown;
    sink *s = calloc(1, sizeof(*s));
    if (!s)
        return NTC_ENOMEM;
    s->x = x;
    s->ops = sc->ops;
    s->kinds = sc->ops.kinds;
    s->qcap = queue;
    s->batch = NTC__MIN(batch, queue);
    s->flush_us = flush_ms * 1000;
    s->st.size = sizeof(s->st);
    s->uri = strdup(uri);
    s->q = calloc(s->qcap, sizeof(*s->q));
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &ca);
    pthread_cond_init(&s->done, &ca);
    pthread_condattr_destroy(&ca);
    if (!s->uri || !s->q) {
        sink_free(s);
        return NTC_ENOMEM;
    }
    const char *q = strchr(uri, '?');
    snprintf(s->label, sizeof(s->label), "%.*s", (int)(q ? (size_t)(q - uri) : strlen(uri)), uri);
    int rc = sc->ops.open(&s->state, uri, sc->user, err, sizeof(err));
    if (rc) {
        ntc__fmt(x->errmsg, sizeof(x->errmsg), "%s: %s", s->label, err[0] ? err : ntc_strerror(rc));
        sink_free(s);
        return rc > 0 ? NTC_EIO : rc;
    }
    if (pthread_create(&s->thread, NULL, sink_main, s) != 0) {
        s->ops.close(s->state);
        sink_free(s);
        ntc__fmt(x->errmsg, sizeof(x->errmsg), "%s: cannot start the sink thread", s->label);
        return NTC_ENOMEM;
    }
    s->started = 1;
    x->sinks[x->nsinks] = s;
    return (int)x->nsinks++;
}

NTC_EXPORT size_t ntc_exporter_sink_count(const ntc_exporter *x)
{
    return x ? x->nsinks : 0;
}

NTC_EXPORT const char *ntc_exporter_sink_uri(const ntc_exporter *x, size_t i)
{
    return x && i < x->nsinks ? x->sinks[i]->uri : NULL;
}

NTC_EXPORT int ntc_exporter_push(ntc_exporter *x, ntc_record *rec)
{
    if (!x || !rec)
        return NTC_EINVAL;
    if (x->closed)
        return NTC_ESTATE;
    int full = 0;
    uint32_t bit = 1u << rec->kind;
    for (size_t i = 0; i < x->nsinks; i++) {
        sink *s = x->sinks[i];
        if (s->kinds && !(s->kinds & bit))
            continue;
        pthread_mutex_lock(&s->mu);
        s->st.offered++;
        if (s->qlen == s->qcap) {
            s->st.dropped_full++;
            full++;
        } else {
            s->q[(s->qhead + s->qlen) % s->qcap] = ntc_record_acquire(rec);
            if (s->qlen++ == 0)
                s->oldest_us = ntc__mono_us();
            if (s->qlen == s->batch)
                pthread_cond_signal(&s->wake);
        }
        pthread_mutex_unlock(&s->mu);
    }
    return full;
}

static int push_new(ntc_exporter *x, int rc, ntc_record *r)
{
    if (rc)
        return rc; /* r was not made */
    rc = ntc_exporter_push(x, r);
    ntc_record_release(r);
    return rc;
}

NTC_EXPORT int ntc_exporter_flow(ntc_exporter *x, const ntc_flow *flow)
{
    if (!x)
        return NTC_EINVAL;
    ntc_record *r = NULL;
    int rc = ntc_record_from_flow(flow, &r);
    return push_new(x, rc, r);
}

NTC_EXPORT int ntc_exporter_host(ntc_exporter *x, const ntc_host *host)
{
    if (!x)
        return NTC_EINVAL;
    ntc_record *r = NULL;
    int rc = ntc_record_from_host(host, &r);
    return push_new(x, rc, r);
}

NTC_EXPORT int ntc_exporter_app(ntc_exporter *x, int kind, const ntc_app_stats *st, const char *name,
                                uint64_t total_bytes, uint64_t time_us)
{
    if (!x)
        return NTC_EINVAL;
    ntc_record *r = NULL;
    int rc = ntc_record_from_app(kind, st, name, total_bytes, time_us, &r);
    return push_new(x, rc, r);
}

NTC_EXPORT int ntc_exporter_flush(ntc_exporter *x, int timeout_ms)
{
    if (!x)
        return NTC_EINVAL;
    if (x->closed)
        return 0;
    uint64_t *target = calloc(x->nsinks ? x->nsinks : 1, sizeof(*target));
    if (!target)
        return NTC_ENOMEM;
    for (size_t i = 0; i < x->nsinks; i++) {
        sink *s = x->sinks[i];
        pthread_mutex_lock(&s->mu);
        target[i] = ++s->flush_req;
        pthread_cond_signal(&s->wake);
        pthread_mutex_unlock(&s->mu);
    }
    struct timespec ts;
    deadline_ts(&ts, timeout_ms < 0 ? 0 : (uint64_t)timeout_ms * 1000);
    int rc = 0;
    for (size_t i = 0; i < x->nsinks; i++) {
        sink *s = x->sinks[i];
        pthread_mutex_lock(&s->mu);
        while (s->flush_done < target[i]) {
            if (timeout_ms < 0) {
                pthread_cond_wait(&s->done, &s->mu);
            } else if (pthread_cond_timedwait(&s->done, &s->mu, &ts) == ETIMEDOUT) {
                ntc__fmt(x->errmsg, sizeof(x->errmsg), "%s: not flushed in %d ms (%zu records queued)",
                         s->label, timeout_ms, s->qlen + s->inflight);
                rc = NTC_EIO;
                break;
            }
        }
        pthread_mutex_unlock(&s->mu);
    }
    free(target);
    return rc;
}

NTC_EXPORT int ntc_exporter_close(ntc_exporter *x, int timeout_ms)
{
    if (!x)
        return NTC_EINVAL;
    if (x->closed)
        return 0;
    ntc_exporter_flush(x, timeout_ms);
    x->closed = 1;
    int rc = 0;
    for (size_t i = 0; i < x->nsinks; i++) {
        sink *s = x->sinks[i];
        pthread_mutex_lock(&s->mu);
        s->stop = 1;
        pthread_cond_signal(&s->wake);
        pthread_mutex_unlock(&s->mu);
    }
    for (size_t i = 0; i < x->nsinks; i++) {
        sink *s = x->sinks[i];
        if (s->started)
            pthread_join(s->thread, NULL);
        s->started = 0;
        s->ops.close(s->state);
        s->state = NULL;
        /* Nothing is left unless the thread could not get a batch buffer. */
        s->st.dropped_error += s->qlen;
        if (s->st.dropped_error || s->st.dropped_full)
            rc = NTC_EIO;
    }
    return rc;
}

NTC_EXPORT void ntc_exporter_free(ntc_exporter *x)
{
    if (!x)
        return;
    ntc_exporter_close(x, 5000);
    for (size_t i = 0; i < x->nsinks; i++)
        sink_free(x->sinks[i]);
    free(x->sinks);
    free(x);
}

NTC_EXPORT int ntc_exporter_get_stats(const ntc_exporter *x, size_t i, ntc_sink_stats *out)
{
    if (!x || !out || i >= x->nsinks || out->size < sizeof(size_t))
        return NTC_EINVAL;
    sink *s = x->sinks[i];
    pthread_mutex_lock(&s->mu);
    ntc_sink_stats st = s->st;
    st.queued = s->qlen + s->inflight;
    pthread_mutex_unlock(&s->mu);
    size_t n = NTC__MIN(out->size, sizeof(st));
    st.size = out->size;
    memcpy(out, &st, n);
    return 0;
}
