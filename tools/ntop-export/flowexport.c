#include "flowexport.h"

#include <inttypes.h>
#include <string.h>

int fx_is_uri(const char *uri)
{
    return strncmp(uri, "zmq:", 4) == 0 || strncmp(uri, "ipfix:", 6) == 0 ||
           strncmp(uri, "netflow9:", 9) == 0;
}

int fx_add(flow_exports *fx, const char *prog, const char *uri)
{
    fx->prog = prog;
    if (fx->n >= FX_MAX) {
        fprintf(stderr, "%s: -o %s: at most %d flow exporters\n", prog, uri, FX_MAX);
        return -1;
    }
    fx->uris[fx->n++] = uri;
    return 0;
}

int fx_open(flow_exports *fx, const ntc_config *cfg)
{
    for (int i = 0; i < fx->n; i++) {
        int rc = ntc_flow_exporter_new(&fx->x[i], fx->uris[i], cfg);
        if (rc) {
            fprintf(stderr, "%s: -o %s\n", fx->prog,
                    fx->x[i] && ntc_flow_exporter_errmsg(fx->x[i])[0] ? ntc_flow_exporter_errmsg(fx->x[i])
                                                                  : ntc_strerror(rc));
            for (int j = 0; j <= i; j++) {
                ntc_flow_exporter_free(fx->x[j]);
                fx->x[j] = NULL;
            }
            return rc == NTC_EIO || rc == NTC_ENOMEM ? 1 : 2;
        }
    }
    return 0;
}

void fx_flow(flow_exports *fx, const ntc_flow *f, uint64_t now_us)
{
    for (int i = 0; i < fx->n; i++)
        if (fx->x[i])
            ntc_flow_exporter_flow(fx->x[i], f, now_us);
}

void fx_flush(flow_exports *fx, uint64_t now_us)
{
    for (int i = 0; i < fx->n; i++)
        if (fx->x[i])
            ntc_flow_exporter_flush(fx->x[i], now_us);
}

int fx_close(flow_exports *fx, uint64_t now_us, FILE *summary)
{
    int lost = 0;
    for (int i = 0; i < fx->n; i++) {
        if (!fx->x[i])
            continue;
        ntc_flow_exporter_flush(fx->x[i], now_us);
        ntc_flow_exporter_stats st = {.size = sizeof(st)};
        ntc_flow_exporter_get_stats(fx->x[i], &st);
        if (summary)
            fprintf(summary, "%s: %" PRIu64 " flows, %" PRIu64 " records in %" PRIu64
                             " messages (%" PRIu64 " bytes), %" PRIu64 " template sets, %" PRIu64
                             " records dropped\n",
                    fx->uris[i], st.flows, st.records, st.messages, st.bytes, st.templates,
                    st.dropped);
        if (st.dropped) {
            lost = 1;
            fprintf(stderr, "%s: -o %s: %" PRIu64 " records could not be sent (%s)\n", fx->prog,
                    fx->uris[i], st.dropped, ntc_flow_exporter_errmsg(fx->x[i]));
        }
        ntc_flow_exporter_free(fx->x[i]);
        fx->x[i] = NULL;
    }
    return lost;
}
