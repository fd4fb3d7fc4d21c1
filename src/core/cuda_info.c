/* Without the CUDA kernels compiled in, the query says so. kernels/device.cu provides the
 * real one when they are. */
#include "xtalproof/cuda.h"

#ifndef XP_HAVE_CUDA
#include <stdio.h>
#include <string.h>

void xp_cuda_query(xp_cuda_info *info)
{
    memset(info, 0, sizeof *info);
    snprintf(info->status, sizeof info->status,
             "this build has no CUDA kernels (nvcc was not found or XTALPROOF_CUDA=OFF)");
}
#else
typedef int xp_cuda_info_unused; /* ISO C wants a translation unit to declare something */
#endif
