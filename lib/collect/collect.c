/* Flow collectors as engine sources: NetFlow/IPFIX over UDP, ntopng-style ZMQ (collect.h). */
#include "collect/collect.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <zmq.h>

#include "collect/netflow.h"
#include "collect/zmqmsg.h"
#include "core/config_keys.h"
#include "ntopcore/error.h"
#include "util/util.h"

#define UDP_BATCH 16
#define UDP_MAX 65536

/* ---- metadata block of a collected flow ---- */

ntc__flow_meta *ntc__collect_meta(const ntc_flow_record *r)
{
    struct {
        int key;
        const char *v;
        size_t len;
    } e[NTC_META_COUNT];
    int n = 0;
    for (size_t i = 0; r->meta && i < r->meta_count && n < NTC_META_COUNT; i++) {
        int k = r->meta[i].key;
        const char *v = r->meta[i].value;
        if (k < 0 || k >= NTC_META_COUNT || k == NTC_META_L7_NAME || k == NTC_META_FLOW_SOURCE ||
            !v || !*v)
            continue;
        int dup = 0;
        for (int j = 0; j < n; j++)
            dup |= e[j].key == k;
        if (dup)
            continue;
        e[n].key = k;
        e[n].v = v;
        e[n].len = strnlen(v, 1024);
        n++;
    }
    if (r->l7_name && *r->l7_name && n < NTC_META_COUNT) {
        e[n].key = NTC_META_L7_NAME;
        e[n].v = r->l7_name;
        e[n].len = strnlen(r->l7_name, 128);
        n++;
    }
    if (r->source && *r->source && n < NTC_META_COUNT) {
        e[n].key = NTC_META_FLOW_SOURCE;
        e[n].v = r->source;
        e[n].len = strnlen(r->source, 256);
        n++;
    }
    if (n == 0)
        return NULL;
    size_t hdr = sizeof(ntc__flow_meta) + (size_t)n * sizeof(((ntc__flow_meta *)0)->ent[0]);
    size_t total = hdr;
    for (int i = 0; i < n; i++)
        total += e[i].len + 1;
    if (total > UINT16_MAX)
        return NULL;
    ntc__flow_meta *m = malloc(total);
    if (!m)
        return NULL;
    m->count = (uint16_t)n;
    m->size = (uint16_t)total;
    size_t off = hdr;
    for (int i = 0; i < n; i++) {
        m->ent[i].key = (uint8_t)e[i].key;
        m->ent[i].pad = 0;
        m->ent[i].off = (uint16_t)off;
        memcpy((char *)m + off, e[i].v, e[i].len);
        ((char *)m)[off + e[i].len] = 0;
        off += e[i].len + 1;
    }
    return m;
}

/* ---- sources ---- */

typedef struct collector {
    ntc_engine *eng;
    ntc_iface_stats *st;
    int fd;
    /* UDP */
    ntc__nf *nf;
    uint8_t *buf;
    struct mmsghdr msgs[UDP_BATCH];
    struct iovec iov[UDP_BATCH];
    struct sockaddr_storage from[UDP_BATCH];
    /* ZMQ */
    void *zctx, *zsock;
    ntc__zmqp *zp;
    char endpoint[256];
    zmq_msg_t hdr, payload;
    int msgs_init;
} collector;

static void on_record(void *user, const ntc_flow_record *rec)
{
    collector *c = user;
    (void)ntc_engine_ingest_flow(c->eng, rec); /* counts what it refuses */
}

/* What a read reports: the packets the collected flows count (what -c and ntc_engine_run() count
 * for packet sources), and at least the messages read, so that a read that filled its budget of
 * messages is repeated without waiting. */
static int items(const collector *c, uint64_t packets_before, unsigned messages)
{
    uint64_t p = c->st->packets - packets_before;
    if (p < messages)
        p = messages;
    return p > INT32_MAX ? INT32_MAX : (int)p;
}

static void collector_free(void *ctx)
{
    collector *c = ctx;
    if (!c)
        return;
    if (c->nf) {
        if (c->fd >= 0)
            close(c->fd);
        ntc__nf_free(c->nf);
    }
    if (c->msgs_init) {
        zmq_msg_close(&c->hdr);
        zmq_msg_close(&c->payload);
    }
    if (c->zsock)
        zmq_close(c->zsock);
    if (c->zctx)
        zmq_ctx_term(c->zctx);
    ntc__zmqp_free(c->zp);
    free(c->buf);
    free(c);
}

static int udp_read(void *ctx, unsigned budget, char *err, size_t errlen)
{
    collector *c = ctx;
    uint64_t packets = c->st->packets;
    unsigned done = 0;
    (void)err;
    (void)errlen;
    while (done < budget) {
        unsigned want = budget - done < UDP_BATCH ? budget - done : UDP_BATCH;
        for (unsigned i = 0; i < want; i++) {
            c->msgs[i].msg_hdr.msg_namelen = sizeof(c->from[i]);
            c->msgs[i].msg_len = 0;
        }
        int n = recvmmsg(c->fd, c->msgs, want, MSG_DONTWAIT, NULL);
        if (n <= 0)
            break; /* EAGAIN, or a transient error (ICMP errors on UDP): try again later */
        uint64_t now = ntc__wall_us();
        for (int i = 0; i < n; i++) {
            const struct sockaddr *sa = (const struct sockaddr *)&c->from[i];
            uint8_t a[16] = {0};
            uint16_t port = 0;
            int ipv = 4;
            if (sa->sa_family == AF_INET) {
                const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
                memcpy(a, &s4->sin_addr, 4);
                port = ntohs(s4->sin_port);
            } else if (sa->sa_family == AF_INET6) {
                const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
                memcpy(a, &s6->sin6_addr, 16);
                port = ntohs(s6->sin6_port);
                ipv = 6;
                static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
                if (memcmp(a, mapped, 12) == 0) { /* IPv4-mapped: the exporter is IPv4 */
                    memmove(a, a + 12, 4);
                    memset(a + 4, 0, 12);
                    ipv = 4;
                }
            }
            ntc__nf_datagram(c->nf, ipv, a, port, c->iov[i].iov_base, c->msgs[i].msg_len, now,
                             on_record, c);
        }
        done += (unsigned)n;
        if ((unsigned)n < want)
            break;
    }
    return items(c, packets, done);
}

static const ntc__ext_ops udp_ops = {udp_read, collector_free};

static int zmq_read(void *ctx, unsigned budget, char *err, size_t errlen)
{
    collector *c = ctx;
    uint64_t packets = c->st->packets;
    unsigned done = 0;
    (void)err;
    (void)errlen;
    while (done < budget) {
        if (zmq_msg_recv(&c->hdr, c->zsock, ZMQ_DONTWAIT) < 0)
            break; /* EAGAIN (or EINTR): nothing more now */
        done++;
        int more = zmq_msg_more(&c->hdr);
        if (!more) {
            c->st->collect_errors++; /* a header without payload */
            continue;
        }
        if (zmq_msg_recv(&c->payload, c->zsock, 0) < 0) {
            c->st->collect_errors++;
            continue;
        }
        if (zmq_msg_more(&c->payload)) {
            /* More than two frames: not ntopng's format; drain the rest. */
            c->st->collect_errors++;
            while (zmq_msg_more(&c->payload) && zmq_msg_recv(&c->payload, c->zsock, 0) >= 0)
                ;
            continue;
        }
        ntc__zmqp_message(c->zp, zmq_msg_data(&c->hdr), zmq_msg_size(&c->hdr),
                          zmq_msg_data(&c->payload), zmq_msg_size(&c->payload), c->endpoint,
                          ntc__wall_us(), on_record, c);
    }
    return items(c, packets, done);
}

static const ntc__ext_ops zmq_ops = {zmq_read, collector_free};

/* Split "HOST:PORT" ("[v6]:PORT" too) into host and port. */
static int split_host_port(const char *s, char *host, size_t hl, char *port, size_t pl)
{
    const char *colon;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return -1;
        if ((size_t)(close - s - 1) >= hl)
            return -1;
        memcpy(host, s + 1, (size_t)(close - s - 1));
        host[close - s - 1] = 0;
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= hl)
            return -1;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = 0;
    }
    if (!colon[1] || strlen(colon + 1) >= pl)
        return -1;
    strcpy(port, colon + 1);
    for (const char *p = port; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    return 0;
}

static int open_udp(collector *c, const ntc_config *cfg, const char *uri, const char *hp,
                    char *err, size_t errlen)
{
    char host[256], port[16];
    if (split_host_port(hp, host, sizeof(host), port, sizeof(port)) != 0 || atoi(port) > 65535) {
        ntc__fmt(err, errlen, "%s: expected udp://ADDRESS:PORT", uri);
        return NTC_EINVAL;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_PASSIVE;
    int gr = getaddrinfo(strcmp(host, "*") == 0 ? NULL : host, port, &hints, &res);
    if (gr != 0 || !res) {
        ntc__fmt(err, errlen, "%s: %s", uri, gai_strerror(gr));
        return NTC_EINVAL;
    }
    c->fd = socket(res->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        ntc__fmt(err, errlen, "%s: socket: %s", uri, strerror(errno));
        freeaddrinfo(res);
        return NTC_EIO;
    }
    if (res->ai_family == AF_INET6) {
        int off = 0; /* also IPv4 exporters on "::" */
        setsockopt(c->fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
    }
    int kb = (int)ntc__config_int(cfg, NTC__CFG_COLLECT_SOCKET_BUFFER_KB);
    if (kb > 0) {
        int bytes = kb > INT32_MAX / 1024 ? INT32_MAX : kb * 1024;
        /* Past net.core.rmem_max only with CAP_NET_ADMIN; else as large as allowed. */
        if (setsockopt(c->fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) != 0)
            setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
    }
    if (bind(c->fd, res->ai_addr, res->ai_addrlen) != 0) {
        ntc__fmt(err, errlen, "%s: bind: %s", uri, strerror(errno));
        freeaddrinfo(res);
        return NTC_EIO;
    }
    freeaddrinfo(res);
    if (!(c->buf = malloc((size_t)UDP_BATCH * UDP_MAX)))
        return NTC_ENOMEM;
    for (int i = 0; i < UDP_BATCH; i++) {
        c->iov[i].iov_base = c->buf + (size_t)i * UDP_MAX;
        c->iov[i].iov_len = UDP_MAX;
        memset(&c->msgs[i], 0, sizeof(c->msgs[i]));
        c->msgs[i].msg_hdr.msg_iov = &c->iov[i];
        c->msgs[i].msg_hdr.msg_iovlen = 1;
        c->msgs[i].msg_hdr.msg_name = &c->from[i];
    }
    return 0;
}

static int open_zmq(collector *c, const ntc_config *cfg, const char *uri, const char *eps,
                    char *err, size_t errlen)
{
    size_t max_msg = (size_t)ntc__config_int(cfg, NTC__CFG_COLLECT_MAX_MESSAGE);
    if (strlen(eps) >= sizeof(c->endpoint)) {
        ntc__fmt(err, errlen, "%s: endpoint list too long", uri);
        return NTC_EINVAL;
    }
    strcpy(c->endpoint, eps);
    if (!(c->zctx = zmq_ctx_new()) || !(c->zsock = zmq_socket(c->zctx, ZMQ_SUB))) {
        ntc__fmt(err, errlen, "%s: cannot create a ZMQ socket: %s", uri, zmq_strerror(zmq_errno()));
        return NTC_EIO;
    }
    int linger = 0, hwm = 128;
    int64_t maxsize = (int64_t)max_msg + 64;
    zmq_setsockopt(c->zsock, ZMQ_LINGER, &linger, sizeof(linger));
    zmq_setsockopt(c->zsock, ZMQ_RCVHWM, &hwm, sizeof(hwm));
    zmq_setsockopt(c->zsock, ZMQ_MAXMSGSIZE, &maxsize, sizeof(maxsize));
    zmq_setsockopt(c->zsock, ZMQ_SUBSCRIBE, "flow", 4);
    /* Comma-separated endpoints; a trailing 'c' means: bind here, the probe connects. */
    char list[256];
    strcpy(list, eps);
    char *save = NULL;
    for (char *ep = strtok_r(list, ",", &save); ep; ep = strtok_r(NULL, ",", &save)) {
        size_t l = strlen(ep);
        int bind_here = l > 0 && ep[l - 1] == 'c';
        if (bind_here)
            ep[l - 1] = 0;
        if (strncmp(ep, "tcp://", 6) != 0 && strncmp(ep, "ipc://", 6) != 0) {
            ntc__fmt(err, errlen, "%s: endpoint '%s' is not tcp://HOST:PORT or ipc://PATH", uri, ep);
            return NTC_EINVAL;
        }
        int rc = bind_here ? zmq_bind(c->zsock, ep) : zmq_connect(c->zsock, ep);
        if (rc != 0) {
            ntc__fmt(err, errlen, "%s: cannot %s %s: %s", uri, bind_here ? "bind" : "connect", ep,
                     zmq_strerror(zmq_errno()));
            return zmq_errno() == EINVAL ? NTC_EINVAL : NTC_EIO;
        }
    }
    size_t fl = sizeof(c->fd);
    if (zmq_getsockopt(c->zsock, ZMQ_FD, &c->fd, &fl) != 0) {
        ntc__fmt(err, errlen, "%s: no descriptor to wait on: %s", uri, zmq_strerror(zmq_errno()));
        return NTC_EIO;
    }
    return 0;
}

int ntc__collect_open(ntc_engine *eng, ntc__capture *cap, const ntc_config *cfg,
                      ntc_iface_stats *st, uint64_t seed, const char *uri, char *err,
                      size_t errlen)
{
    collector *c = calloc(1, sizeof(*c));
    if (!c) {
        ntc__fmt(err, errlen, "%s: out of memory", uri);
        return NTC_ENOMEM;
    }
    c->eng = eng;
    c->st = st;
    c->fd = -1;
    const ntc__ext_ops *ops;
    int rc;
    uint32_t max_ex = (uint32_t)ntc__config_int(cfg, NTC__CFG_COLLECT_MAX_EXPORTERS);
    if (strncmp(uri, "netflow:udp://", 14) == 0 || strncmp(uri, "ipfix:udp://", 12) == 0) {
        ntc__nf_limits lim = {
            .max_exporters = max_ex,
            .max_templates = (uint32_t)ntc__config_int(cfg, NTC__CFG_COLLECT_MAX_TEMPLATES),
            .timeout_us = (uint64_t)ntc__config_int(cfg, NTC__CFG_COLLECT_TEMPLATE_TIMEOUT) * 1000000u,
            .seed = seed};
        ops = &udp_ops;
        if (!(c->nf = ntc__nf_new(&lim, st))) {
            rc = NTC_ENOMEM;
            ntc__fmt(err, errlen, "%s: out of memory", uri);
        } else {
            rc = open_udp(c, cfg, uri, strstr(uri, "://") + 3, err, errlen);
        }
    } else if (strncmp(uri, "zmq:", 4) == 0) {
        ops = &zmq_ops;
        zmq_msg_init(&c->hdr);
        zmq_msg_init(&c->payload);
        c->msgs_init = 1;
        if (!(c->zp = ntc__zmqp_new(max_ex, (size_t)ntc__config_int(cfg, NTC__CFG_COLLECT_MAX_MESSAGE),
                                    seed, st))) {
            rc = NTC_ENOMEM;
            ntc__fmt(err, errlen, "%s: out of memory", uri);
        } else {
            rc = open_zmq(c, cfg, uri, uri + 4, err, errlen);
        }
    } else {
        ntc__fmt(err, errlen, "%s: unknown collector (netflow:udp://ADDRESS:PORT or zmq:tcp://HOST:PORT)",
                 uri);
        free(c);
        return NTC_ENOTSUP;
    }
    if (rc != 0) {
        collector_free(c);
        return rc;
    }
    return ntc__capture_add_ext(cap, uri, c->fd, ops, c, err, errlen);
}
