/* Public flow exporter API (include/ntopcore/flow_exporter.h): dispatch by URI scheme. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/flow_exporter.h"
#include "ntopcore/error.h"

void ntc__flowx_get(const ntc_flow *f, ntc__flowx *x)
{
    memset(x, 0, sizeof(*x));
    x->i.size = sizeof(x->i);
    ntc_flow_get_info(f, &x->i);
    x->l.size = sizeof(x->l);
    ntc_flow_get_l7(f, &x->l);
    if (x->l.how != NTC_L7_OFF) {
        if (x->l.master)
            snprintf(x->l7_proto, sizeof(x->l7_proto), "%u.%u", x->l.master, x->l.app);
        else
            snprintf(x->l7_proto, sizeof(x->l7_proto), "%u", x->l.app);
        ntc_flow_l7_name(f, x->l7_name, sizeof(x->l7_name));
    }
    for (int k = 0; k < NTC_META_COUNT; k++)
        x->meta[k] = ntc_flow_meta(f, k);
}

NTC_EXPORT int ntc_flow_exporter_new(ntc_flow_exporter **out, const char *uri, const ntc_config *cfg)
{
    if (!out)
        return NTC_EINVAL;
    *out = NULL;
    if (!uri)
        return NTC_EINVAL;
    ntc_flow_exporter *x = calloc(1, sizeof(*x));
    ntc_config *defaults = cfg ? NULL : ntc_config_new();
    if (!x || (!cfg && !defaults)) {
        free(x);
        ntc_config_free(defaults);
        return NTC_ENOMEM;
    }
    if (!cfg)
        cfg = defaults;
    x->st.size = sizeof(x->st);
    int rc;
    if (strncmp(uri, "ipfix:udp://", 12) == 0)
        rc = ntc__ipfix_open(x, 10, uri, uri + 12, cfg);
    else if (strncmp(uri, "netflow9:udp://", 15) == 0)
        rc = ntc__ipfix_open(x, 9, uri, uri + 15, cfg);
    else if (strncmp(uri, "zmq:", 4) == 0)
        rc = ntc__zmq_export_open(x, uri, uri + 4, cfg);
    else {
        ntc__fmt(x->errmsg, sizeof(x->errmsg),
                 "%s: unknown exporter (ipfix:udp://HOST:PORT, netflow9:udp://HOST:PORT, "
                 "zmq:tcp://ADDRESS:PORT)", uri);
        rc = NTC_ENOTSUP;
    }
    ntc_config_free(defaults);
    *out = x;
    return rc;
}

NTC_EXPORT void ntc_flow_exporter_free(ntc_flow_exporter *x)
{
    if (!x)
        return;
    if (x->ops)
        x->ops->close(x->impl);
    free(x);
}

NTC_EXPORT const char *ntc_flow_exporter_errmsg(const ntc_flow_exporter *x)
{
    return x ? x->errmsg : "";
}

NTC_EXPORT int ntc_flow_exporter_flow(ntc_flow_exporter *x, const ntc_flow *flow, uint64_t now_us)
{
    if (!x || !flow || !x->ops)
        return NTC_EINVAL;
    return x->ops->flow(x->impl, flow, now_us);
}

NTC_EXPORT int ntc_flow_exporter_flush(ntc_flow_exporter *x, uint64_t now_us)
{
    if (!x || !x->ops)
        return NTC_EINVAL;
    return x->ops->flush(x->impl, now_us);
}

NTC_EXPORT int ntc_flow_exporter_get_stats(const ntc_flow_exporter *x, ntc_flow_exporter_stats *out)
{
    if (!x || !out || out->size < offsetof(ntc_flow_exporter_stats, flows))
        return NTC_EINVAL;
    ntc_flow_exporter_stats s = x->st;
    s.size = out->size;
    memcpy(out, &s, NTC__MIN(out->size, sizeof(s)));
    return 0;
}
