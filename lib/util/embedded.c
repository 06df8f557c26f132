/* embedded.c: lookup in the generated table (see embedded.h). */
#include "util/embedded.h"

#include <string.h>

const struct updx_embedded_file *updx_embedded_find(const char *path)
{
    for (const struct updx_embedded_file *f = updx_embedded_files; f->path; f++)
        if (strcmp(f->path, path) == 0)
            return f;
    return NULL;
}
