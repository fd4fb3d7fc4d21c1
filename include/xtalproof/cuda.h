/* What the CUDA side of the build can see. Present in every build; without the kernels
 * compiled in, it reports that plainly. */
#ifndef XTALPROOF_CUDA_H
#define XTALPROOF_CUDA_H

#include <stddef.h>

typedef struct xp_cuda_info {
    int compiled;       /* 1 if kernels/ was built in */
    int runtime_version; /* e.g. 13000, 0 if unknown */
    int driver_version;  /* 0 if no driver */
    int device_count;
    char device_name[256]; /* first device, empty if none */
    char status[256];      /* one sentence: why no device, or "ok" */
} xp_cuda_info;

void xp_cuda_query(xp_cuda_info *info);

#endif
