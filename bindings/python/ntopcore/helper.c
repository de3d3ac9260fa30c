/* C side of the Python binding (helper.h). */
#include "helper.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bind_common.h"
#include "marshal_out.h"

/* A batch of ended flows handed to Python, encoded. */
enum { SLOT_FREE, SLOT_FILLING, SLOT_READY, SLOT_HELD };
#define NTCPY_SLOTS 4 /* one being filled, two ready, one held by Python */
#define READY_MAX 2
#define LOGQ_MAX 64   /* log lines of the read-ahead thread waiting for the caller's thread */

typedef struct ntcpy_logline {
    int level;
    char msg[512];
} ntcpy_logline;

typedef struct ntcpy_slot {
    ntcb_buf data;
    size_t count;
    int oom;
    int state;
} ntcpy_slot;

struct ntcpy {
    ntc_engine *eng;
    void *handle;
    int flags;
    int collect;
    int marshal;         /* ntcpy_set_format() */
    ntcb_collector col;  /* ended flows as JSON (format 0) */
    ntcpy_mbatch mb;     /* ended flows as marshal data (format 1) */
    int in_run;          /* inside ntcb_run(): a full batch makes it return */
    ntcb_runner run;
    ntcb_buf rec;        /* one record for a Python callback */
    ntcb_buf json;       /* ntcpy_json() */
    ntcb_buf mar;        /* ntcpy_to_marshal() */
    uint64_t packets, max_packets;
    int src_err;         /* first source error not yet taken (ntcpy_source_error) */
    char errmsg[600];    /* message of src_err */
    char errtaken[600];  /* message of the error ntcpy_source_error() returned */

    /* Iteration state, owned by whichever thread runs the engine (the caller, or the read-ahead
     * thread while it is busy). */
    int flushing;        /* the input has ended: the open flows are being ended a batch at a time */
    size_t batch;
    ntcpy_slot slots[NTCPY_SLOTS];
    /* Under mu: slot states, the queue of ready slots, and the thread's orders and state. */
    int ready[NTCPY_SLOTS];
    int rhead, rcount;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th;
    int th_up;           /* the thread exists */
    int run_req;         /* Python is iterating with read-ahead: fill free slots */
    int busy;            /* the thread is running the engine */
    int quit;
    int at_end;          /* every flow of the input is in a batch (written under mu) */
    /* The read-ahead thread never calls Python (it could be stopped for good inside, at
     * interpreter exit): its log lines wait here, under mu, for the caller's thread. */
    atomic_int in_thread; /* the read-ahead thread is running the engine */
    ntcpy_logline logq[LOGQ_MAX];
    int nlog;
    uint64_t log_dropped;
};

static void c_flow_end(void *u, const ntc_flow *f, ntc_flow_end_reason why)
{
    ntcpy *p = u;
    if (p->collect) {
        if (p->marshal) {
            ntc_record *r;
            if (ntc_record_from_flow(f, &r) == 0) {
                ntcpy_mbatch_add(&p->mb, r);
                ntc_record_release(r);
            } else {
                p->mb.oom = 1;
            }
            if (p->in_run && p->mb.count >= p->batch)
                ntcb_stop(&p->run); /* ntcb_run() returns after this poll */
        } else {
            ntcb_collector_add(&p->col, f, why);
        }
    }
    if (p->flags & NTCPY_CB_FLOW) {
        ntcb_buf_clear(&p->rec);
        if (ntcb_flow_json(&p->rec, f) == 0)
            _ntcpy_on_flow(p->handle, p->rec.p, p->rec.len, (int)why);
    }
}

static void c_host_end(void *u, const ntc_host *h)
{
    ntcpy *p = u;
    if (p->flags & NTCPY_CB_HOST) {
        ntcb_buf_clear(&p->rec);
        if (ntcb_host_json(&p->rec, h) == 0)
            _ntcpy_on_host(p->handle, p->rec.p, p->rec.len);
    }
}

static void c_alert(void *u, const ntc_alert *a)
{
    ntcpy *p = u;
    if (p->flags & NTCPY_CB_ALERT) {
        ntcb_buf_clear(&p->rec);
        if (ntcb_alert_json(&p->rec, a) == 0)
            _ntcpy_on_alert(p->handle, p->rec.p, p->rec.len);
    }
}

static void c_tick(void *u, ntc_tick t, uint64_t now_us)
{
    ntcpy *p = u;
    if (p->flags & NTCPY_CB_TICK)
        _ntcpy_on_tick(p->handle, (int)t, now_us);
}

static void c_log(void *u, ntc_log_level lvl, const char *msg)
{
    ntcpy *p = u;
    if (!(p->flags & NTCPY_CB_LOG))
        return;
    if (!atomic_load(&p->in_thread)) {
        _ntcpy_on_log(p->handle, (int)lvl, msg);
        return;
    }
    pthread_mutex_lock(&p->mu);
    if (p->nlog < LOGQ_MAX) {
        ntcpy_logline *l = &p->logq[p->nlog++];
        l->level = (int)lvl;
        snprintf(l->msg, sizeof(l->msg), "%s", msg);
    } else {
        p->log_dropped++;
    }
    pthread_mutex_unlock(&p->mu);
}

/* On the caller's thread, without mu: hand the read-ahead thread's log lines to Python. */
static void deliver_logs(ntcpy *p)
{
    ntcpy_logline lines[LOGQ_MAX];
    pthread_mutex_lock(&p->mu);
    int n = p->nlog;
    uint64_t dropped = p->log_dropped;
    memcpy(lines, p->logq, (size_t)n * sizeof(lines[0]));
    p->nlog = 0;
    p->log_dropped = 0;
    pthread_mutex_unlock(&p->mu);
    if (!(p->flags & NTCPY_CB_LOG))
        return;
    for (int i = 0; i < n; i++)
        _ntcpy_on_log(p->handle, lines[i].level, lines[i].msg);
    if (dropped) {
        char m[96];
        snprintf(m, sizeof(m), "%llu more log messages of the read-ahead dropped",
                 (unsigned long long)dropped);
        _ntcpy_on_log(p->handle, NTC_LOG_WARNING, m);
    }
}

/* The mutex and the condition (waits on the monotonic clock). 0, or -1. */
static int init_sync(ntcpy *p)
{
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca))
        return -1;
    int rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) || pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (rc)
        return -1;
    if (pthread_mutex_init(&p->mu, NULL)) {
        pthread_cond_destroy(&p->cv);
        return -1;
    }
    atomic_init(&p->in_thread, 0);
    return 0;
}

ntcpy *ntcpy_new(const ntc_config *cfg, void *handle, char *err, size_t errlen)
{
    ntcpy *p = calloc(1, sizeof(*p));
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ntc_engine *eng = NULL;
    int rc = ntc_engine_new(&eng, cfg);
    if (rc) {
        snprintf(err, errlen, "%s",
                 eng && ntc_engine_errmsg(eng)[0] ? ntc_engine_errmsg(eng) : ntc_strerror(rc));
        ntc_engine_free(eng);
        free(p);
        return NULL;
    }
    if (init_sync(p)) {
        snprintf(err, errlen, "cannot create a mutex");
        ntc_engine_free(eng);
        free(p);
        return NULL;
    }
    p->eng = eng;
    p->handle = handle;
    p->batch = 2048;
    ntcb_collector_init(&p->col, eng, p->batch);
    ntcpy_mbatch_init(&p->mb);
    ntcb_runner_init(&p->run, eng, &p->col);
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .flow_end = c_flow_end,
                        .host_end = c_host_end, .tick = c_tick, .log = c_log,
                        .alert = c_alert};
    ntc_engine_set_callbacks(eng, &cb, p);
    return p;
}

/* ---- the read-ahead thread ---- */

static int free_slot(ntcpy *p)
{
    for (int i = 0; i < NTCPY_SLOTS; i++)
        if (p->slots[i].state == SLOT_FREE)
            return i;
    return -1;
}

/* Read the sources for one slice of max_ms (or up to a batch of ended flows), collecting what
 * ends when `collect`. Returns 1 when every source has finished or the packet limit is reached. */
static int run_slice(ntcpy *p, uint64_t max_packets, unsigned max_ms, int collect,
                     uint64_t *packets)
{
    uint64_t limit = max_packets;
    *packets = 0;
    if (p->max_packets) {
        if (p->packets >= p->max_packets)
            return 1;
        uint64_t left = p->max_packets - p->packets;
        limit = limit && limit < left ? limit : left;
    }
    p->collect = collect;
    p->col.batch = p->batch;
    p->run.col = collect && !p->marshal ? &p->col : NULL;
    p->in_run = 1;
    int err = 0;
    int finished = ntcb_run(&p->run, limit, max_ms, packets, &err);
    p->in_run = 0;
    p->collect = 0;
    p->packets += *packets;
    if (err) {
        pthread_mutex_lock(&p->mu);
        if (!p->src_err) {
            p->src_err = err;
            snprintf(p->errmsg, sizeof(p->errmsg), "%s", p->run.errmsg);
        }
        pthread_mutex_unlock(&p->mu);
    }
    return finished || (p->max_packets && p->packets >= p->max_packets);
}

/* One step of the iteration on the thread that runs the engine: read a slice (or, once the input
 * has ended, end a batch of the open flows), and encode the flows that ended into slot s. */
static int produce(ntcpy *p, ntcpy_slot *sl, unsigned max_ms)
{
    int end = 0;
    if (!p->flushing) {
        uint64_t n;
        if (run_slice(p, 0, max_ms, 1, &n))
            p->flushing = 1;
    }
    if (p->flushing) {
        p->collect = 1;
        int left = ntc_engine_flush_some(p->eng, p->batch);
        p->collect = 0;
        if (left <= 0) {
            p->flushing = 0;
            end = 1;
        }
    }
    if (p->marshal) {
        /* The batch's buffer becomes the slot's; the slot's old one is reused for the next. */
        sl->count = p->mb.count;
        sl->oom = p->mb.oom;
        ntcb_buf t = sl->data;
        sl->data = p->mb.out;
        p->mb.out = t;
        ntcpy_mbatch_clear(&p->mb);
        return end;
    }
    ntcb_buf_clear(&sl->data);
    sl->count = p->col.count;
    sl->oom = p->col.oom;
    if (p->col.count && !p->col.oom) {
        size_t len;
        const char *text = ntcb_collector_text(&p->col, &len);
        sl->oom = ntcb_buf_put(&sl->data, text, len) != 0;
    }
    ntcb_collector_clear(&p->col);
    p->col.oom = 0;
    return end;
}

/* Under mu: a produced slot joins the queue, or is free again when it holds nothing. */
static void slot_done(ntcpy *p, int s, int end)
{
    ntcpy_slot *sl = &p->slots[s];
    if (end)
        p->at_end = 1;
    if (sl->count || sl->oom) {
        sl->state = SLOT_READY;
        p->ready[(p->rhead + p->rcount) % NTCPY_SLOTS] = s;
        p->rcount++;
    } else {
        sl->state = SLOT_FREE;
    }
}

static void *readahead_main(void *arg)
{
    ntcpy *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        int s = -1;
        while (!p->quit &&
               !(p->run_req && !p->at_end && p->rcount < READY_MAX && (s = free_slot(p)) >= 0)) {
            p->busy = 0;
            pthread_cond_broadcast(&p->cv);
            pthread_cond_wait(&p->cv, &p->mu);
        }
        if (p->quit)
            break;
        p->busy = 1;
        p->slots[s].state = SLOT_FILLING;
        pthread_mutex_unlock(&p->mu);
        atomic_store(&p->in_thread, 1);
        int end = produce(p, &p->slots[s], 200);
        atomic_store(&p->in_thread, 0);
        pthread_mutex_lock(&p->mu);
        slot_done(p, s, end);
        pthread_cond_broadcast(&p->cv);
    }
    p->busy = 0;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void pause_thread(ntcpy *p)
{
    if (!p->th_up)
        return;
    pthread_mutex_lock(&p->mu);
    p->run_req = 0;
    /* The step is cut short: a quiet live interface's would take its whole slice, a paced
     * replay's (capture.replay_speed) its 512 packets in real time. A stop left over when the
     * step had just ended makes the next slice return at once, without packets. */
    if (p->busy)
        ntcb_stop(&p->run);
    while (p->busy)
        pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

void ntcpy_pause(ntcpy *p)
{
    pause_thread(p);
    deliver_logs(p);
}

void ntcpy_after_fork_child(ntcpy *p)
{
    /* The thread does not exist in the child; it was idle at the fork (the package pauses every
     * engine before), so the engine and the slots are consistent. */
    p->th_up = 0;
    p->busy = 0;
    p->run_req = 0;
    p->quit = 0;
    atomic_store(&p->in_thread, 0);
    init_sync(p);
}

static void stop_thread(ntcpy *p)
{
    if (!p->th_up)
        return;
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    p->run_req = 0;
    if (p->busy)
        ntcb_stop(&p->run);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->th, NULL);
    p->th_up = 0;
}

/* Under mu: Python is done with the batch it held. */
static void release_held(ntcpy *p)
{
    for (int i = 0; i < NTCPY_SLOTS; i++) {
        ntcpy_slot *sl = &p->slots[i];
        if (sl->state != SLOT_HELD)
            continue;
        sl->state = SLOT_FREE;
        /* Give back the memory of an unusually large batch (an end-of-input flush). */
        if (sl->data.cap > ((size_t)1 << 25))
            ntcb_buf_free(&sl->data);
    }
}

/* Under mu: hand the oldest ready batch to Python. */
static int pop_ready(ntcpy *p, const char **data, size_t *len, size_t *count)
{
    int s = p->ready[p->rhead];
    p->rhead = (p->rhead + 1) % NTCPY_SLOTS;
    p->rcount--;
    ntcpy_slot *sl = &p->slots[s];
    sl->state = SLOT_HELD;
    *count = sl->count;
    if (sl->oom)
        return NTC_ENOMEM;
    *data = sl->data.p;
    *len = sl->data.len;
    return 1;
}

static void add_ms(struct timespec *ts, unsigned ms)
{
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

int ntcpy_next(ntcpy *p, int readahead, unsigned max_ms, size_t batch, const char **data,
               size_t *len, size_t *count)
{
    *data = NULL;
    *len = *count = 0;
    /* Callbacks run on the thread that calls this; the read-ahead thread is for plain loops. */
    if (p->flags & ~NTCPY_CB_LOG)
        readahead = 0;
    if (!readahead)
        ntcpy_pause(p); /* and the read-ahead's log lines, before this call's own */
    pthread_mutex_lock(&p->mu);
    release_held(p);
    if (batch && batch != p->batch && !p->busy) {
        p->batch = batch;
    }
    int rc = 0;
    if (p->rcount) {
        rc = pop_ready(p, data, len, count);
    } else if (p->at_end) {
        rc = 2;
    } else if (!readahead) {
        int s = free_slot(p);
        p->slots[s].state = SLOT_FILLING;
        pthread_mutex_unlock(&p->mu);
        int end = produce(p, &p->slots[s], max_ms);
        pthread_mutex_lock(&p->mu);
        slot_done(p, s, end);
        if (p->rcount)
            rc = pop_ready(p, data, len, count);
        else if (p->at_end)
            rc = 2;
    } else {
        if (!p->th_up) {
            p->quit = 0;
            if (pthread_create(&p->th, NULL, readahead_main, p) == 0) {
                p->th_up = 1;
            } else {
                /* No thread: this call does the work itself. */
                pthread_mutex_unlock(&p->mu);
                return ntcpy_next(p, 0, max_ms, batch, data, len, count);
            }
        }
        p->run_req = 1;
        pthread_cond_broadcast(&p->cv);
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        add_ms(&deadline, max_ms ? max_ms : 200);
        while (!p->rcount && !(p->at_end && !p->busy)) {
            if (pthread_cond_timedwait(&p->cv, &p->mu, &deadline) == ETIMEDOUT)
                break;
        }
        if (p->rcount)
            rc = pop_ready(p, data, len, count);
        else if (p->at_end && !p->busy)
            rc = 2;
    }
    pthread_mutex_unlock(&p->mu);
    deliver_logs(p);
    return rc;
}

void ntcpy_free(ntcpy *p)
{
    if (!p)
        return;
    stop_thread(p);
    ntc_engine_free(p->eng);
    ntcb_collector_free(&p->col);
    ntcpy_mbatch_free(&p->mb);
    ntcb_buf_free(&p->rec);
    ntcb_buf_free(&p->json);
    ntcb_buf_free(&p->mar);
    for (int i = 0; i < NTCPY_SLOTS; i++)
        ntcb_buf_free(&p->slots[i].data);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

ntc_engine *ntcpy_engine(ntcpy *p)
{
    ntcpy_pause(p);
    return p->eng;
}

void ntcpy_set_callbacks(ntcpy *p, int flags)
{
    ntcpy_pause(p);
    p->flags = flags;
}

void ntcpy_set_max_packets(ntcpy *p, uint64_t max_packets)
{
    ntcpy_pause(p);
    p->max_packets = max_packets;
}

uint64_t ntcpy_packets(ntcpy *p)
{
    ntcpy_pause(p);
    return p->packets;
}

void ntcpy_set_format(ntcpy *p, int marshal)
{
    ntcpy_pause(p);
    p->marshal = marshal;
}

/* A new source: the iteration goes on with its flows. */
static void input_reopened(ntcpy *p)
{
    pthread_mutex_lock(&p->mu);
    p->at_end = 0;
    pthread_mutex_unlock(&p->mu);
    p->flushing = 0;
}

int ntcpy_open_file(ntcpy *p, const char *path)
{
    ntcpy_pause(p);
    int rc = ntc_engine_open_file(p->eng, path);
    if (rc == 0)
        input_reopened(p);
    return rc;
}

int ntcpy_open_live(ntcpy *p, const char *ifname)
{
    ntcpy_pause(p);
    int rc = ntc_engine_open_live(p->eng, ifname);
    if (rc == 0) {
        p->run.live = 1;
        input_reopened(p);
    }
    return rc;
}

int ntcpy_run(ntcpy *p, uint64_t max_packets, unsigned max_ms, uint64_t *packets)
{
    ntcpy_pause(p);
    return run_slice(p, max_packets, max_ms, 0, packets);
}

int ntcpy_flush(ntcpy *p, size_t max_flows)
{
    ntcpy_pause(p);
    return ntc_engine_flush_some(p->eng, max_flows);
}

void ntcpy_stop(ntcpy *p)
{
    ntcb_stop(&p->run);
}

int ntcpy_source_error(ntcpy *p)
{
    pthread_mutex_lock(&p->mu);
    int e = p->src_err;
    if (e)
        memcpy(p->errtaken, p->errmsg, sizeof(p->errtaken));
    p->src_err = 0;
    pthread_mutex_unlock(&p->mu);
    return e;
}

const char *ntcpy_errmsg(ntcpy *p)
{
    return p->errtaken;
}

const char *ntcpy_json(ntcpy *p, int what, int arg, size_t *len, int *rc)
{
    ntcpy_pause(p);
    ntcb_buf_clear(&p->json);
    switch (what) {
    case 0: *rc = ntcb_active_flows_json(&p->json, p->eng); break;
    case 1: *rc = ntcb_hosts_json(&p->json, p->eng); break;
    case 2: *rc = ntcb_apps_json(&p->json, p->eng, arg); break;
    case 3: *rc = ntcb_engine_stats_json(&p->json, p->eng); break;
    case 4: *rc = ntcb_engaged_alerts_json(&p->json, p->eng); break;
    default: *rc = NTC_EINVAL; break;
    }
    if (*rc)
        return NULL;
    *len = p->json.len;
    return p->json.p;
}

const char *ntcpy_to_marshal(ntcpy *p, const char *json, size_t n, size_t *outlen)
{
    if (ntcpy_marshal(json, n, &p->mar))
        return NULL;
    *outlen = p->mar.len;
    return p->mar.p;
}
