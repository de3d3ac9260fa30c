/* Application classification with nDPI 4.2 (the only file that includes nDPI headers).
 *
 * The feeding rule follows nDPI's own reader so results agree with it: packets go to nDPI until it
 * names an application and has no more metadata to read (ndpi_extra_dissection_possible), or the
 * flow passes the give-up limit (dpi.tcp_max_packets / dpi.udp_max_packets /
 * dpi.other_max_packets). Only then, and only if the application is still unknown, is
 * ndpi_detection_giveup() called (on a classified flow it would undo nDPI's own corrections). */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <ndpi/ndpi_api.h>

#include "core/config_keys.h"
#include "dpi/dpi.h"
#include "dpi/l7_tables.h"
#include "dpi/rules.h"
#include "flow/flow.h"
#include "ntopcore/error.h"
#include "ntopcore/l7.h"

struct ntc__dpi {
    struct ndpi_detection_module_struct *ndpi;
    uint16_t *app_map;          /* nDPI protocol id -> our id */
    uint32_t app_map_len;
    uint16_t cat_map[256];      /* nDPI category -> our category id (0 = Unspecified) */
    char **custom_names;        /* names of custom protocols, by (our id - NTC_L7_CUSTOM_BASE) */
    uint16_t ncustom;
    uint32_t max_pkts_tcp, max_pkts_udp, max_pkts_other;
    int guess;
};

/* Largest rule file read (dpi.protocols_file, dpi.categories_file). */
#define RULES_MAX_BYTES (64 << 20)

struct ntc__dpi_flow {
    struct ndpi_flow_struct nf;
};

static int find_name(const char *const *table, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (table[i] && strcmp(table[i], name) == 0)
            return (int)i;
    return -1;
}

/* A category number nDPI knows (a name in its table). */
static int category_ok(void *u, unsigned long id)
{
    ntc__dpi *d = u;
    if (id >= NDPI_PROTOCOL_NUM_CATEGORIES)
        return 0;
    const char *name = ndpi_category_get_name(d->ndpi, (ndpi_protocol_category_t)id);
    return name && name[0];
}

/* Read a rule file, check it line by line (rules.c: nDPI 4.2 trusts these files and crashes or
 * hangs on some lines), and let nDPI load the checked, normalised text from a memory file (the
 * file as given when memory files are not available). Errors name the key, the file and the line. */
static int load_rules(ntc__dpi *d, int kind, const char *key, const char *path, char *err,
                      size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        ntc__fmt(err, errlen, "%s: cannot read %s", key, path);
        return NTC_EIO;
    }
    size_t len = 0, cap = 0;
    char *text = NULL;
    int rc = 0;
    for (;;) {
        if (len == cap) {
            if (cap >= RULES_MAX_BYTES) {
                ntc__fmt(err, errlen, "%s: %s is larger than %d MiB", key, path,
                         RULES_MAX_BYTES >> 20);
                rc = NTC_EFORMAT;
                break;
            }
            cap = cap ? cap * 2 : 16384;
            char *t = realloc(text, cap);
            if (!t) {
                ntc__fmt(err, errlen, "%s: out of memory reading %s", key, path);
                rc = NTC_ENOMEM;
                break;
            }
            text = t;
        }
        size_t n = fread(text + len, 1, cap - len, fp);
        len += n;
        if (n == 0) {
            if (ferror(fp)) {
                ntc__fmt(err, errlen, "%s: cannot read %s", key, path);
                rc = NTC_EIO;
            }
            break;
        }
    }
    fclose(fp);
    char *norm = NULL;
    size_t normlen = 0;
    if (rc == 0) {
        unsigned line = 0;
        char why[256];
        rc = ntc__rules_check(kind, text ? text : "", len, category_ok, d, &norm, &normlen, &line,
                              why, sizeof(why));
        if (rc == NTC_EFORMAT)
            ntc__fmt(err, errlen, "%s: %s: line %u: %s", key, path, line, why);
        else if (rc != 0)
            ntc__fmt(err, errlen, "%s: %s: %s", key, path, why);
    }
    free(text);
    if (rc != 0)
        return rc;

    char memname[64];
    const char *load = path;
    int fd = memfd_create("ntc-rules", MFD_CLOEXEC);
    if (fd >= 0) {
        size_t off = 0;
        while (off < normlen) {
            ssize_t w = write(fd, norm + off, normlen - off);
            if (w <= 0)
                break;
            off += (size_t)w;
        }
        snprintf(memname, sizeof(memname), "/proc/self/fd/%d", fd);
        if (off == normlen && access(memname, R_OK) == 0)
            load = memname;
    }
    free(norm);
    int bad = kind == NTC__RULES_PROTOCOLS ? ndpi_load_protocols_file(d->ndpi, load) != 0
                                           : ndpi_load_categories_file(d->ndpi, load) < 0;
    if (fd >= 0)
        close(fd);
    if (bad) {
        ntc__fmt(err, errlen, "%s: %s was rejected by the classifier", key, path);
        return NTC_EFORMAT;
    }
    return 0;
}

int ntc__dpi_new(ntc__dpi **out, const struct ntc_config *cfg, char *err, size_t errlen)
{
    *out = NULL;
    ntc__dpi *d = calloc(1, sizeof(*d));
    if (!d)
        return NTC_ENOMEM;
    d->max_pkts_tcp = (uint32_t)ntc__config_int(cfg, NTC__CFG_DPI_TCP_MAX_PACKETS);
    d->max_pkts_udp = (uint32_t)ntc__config_int(cfg, NTC__CFG_DPI_UDP_MAX_PACKETS);
    d->max_pkts_other = (uint32_t)ntc__config_int(cfg, NTC__CFG_DPI_OTHER_MAX_PACKETS);
    d->guess = (int)ntc__config_int(cfg, NTC__CFG_DPI_GUESS);
    d->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
    if (!d->ndpi) {
        ntc__fmt(err, errlen, "nDPI initialisation failed");
        free(d);
        return NTC_ENOMEM;
    }
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(d->ndpi, &all);
    int rc = 0;
    const char *protos = ntc__config_str(cfg, NTC__CFG_DPI_PROTOCOLS_FILE);
    const char *cats = ntc__config_str(cfg, NTC__CFG_DPI_CATEGORIES_FILE);
    if (protos[0] &&
        (rc = load_rules(d, NTC__RULES_PROTOCOLS, "dpi.protocols_file", protos, err, errlen)) != 0)
        goto fail;
    if (cats[0] &&
        (rc = load_rules(d, NTC__RULES_CATEGORIES, "dpi.categories_file", cats, err, errlen)) != 0)
        goto fail;
    /* ndpi_load_categories_file() already enabled the categories it loaded: enabling them again
     * after finalisation would replace them with an empty set (nDPI 4.2). */
    ndpi_finalize_initialization(d->ndpi);

    /* Map nDPI's ids and categories to ours by name. */
    uint32_t n = ndpi_get_num_supported_protocols(d->ndpi);
    rc = NTC_ENOMEM;
    if (!(d->app_map = calloc(n ? n : 1, sizeof(*d->app_map))))
        goto fail;
    if (n > NDPI_LAST_IMPLEMENTED_PROTOCOL &&
        !(d->custom_names = calloc(n - NDPI_LAST_IMPLEMENTED_PROTOCOL, sizeof(char *))))
        goto fail;
    d->app_map_len = n;
    for (uint32_t i = 0; i < n; i++) {
        const char *name = ndpi_get_proto_name(d->ndpi, (u_int16_t)i);
        int ours = (name && i < NDPI_LAST_IMPLEMENTED_PROTOCOL)
                       ? find_name(ntc__l7_app_names, NTC__L7_APP_COUNT, name)
                       : -1;
        if (ours >= 0) {
            d->app_map[i] = (uint16_t)ours;
        } else if (name && i >= NDPI_LAST_IMPLEMENTED_PROTOCOL && d->ncustom < 32767) {
            if (!(d->custom_names[d->ncustom] = strdup(name)))
                goto fail;
            d->app_map[i] = (uint16_t)(NTC_L7_CUSTOM_BASE + d->ncustom++);
        } else {
            d->app_map[i] = 0; /* a protocol this build's table does not know yet */
        }
    }
    for (int c = 0; c < 256; c++) {
        const char *name = c < NDPI_PROTOCOL_NUM_CATEGORIES
                               ? ndpi_category_get_name(d->ndpi, (ndpi_protocol_category_t)c)
                               : NULL;
        int ours = name && name[0] ? find_name(ntc__l7_category_names, NTC__L7_CATEGORY_COUNT, name)
                                   : -1;
        d->cat_map[c] = ours > 0 ? (uint16_t)ours : 0;
    }
    *out = d;
    return 0;
fail:
    ntc__dpi_free(d);
    return rc;
}

void ntc__dpi_free(ntc__dpi *d)
{
    if (!d)
        return;
    if (d->ndpi)
        ndpi_exit_detection_module(d->ndpi);
    for (uint16_t i = 0; i < d->ncustom; i++)
        free(d->custom_names[i]);
    free(d->custom_names);
    free(d->app_map);
    free(d);
}

uint16_t ntc__dpi_app_count(const ntc__dpi *d)
{
    return (uint16_t)(NTC__L7_APP_COUNT + (d ? d->ncustom : 0));
}

const char *ntc__dpi_app_name(const ntc__dpi *d, uint16_t id)
{
    if (id < NTC__L7_APP_COUNT)
        return ntc__l7_app_names[id];
    if (d && id >= NTC_L7_CUSTOM_BASE && id - NTC_L7_CUSTOM_BASE < d->ncustom)
        return d->custom_names[id - NTC_L7_CUSTOM_BASE];
    return NULL;
}

uint16_t ntc__dpi_risk_score(unsigned risk)
{
    if (risk == 0 || risk >= NDPI_MAX_RISK)
        return 0;
    u_int16_t cli = 0, srv = 0;
    return ndpi_risk2score((ndpi_risk)1 << risk, &cli, &srv);
}

/* nDPI's protocol id of one of our application ids, or -1. */
static int ndpi_id_of(const ntc__dpi *d, uint16_t id)
{
    if (!d || id == 0)
        return -1;
    for (uint32_t i = 0; i < d->app_map_len; i++)
        if (d->app_map[i] == id)
            return (int)i;
    return -1;
}

uint16_t ntc__dpi_app_category(const ntc__dpi *d, uint16_t id)
{
    int n = ndpi_id_of(d, id);
    if (n < 0)
        return 0;
    ndpi_protocol p;
    memset(&p, 0, sizeof(p));
    p.app_protocol = (u_int16_t)n;
    return d->cat_map[(unsigned)ndpi_get_proto_category(d->ndpi, p) & 0xff];
}

int ntc__dpi_app_breed(const ntc__dpi *d, uint16_t id)
{
    int n = ndpi_id_of(d, id);
    return n < 0 ? -1 : (int)ndpi_get_proto_breed(d->ndpi, (u_int16_t)n);
}

size_t ntc__dpi_state_bytes(void)
{
    return sizeof(struct ntc__dpi_flow);
}

int ntc__dpi_flow_start(ntc__dpi *d, struct ntc_flow *f)
{
    (void)d;
    f->dpi = calloc(1, sizeof(*f->dpi));
    return f->dpi ? 0 : NTC_ENOMEM;
}

static void free_state(struct ntc_flow *f)
{
    if (f->dpi) {
        ndpi_free_flow_data(&f->dpi->nf);
        free(f->dpi);
        f->dpi = NULL;
    }
}

void ntc__dpi_flow_release(struct ntc_flow *f)
{
    free_state(f);
    free(f->meta);
    f->meta = NULL;
}

/* ---- metadata ---- */

/* Values are (pointer, length) pairs: nDPI's fixed-size arrays are read only up to their size,
 * never trusting them to be NUL-terminated. */
typedef struct meta_builder {
    int n;
    struct {
        int key;
        const char *val;
        size_t len;
        char tmp[64];
    } e[NTC_META_COUNT];
} meta_builder;

#define META_MAX_VALUE 1024

static void mb_addn(meta_builder *b, int key, const char *val, size_t max)
{
    if (!val || b->n >= NTC_META_COUNT)
        return;
    size_t len = strnlen(val, NTC__MIN(max, (size_t)META_MAX_VALUE));
    if (len == 0)
        return;
    b->e[b->n].key = key;
    b->e[b->n].val = val;
    b->e[b->n].len = len;
    b->n++;
}

/* A NUL-terminated string nDPI allocated. */
static void mb_add(meta_builder *b, int key, const char *val)
{
    mb_addn(b, key, val, META_MAX_VALUE);
}

/* A fixed-size array inside nDPI's flow struct. */
#define MB_ADD_ARRAY(b, key, arr) mb_addn((b), (key), (arr), sizeof(arr))

static void mb_addf(meta_builder *b, int key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void mb_addf(meta_builder *b, int key, const char *fmt, ...)
{
    if (b->n >= NTC_META_COUNT)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->e[b->n].tmp, sizeof(b->e[b->n].tmp), fmt, ap);
    va_end(ap);
    mb_addn(b, key, b->e[b->n].tmp, sizeof(b->e[b->n].tmp));
}

static ntc__flow_meta *mb_build(const meta_builder *b)
{
    if (b->n == 0)
        return NULL;
    size_t hdr = sizeof(ntc__flow_meta) + (size_t)b->n * sizeof(((ntc__flow_meta *)0)->ent[0]);
    size_t total = hdr;
    for (int i = 0; i < b->n; i++)
        total += b->e[i].len + 1;
    if (total > UINT16_MAX)
        return NULL;
    ntc__flow_meta *m = malloc(total);
    if (!m)
        return NULL;
    m->count = (uint16_t)b->n;
    m->size = (uint16_t)total;
    size_t off = hdr;
    for (int i = 0; i < b->n; i++) {
        size_t l = b->e[i].len;
        m->ent[i].key = (uint8_t)b->e[i].key;
        m->ent[i].pad = 0;
        m->ent[i].off = (uint16_t)off;
        memcpy((char *)m + off, b->e[i].val, l);
        ((char *)m)[off + l] = 0;
        off += l + 1;
    }
    return m;
}

const char *ntc__meta_get(const ntc__flow_meta *m, int key)
{
    if (!m)
        return NULL;
    for (uint16_t i = 0; i < m->count; i++)
        if (m->ent[i].key == key)
            return (const char *)m + m->ent[i].off;
    return NULL;
}

int ntc__dpi_meta_dup(struct ntc_flow *dst, const struct ntc_flow *src)
{
    dst->meta = NULL;
    if (!src->meta)
        return 0;
    dst->meta = malloc(src->meta->size);
    if (!dst->meta)
        return NTC_ENOMEM;
    memcpy(dst->meta, src->meta, src->meta->size);
    return 0;
}

static int is_proto(ndpi_protocol r, uint16_t id)
{
    return r.master_protocol == id || r.app_protocol == id;
}

static void collect_meta(ntc__dpi *d, struct ntc_flow *f, ndpi_protocol r, meta_builder *b)
{
    struct ndpi_flow_struct *nf = &f->dpi->nf;
    const char *host = nf->host_server_name;
#define HOST_ADD(key) MB_ADD_ARRAY(b, key, nf->host_server_name)
    if (nf->http.url || nf->http.method != NDPI_HTTP_METHOD_UNKNOWN || nf->http.response_status_code) {
        if (nf->http.method != NDPI_HTTP_METHOD_UNKNOWN)
            mb_add(b, NTC_META_HTTP_METHOD, ndpi_http_method2str(nf->http.method));
        mb_add(b, NTC_META_HTTP_URL, nf->http.url);
        HOST_ADD(NTC_META_HTTP_HOST);
        mb_add(b, NTC_META_HTTP_USER_AGENT, nf->http.user_agent);
        mb_add(b, NTC_META_HTTP_MIME, nf->http.content_type);
        if (nf->http.response_status_code)
            mb_addf(b, NTC_META_HTTP_RET_CODE, "%u", nf->http.response_status_code);
        host = NULL;
    }
    if (is_proto(r, NDPI_PROTOCOL_DNS) || is_proto(r, NDPI_PROTOCOL_LLMNR)) {
        HOST_ADD(NTC_META_DNS_QUERY);
        if (nf->protos.dns.query_type)
            mb_addf(b, NTC_META_DNS_QUERY_TYPE, "%u", nf->protos.dns.query_type);
        if (!nf->protos.dns.is_query || nf->protos.dns.num_answers || nf->protos.dns.reply_code)
            mb_addf(b, NTC_META_DNS_RET_CODE, "%u", nf->protos.dns.reply_code);
        if (nf->protos.dns.num_answers && (nf->protos.dns.rsp_type == 1 || nf->protos.dns.rsp_type == 28)) {
            char a[64];
            int v6 = nf->protos.dns.rsp_type == 28;
            if (inet_ntop(v6 ? AF_INET6 : AF_INET, &nf->protos.dns.rsp_addr, a, sizeof(a)))
                mb_addf(b, NTC_META_DNS_ANSWER, "%s", a);
        }
        host = NULL;
    } else if (is_proto(r, NDPI_PROTOCOL_TLS) || is_proto(r, NDPI_PROTOCOL_QUIC) ||
               is_proto(r, NDPI_PROTOCOL_DTLS) || is_proto(r, NDPI_PROTOCOL_MAIL_SMTPS) ||
               is_proto(r, NDPI_PROTOCOL_MAIL_IMAPS) || is_proto(r, NDPI_PROTOCOL_MAIL_POPS)) {
        HOST_ADD(NTC_META_TLS_SERVER_NAME);
        if (nf->protos.tls_quic.ssl_version) {
            char v[32];
            uint8_t unknown = 0;
            ndpi_ssl_version2str(v, sizeof(v), nf->protos.tls_quic.ssl_version, &unknown);
            mb_addf(b, NTC_META_TLS_VERSION, "%s", v);
        }
        MB_ADD_ARRAY(b, NTC_META_JA3C_HASH, nf->protos.tls_quic.ja3_client);
        MB_ADD_ARRAY(b, NTC_META_JA3S_HASH, nf->protos.tls_quic.ja3_server);
        mb_add(b, NTC_META_TLS_ISSUER_DN, nf->protos.tls_quic.issuerDN);
        mb_add(b, NTC_META_TLS_SUBJECT_DN, nf->protos.tls_quic.subjectDN);
        if (nf->protos.tls_quic.notBefore)
            mb_addf(b, NTC_META_TLS_NOT_BEFORE, "%" PRIu32, nf->protos.tls_quic.notBefore);
        if (nf->protos.tls_quic.notAfter)
            mb_addf(b, NTC_META_TLS_NOT_AFTER, "%" PRIu32, nf->protos.tls_quic.notAfter);
        mb_add(b, NTC_META_TLS_ALPN, nf->protos.tls_quic.alpn);
        host = NULL;
    } else if (is_proto(r, NDPI_PROTOCOL_SSH)) {
        MB_ADD_ARRAY(b, NTC_META_SSH_CLIENT, nf->protos.ssh.client_signature);
        MB_ADD_ARRAY(b, NTC_META_SSH_SERVER, nf->protos.ssh.server_signature);
    } else if (is_proto(r, NDPI_PROTOCOL_DHCP)) {
        HOST_ADD(NTC_META_DHCP_HOST_NAME);
        host = NULL;
    }
    if (host)
        HOST_ADD(NTC_META_HOST_NAME);
#undef HOST_ADD
    if ((r.master_protocol >= NDPI_LAST_IMPLEMENTED_PROTOCOL ||
         r.app_protocol >= NDPI_LAST_IMPLEMENTED_PROTOCOL)) {
        char name[64];
        ndpi_protocol2name(d->ndpi, r, name, sizeof(name));
        mb_addf(b, NTC_META_L7_NAME, "%s", name);
    }
}

static uint16_t map_app(const ntc__dpi *d, uint16_t ndpi_id)
{
    return ndpi_id < d->app_map_len ? d->app_map[ndpi_id] : 0;
}

/* Copy nDPI's verdict into the flow, then free nDPI's state. */
static void conclude(ntc__dpi *d, struct ntc_flow *f, ndpi_protocol r, int gave_up)
{
    struct ndpi_flow_struct *nf = &f->dpi->nf;
    ntc__flow_l7 *l = &f->l7;
    l->master = map_app(d, r.master_protocol);
    l->app = map_app(d, r.app_protocol);
    if (l->master == l->app)
        l->master = 0;
    l->category = d->cat_map[(unsigned)r.category & 0xff];
    uint16_t main_id = r.app_protocol ? r.app_protocol : r.master_protocol;
    l->breed = (uint8_t)ndpi_get_proto_breed(d->ndpi, main_id);
    if (!gave_up)
        l->how = NTC_L7_DPI;
    else if (!r.app_protocol && !r.master_protocol)
        l->how = NTC_L7_UNKNOWN;
    else if (nf->confidence == NDPI_CONFIDENCE_DPI || nf->confidence == NDPI_CONFIDENCE_DPI_CACHE)
        l->how = NTC_L7_DPI;
    else
        l->how = NTC_L7_GUESS;
    l->risk = (uint64_t)nf->risk;
    if (nf->http.url) {
        /* nDPI 4.2 leaves the checks of the URL's query (XSS, SQL injection, RCE) and of ".."
         * to its caller: its own reader adds them to the flow's risks, so do we. */
        ndpi_risk_enum u = ndpi_validate_url(nf->http.url);
        if (u != NDPI_NO_RISK && u < 64)
            l->risk |= (uint64_t)1 << u;
    }
    if (l->risk) {
        u_int16_t cli = 0, srv = 0;
        l->risk_score = ndpi_risk2score((ndpi_risk)l->risk, &cli, &srv);
    }
    meta_builder b;
    b.n = 0;
    collect_meta(d, f, r, &b);
    free(f->meta);
    f->meta = mb_build(&b);
    free_state(f);
}

int ntc__dpi_packet(ntc__dpi *d, struct ntc_flow *f, const ntc__pkt *p, uint64_t ts_us)
{
    if (!f->dpi)
        return 0;
    uint64_t pkts = f->pkts[0] + f->pkts[1];
    uint32_t limit = f->key.proto == 6 ? d->max_pkts_tcp
                     : f->key.proto == 17 ? d->max_pkts_udp : d->max_pkts_other;
    int enough = pkts > limit;
    ndpi_protocol r = {0};
    if (p->l3 && p->l4) {
        /* Only the innermost IP packet, only what was captured, and never past its IP length. */
        uint32_t len = NTC__MIN(p->l3_caplen, p->ip_len);
        if (len > 65535)
            len = 65535;
        r = ndpi_detection_process_packet(d->ndpi, &f->dpi->nf, p->l3, (unsigned short)len,
                                          ts_us / 1000);
        if (f->l7.dpi_packets < UINT16_MAX)
            f->l7.dpi_packets++;
    } else {
        r.master_protocol = f->dpi->nf.detected_protocol_stack[1];
        r.app_protocol = f->dpi->nf.detected_protocol_stack[0];
        r.category = f->dpi->nf.category;
    }
    if (r.app_protocol == NDPI_PROTOCOL_UNKNOWN && !enough)
        return 0;
    if (r.app_protocol != NDPI_PROTOCOL_UNKNOWN && !enough &&
        ndpi_extra_dissection_possible(d->ndpi, &f->dpi->nf)) {
        /* Known already, still reading metadata: readers see the application while how stays
         * NTC_L7_PENDING (traffic is accounted to it when the verdict is final). */
        f->l7.master = map_app(d, r.master_protocol);
        f->l7.app = map_app(d, r.app_protocol);
        if (f->l7.master == f->l7.app)
            f->l7.master = 0;
        if (!f->l7.app) {
            f->l7.app = f->l7.master;
            f->l7.master = 0;
        }
        return 0;
    }
    int gave_up = 0;
    if (r.app_protocol == NDPI_PROTOCOL_UNKNOWN) {
        u_int8_t guessed = 0;
        r = ndpi_detection_giveup(d->ndpi, &f->dpi->nf, (u_int8_t)d->guess, &guessed);
        gave_up = 1;
    }
    conclude(d, f, r, gave_up);
    return 1;
}

void ntc__dpi_finish(ntc__dpi *d, struct ntc_flow *f)
{
    if (!f->dpi)
        return;
    struct ndpi_flow_struct *nf = &f->dpi->nf;
    ndpi_protocol r = {0};
    r.app_protocol = nf->detected_protocol_stack[0];
    r.master_protocol = nf->detected_protocol_stack[1];
    r.category = nf->category;
    int gave_up = 0;
    if (r.app_protocol == NDPI_PROTOCOL_UNKNOWN) {
        u_int8_t guessed = 0;
        r = ndpi_detection_giveup(d->ndpi, nf, (u_int8_t)d->guess, &guessed);
        gave_up = 1;
    }
    conclude(d, f, r, gave_up);
}
