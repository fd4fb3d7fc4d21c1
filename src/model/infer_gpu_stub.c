/* Builds without the CUDA kernels: the GPU backend says plainly that it is not there. */
#include <stdio.h>

#include "xtalproof/infer.h"

#ifndef XP_HAVE_CUDA
int xp_infer_gpu_available(char *why, size_t cap)
{
    if (why && cap)
        snprintf(why, cap, "this build has no CUDA kernels (nvcc was not found)");
    return 0;
}

int xp_infer_gpu_batch(const xp_model *m, const xp_graph *const *g, size_t n, size_t max_atoms,
                       xp_infer_out *out, xp_error *err)
{
    (void)m, (void)g, (void)n, (void)max_atoms, (void)out;
    return xp_error_set(err, XP_EUNSUPPORTED, "this build has no CUDA kernels");
}
#else
typedef int xp_infer_gpu_stub_unused;
#endif
