#include "ntopcore/error.h"
#include "ntopcore/version.h"
#include "util/util.h"

NTC_EXPORT int ntc_version(void)
{
    return NTC_VERSION_NUMBER;
}

#define NTC__STR2(x) #x
#define NTC__STR(x) NTC__STR2(x)

NTC_EXPORT const char *ntc_version_string(void)
{
    return NTC__STR(NTC_VERSION_MAJOR) "." NTC__STR(NTC_VERSION_MINOR) "." NTC__STR(NTC_VERSION_PATCH);
}

NTC_EXPORT const char *ntc_strerror(int code)
{
    switch (code) {
    case NTC_OK: return "success";
    case NTC_EINVAL: return "invalid argument";
    case NTC_ENOMEM: return "out of memory";
    case NTC_EIO: return "input/output error";
    case NTC_EFORMAT: return "malformed input";
    case NTC_ENOTSUP: return "not supported";
    case NTC_ERANGE: return "value out of range";
    case NTC_ENOKEY: return "unknown configuration key";
    case NTC_ETYPE: return "wrong value type";
    case NTC_EOF: return "end of input";
    case NTC_EFULL: return "limit reached";
    case NTC_ESTATE: return "invalid in the current state";
    default: return "unknown error";
    }
}
