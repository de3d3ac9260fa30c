/* C side of the Python binding (helper.h). */
#include "helper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind_common.h"
#include "marshal_out.h"

struct ntcpy {
    ntc_engine *eng;
    void *handle;
    int flags;
    int collect;
    ntcb_collector col;
    ntcb_runner run;
    ntcb_buf rec;   /* one record for a Python callback */
    ntcb_buf json;  /* ntcpy_json() */
    ntcb_buf mar;   /* ntcpy_to_marshal() */
};

static void c_flow_end(void *u, const ntc_flow *f, ntc_flow_end_reason why)
{
    ntcpy *p = u;
    if (p->collect)
        ntcb_collector_add(&p->col, f, why);
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
    if (p->flags & NTCPY_CB_LOG)
        _ntcpy_on_log(p->handle, (int)lvl, msg);
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
    p->eng = eng;
    p->handle = handle;
    ntcb_collector_init(&p->col, eng, 4096);
    ntcb_runner_init(&p->run, eng, &p->col);
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .flow_end = c_flow_end,
                        .host_end = c_host_end, .tick = c_tick, .log = c_log,
                        .alert = c_alert};
    ntc_engine_set_callbacks(eng, &cb, p);
    return p;
}

void ntcpy_free(ntcpy *p)
{
    if (!p)
        return;
    ntc_engine_free(p->eng);
    ntcb_collector_free(&p->col);
    ntcb_buf_free(&p->rec);
    ntcb_buf_free(&p->json);
    ntcb_buf_free(&p->mar);
    free(p);
}

ntc_engine *ntcpy_engine(ntcpy *p)
{
    return p->eng;
}

void ntcpy_set_callbacks(ntcpy *p, int flags)
{
    p->flags = flags;
}

int ntcpy_open_file(ntcpy *p, const char *path)
{
    return ntc_engine_open_file(p->eng, path);
}

int ntcpy_open_live(ntcpy *p, const char *ifname)
{
    int rc = ntc_engine_open_live(p->eng, ifname);
    if (rc == 0)
        p->run.live = 1;
    return rc;
}

int ntcpy_run(ntcpy *p, uint64_t max_packets, unsigned max_ms, int collect, size_t batch,
              uint64_t *packets, int *err)
{
    p->collect = collect;
    p->col.batch = batch ? batch : 1;
    p->run.col = collect ? &p->col : NULL;
    int finished = ntcb_run(&p->run, max_packets, max_ms, packets, err);
    p->collect = 0;
    return finished;
}

int ntcpy_flush(ntcpy *p, int collect, size_t max_flows)
{
    p->collect = collect;
    int rc = ntc_engine_flush_some(p->eng, max_flows);
    p->collect = 0;
    return rc;
}

void ntcpy_stop(ntcpy *p)
{
    ntcb_stop(&p->run);
}

const char *ntcpy_errmsg(ntcpy *p)
{
    return p->run.errmsg;
}

const char *ntcpy_batch(ntcpy *p, size_t *len, size_t *count)
{
    *count = p->col.count;
    if (p->col.oom)
        return NULL;
    return ntcb_collector_text(&p->col, len);
}

void ntcpy_batch_clear(ntcpy *p)
{
    ntcb_collector_clear(&p->col);
    p->col.oom = 0;
}

const char *ntcpy_json(ntcpy *p, int what, int arg, size_t *len, int *rc)
{
    ntcb_buf_clear(&p->json);
    switch (what) {
    case 0: *rc = ntcb_active_flows_json(&p->json, p->eng); break;
    case 1: *rc = ntcb_hosts_json(&p->json, p->eng); break;
    case 2: *rc = ntcb_apps_json(&p->json, p->eng, arg); break;
    case 3: *rc = ntcb_engine_stats_json(&p->json, p->eng); break;
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
