/* Alert sinks the library writes itself: JSON lines (alert.jsonl), syslog in RFC 5424 format over
 * a local datagram socket or UDP (alert.syslog), and a command run for every alert (alert.exec).
 *
 * None of them may stall the engine: the syslog socket is non-blocking (a message it cannot take
 * is dropped and counted); a command gets the alert through a pipe filled before it starts (so
 * neither a slow nor a dead reader can block or signal us), runs in the background, is reaped at
 * the next tick and killed after alert.exec_timeout. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alert/alert.h"
#include "core/config_keys.h"
#include "core/engine_int.h"
#include "ntopcore/error.h"

extern char **environ;

/* ---- syslog target syntax ---- */

/* Split "udp:HOST:PORT" (HOST may be [v6]); 0 on success. */
static int split_udp(const char *t, char *host, size_t hlen, char *port, size_t plen)
{
    const char *h = t + 4, *colon;
    if (*h == '[') {
        const char *close = strchr(h, ']');
        if (!close || close[1] != ':')
            return -1;
        if ((size_t)(close - h - 1) >= hlen || close == h + 1)
            return -1;
        memcpy(host, h + 1, (size_t)(close - h - 1));
        host[close - h - 1] = 0;
        colon = close + 1;
    } else {
        colon = strrchr(h, ':');
        if (!colon || colon == h || (size_t)(colon - h) >= hlen)
            return -1;
        memcpy(host, h, (size_t)(colon - h));
        host[colon - h] = 0;
        if (strchr(host, ':'))
            return -1; /* an IPv6 address needs brackets */
    }
    const char *p = colon + 1;
    char *end;
    long v = strtol(p, &end, 10);
    if (!*p || *end || v < 1 || v > 65535 || strlen(p) >= plen)
        return -1;
    snprintf(port, plen, "%ld", v);
    return 0;
}

int ntc__alert_check_syslog(const char *text, char *why, size_t whylen)
{
    if (!text[0])
        return 0;
    if (!strncmp(text, "unix:", 5)) {
        size_t n = strlen(text + 5);
        if (n == 0 || n >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
            ntc__fmt(why, whylen, "unix: needs a socket path of 1 to %zu bytes",
                     sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
            return -1;
        }
        return 0;
    }
    if (!strncmp(text, "udp:", 4)) {
        char host[256], port[8];
        if (split_udp(text, host, sizeof(host), port, sizeof(port))) {
            ntc__fmt(why, whylen, "'%s' is not udp:HOST:PORT (IPv6: udp:[ADDR]:PORT, port 1-65535)",
                     text);
            return -1;
        }
        return 0;
    }
    ntc__fmt(why, whylen, "'%s' is neither unix:PATH nor udp:HOST:PORT", text);
    return -1;
}

static int syslog_connect(ntc__sinks *s, char *err, size_t errlen)
{
    if (s->syslog_fd >= 0) {
        close(s->syslog_fd);
        s->syslog_fd = -1;
    }
    const char *t = s->syslog_target;
    if (s->syslog_unix) {
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
            ntc__fmt(err, errlen, "alert.syslog: socket: %s", strerror(errno));
            return NTC_EIO;
        }
        struct sockaddr_un sa;
        memset(&sa, 0, sizeof(sa));
        sa.sun_family = AF_UNIX;
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", t + 5);
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
            ntc__fmt(err, errlen, "alert.syslog: cannot connect to %s: %s", t, strerror(errno));
            close(fd);
            return NTC_EIO;
        }
        s->syslog_fd = fd;
        return 0;
    }
    char host[256], port[8];
    if (split_udp(t, host, sizeof(host), port, sizeof(port))) {
        ntc__fmt(err, errlen, "alert.syslog: bad target '%s'", t);
        return NTC_EINVAL;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0 || !res) {
        ntc__fmt(err, errlen, "alert.syslog: cannot resolve %s: %s", host, gai_strerror(gai));
        return NTC_EIO;
    }
    int fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        ntc__fmt(err, errlen, "alert.syslog: cannot reach %s: %s", t, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return NTC_EIO;
    }
    freeaddrinfo(res);
    s->syslog_fd = fd;
    return 0;
}

int ntc__sinks_open(ntc__sinks *s, const struct ntc_config *cfg, char *err, size_t errlen)
{
    const char *j = ntc__config_str(cfg, NTC__CFG_ALERT_JSONL);
    if (j[0]) {
        if (!(s->jsonl_path = strdup(j)))
            return NTC_ENOMEM;
        if (!(s->jsonl = fopen(j, "ae"))) {
            ntc__fmt(err, errlen, "alert.jsonl: cannot open %s: %s", j, strerror(errno));
            return NTC_EIO;
        }
    }
    const char *sl = ntc__config_str(cfg, NTC__CFG_ALERT_SYSLOG);
    if (sl[0]) {
        char why[200];
        if (ntc__alert_check_syslog(sl, why, sizeof(why))) {
            ntc__fmt(err, errlen, "alert.syslog: %s", why);
            return NTC_EINVAL;
        }
        if (!(s->syslog_target = strdup(sl)))
            return NTC_ENOMEM;
        s->syslog_unix = !strncmp(sl, "unix:", 5);
        s->facility = (int)ntc__config_int(cfg, NTC__CFG_ALERT_SYSLOG_FACILITY);
        int rc = syslog_connect(s, err, errlen);
        if (rc)
            return rc;
        if (gethostname(s->hostname, sizeof(s->hostname) - 1) != 0 || !s->hostname[0])
            snprintf(s->hostname, sizeof(s->hostname), "-");
        for (char *p = s->hostname; *p; p++)
            if (*p <= 32 || *p >= 127)
                *p = '_';
    }
    const char *x = ntc__config_str(cfg, NTC__CFG_ALERT_EXEC);
    if (x[0]) {
        s->max_children = (unsigned)ntc__config_int(cfg, NTC__CFG_ALERT_EXEC_MAX);
        s->exec_timeout_us = (uint64_t)ntc__config_int(cfg, NTC__CFG_ALERT_EXEC_TIMEOUT) * 1000000u;
        if (!(s->exec_cmd = strdup(x)) ||
            !(s->children = calloc(s->max_children, sizeof(*s->children))))
            return NTC_ENOMEM;
    }
    return 0;
}

/* ---- alert.exec ---- */

static void child_done(ntc__alerts *a, unsigned i, int status, int killed)
{
    ntc__sinks *s = &a->sinks;
    if (killed) {
        a->st.exec_failed++;
        ntc__alert_log(a, NTC_LOG_WARNING, "alert.exec: command still running after %" PRIu64
                       " s, killed (pid %d)", s->exec_timeout_us / 1000000u, (int)s->children[i].pid);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        a->st.exec_failed++;
        ntc__alert_log(a, NTC_LOG_WARNING, "alert.exec: command exited with status %d",
                       WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
        a->st.exec_failed++;
        ntc__alert_log(a, NTC_LOG_WARNING, "alert.exec: command killed by signal %d",
                       WTERMSIG(status));
    }
    s->children[i] = s->children[--s->nchildren];
}

void ntc__sinks_reap(ntc__alerts *a, int wait_all)
{
    ntc__sinks *s = &a->sinks;
    for (;;) {
        uint64_t now = ntc__mono_us();
        for (unsigned i = 0; i < s->nchildren;) {
            int status = 0;
            pid_t r = waitpid(s->children[i].pid, &status, WNOHANG);
            if (r == s->children[i].pid || (r < 0 && errno == ECHILD)) {
                child_done(a, i, r < 0 ? 0 : status, 0);
                continue;
            }
            if (now >= s->children[i].deadline_us) {
                kill(s->children[i].pid, SIGKILL);
                while (waitpid(s->children[i].pid, &status, 0) < 0 && errno == EINTR)
                    ;
                child_done(a, i, status, 1);
                continue;
            }
            i++;
        }
        if (!wait_all || !s->nchildren)
            return;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* Environment value: control characters become '?'. */
static char *env_var(const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    char *v = malloc(nl + vl + 2);
    if (!v)
        return NULL;
    memcpy(v, name, nl);
    v[nl] = '=';
    for (size_t i = 0; i < vl; i++)
        v[nl + 1 + i] = (unsigned char)value[i] < 0x20 || value[i] == 0x7f ? '?' : value[i];
    v[nl + 1 + vl] = 0;
    return v;
}

static void run_exec(ntc__alerts *a, const ntc_alert *al, const char *json, size_t jlen)
{
    ntc__sinks *s = &a->sinks;
    if (s->nchildren)
        ntc__sinks_reap(a, 0);
    if (s->nchildren >= s->max_children) {
        a->st.exec_dropped++;
        if (a->st.exec_dropped == 1 || a->st.exec_dropped % 1000 == 0)
            ntc__alert_log(a, NTC_LOG_WARNING, "alert.exec: %u commands still running: alert %"
                           PRIu64 " not run (%" PRIu64 " so far)", s->nchildren, al->id,
                           a->st.exec_dropped);
        return;
    }
    if (jlen + 1 > 60000) {
        a->st.exec_failed++;
        return; /* cannot happen: alerts are a few kB; the pipe holds 64 kB */
    }
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        a->st.exec_failed++;
        ntc__alert_log(a, NTC_LOG_WARNING, "alert.exec: pipe: %s", strerror(errno));
        return;
    }
    /* The whole alert goes into the pipe before the command starts: nothing can block. */
    ssize_t w = write(pfd[1], json, jlen);
    ssize_t w2 = write(pfd[1], "\n", 1);
    close(pfd[1]);
    if (w != (ssize_t)jlen || w2 != 1) {
        close(pfd[0]);
        a->st.exec_failed++;
        return;
    }
    char num[32], tm[32];
    snprintf(num, sizeof(num), "%" PRIu64, al->id);
    snprintf(tm, sizeof(tm), "%" PRIu64, al->time_us / 1000000u);
    const char *tn = ntc_alert_type_name(al->type), *sv = ntc_alert_severity_name(al->severity);
    const char *en = ntc_alert_entity_name(al->entity), *st = ntc_alert_state_name(al->state);
    const char *vars[][2] = {
        {"NTC_ALERT_ID", num}, {"NTC_ALERT_TYPE", tn ? tn : ""},
        {"NTC_ALERT_SEVERITY", sv ? sv : ""}, {"NTC_ALERT_ENTITY", en ? en : ""},
        {"NTC_ALERT_ENTITY_ID", ntc_alert_entity_id(al)}, {"NTC_ALERT_STATE", st ? st : ""},
        {"NTC_ALERT_TIME", tm}, {"NTC_ALERT_DESCRIPTION", ntc_alert_description(al)},
        {"NTC_ALERT_JSON", json}};
    size_t nenv = 0;
    while (environ && environ[nenv])
        nenv++;
    size_t nv = NTC__ARRAY_LEN(vars);
    char **envp = calloc(nenv + nv + 1, sizeof(char *));
    char *own[NTC__ARRAY_LEN(vars)] = {0};
    int ok = envp != NULL;
    size_t k = 0;
    for (size_t i = 0; ok && i < nv; i++) {
        if (!(own[i] = env_var(vars[i][0], vars[i][1])))
            ok = 0;
        else
            envp[k++] = own[i];
    }
    /* The caller's environment, minus variables we set. */
    for (size_t i = 0; ok && i < nenv; i++)
        if (strncmp(environ[i], "NTC_ALERT_", 10) != 0)
            envp[k++] = environ[i];
    pid_t pid = -1;
    int rc = -1;
    if (ok) {
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, pfd[0], 0);
        /* Standard output is the embedding program's (ntop-export prints records there). */
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        char *argv[] = {"sh", "-c", s->exec_cmd, NULL};
        rc = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, envp);
        posix_spawn_file_actions_destroy(&fa);
    }
    close(pfd[0]);
    for (size_t i = 0; i < nv; i++)
        free(own[i]);
    free(envp);
    if (rc != 0) {
        a->st.exec_failed++;
        ntc__alert_log(a, NTC_LOG_WARNING, "alert.exec: cannot start /bin/sh: %s",
                       ok ? strerror(rc) : "out of memory");
        return;
    }
    a->st.exec_started++;
    s->children[s->nchildren].pid = pid;
    s->children[s->nchildren].deadline_us = ntc__mono_us() + s->exec_timeout_us;
    s->nchildren++;
}

/* ---- syslog ---- */

/* Append src to dst as an RFC 5424 PARAM-VALUE (escape '"', '\\' and ']'; ASCII only). */
static size_t sd_value(char *dst, size_t room, const char *src)
{
    size_t k = 0;
    for (; *src && k + 2 < room; src++) {
        unsigned char c = (unsigned char)*src;
        if (c == '"' || c == '\\' || c == ']')
            dst[k++] = '\\';
        dst[k++] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
    }
    if (room)
        dst[k < room ? k : room - 1] = 0;
    return k;
}

static void send_syslog(ntc__alerts *a, const ntc_alert *al)
{
    ntc__sinks *s = &a->sinks;
    static const int sev[] = {6, 4, 3, 2}; /* info, warning, error -> err, critical -> crit */
    int pri = s->facility * 8 + sev[al->severity <= NTC_ALERT_CRITICAL ? al->severity : 0];
    time_t secs = (time_t)(al->time_us / 1000000u);
    struct tm tmv;
    gmtime_r(&secs, &tmv);
    char ts[64];
    snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tmv.tm_year + 1900,
             tmv.tm_mon + 1, tmv.tm_mday, tmv.tm_hour, tmv.tm_min, tmv.tm_sec,
             (unsigned)(al->time_us % 1000000u));
    const char *tn = ntc_alert_type_name(al->type), *sv = ntc_alert_severity_name(al->severity);
    const char *en = ntc_alert_entity_name(al->entity), *st = ntc_alert_state_name(al->state);
    char msg[2048], eid[256];
    sd_value(eid, sizeof(eid), ntc_alert_entity_id(al));
    int n = snprintf(msg, sizeof(msg),
                     "<%d>1 %s %s ntopcore %d %s [ntopcore@35632 id=\"%" PRIu64 "\" state=\"%s\" "
                     "severity=\"%s\" entity=\"%s\" entity_id=\"%s\"] ",
                     pri, ts, s->hostname, (int)getpid(), tn ? tn : "-", al->id, st ? st : "",
                     sv ? sv : "", en ? en : "", eid);
    if (n < 0 || (size_t)n >= sizeof(msg))
        return;
    /* MSG in plain ASCII (no BOM needed): anything else becomes '?'. */
    size_t k = (size_t)n;
    for (const char *p = ntc_alert_description(al); *p && k + 1 < sizeof(msg); p++)
        msg[k++] = ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f) ? '?' : *p;
    msg[k] = 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (s->syslog_fd >= 0 && send(s->syslog_fd, msg, k, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)k) {
            s->warned_syslog = 0;
            return;
        }
        int e = s->syslog_fd >= 0 ? errno : ENOTCONN;
        /* A local syslog daemon that restarted: connect again, once. */
        if (attempt == 0 && (e == ECONNREFUSED || e == ENOTCONN || e == ENOENT)) {
            char err[256];
            if (syslog_connect(s, err, sizeof(err)) == 0)
                continue;
        }
        a->st.sink_errors++;
        if (!s->warned_syslog) {
            s->warned_syslog = 1;
            ntc__alert_log(a, NTC_LOG_WARNING, "alert.syslog: cannot send to %s: %s (alerts are "
                           "dropped until it works again)", s->syslog_target, strerror(e));
        }
        return;
    }
}

/* ---- all sinks ---- */

void ntc__sinks_write(ntc__alerts *a, const ntc_alert *al)
{
    ntc__sinks *s = &a->sinks;
    if (!s->jsonl && s->syslog_fd < 0 && !s->exec_cmd)
        return;
    int n = 0;
    if (s->jsonl || s->exec_cmd) {
        n = ntc_alert_format_json(al, a->jbuf, a->jcap);
        if (n >= 0 && (size_t)n >= a->jcap) {
            char *nb = realloc(a->jbuf, (size_t)n + 1);
            if (!nb) {
                a->st.sink_errors++;
                return;
            }
            a->jbuf = nb;
            a->jcap = (size_t)n + 1;
            n = ntc_alert_format_json(al, a->jbuf, a->jcap);
        }
        if (n < 0)
            return;
    }
    if (s->jsonl) {
        if (fwrite(a->jbuf, 1, (size_t)n, s->jsonl) != (size_t)n || fputc('\n', s->jsonl) == EOF ||
            fflush(s->jsonl) != 0) {
            a->st.sink_errors++;
            if (!s->warned_jsonl) {
                s->warned_jsonl = 1;
                ntc__alert_log(a, NTC_LOG_WARNING, "alert.jsonl: cannot write %s: %s",
                               s->jsonl_path, strerror(errno));
            }
            clearerr(s->jsonl);
        } else {
            s->warned_jsonl = 0;
        }
    }
    if (s->syslog_fd >= 0 || s->syslog_target)
        send_syslog(a, al);
    if (s->exec_cmd)
        run_exec(a, al, a->jbuf, (size_t)n);
}

void ntc__sinks_close(ntc__sinks *s)
{
    if (s->jsonl)
        fclose(s->jsonl);
    if (s->syslog_fd >= 0)
        close(s->syslog_fd);
    free(s->jsonl_path);
    free(s->syslog_target);
    free(s->exec_cmd);
    free(s->children);
    memset(s, 0, sizeof(*s));
    s->syslog_fd = -1;
}
