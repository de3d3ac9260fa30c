/* JSON records to Python's marshal format (marshal_out.c). */
#ifndef NTCPY_MARSHAL_OUT_H
#define NTCPY_MARSHAL_OUT_H

#include <stddef.h>

#include "bind_common.h"

/* Re-encode one JSON value (the library's records: objects, arrays, strings, numbers) as
 * marshal data into out (cleared first). 0, or -1 on malformed text or want of memory. */
int ntcpy_marshal(const char *json, size_t n, ntcb_buf *out);

#endif
