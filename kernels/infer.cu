// placeholder, replaced below
#include <cuda_runtime.h>
#include <stdio.h>
extern "C" {
#include "xtalproof/infer.h"
}
extern "C" int xp_infer_gpu_available(char *why, size_t cap)
{
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) {
        if (why && cap) snprintf(why, cap, "no CUDA device present");
        return 0;
    }
    return 1;
}
extern "C" int xp_infer_gpu_batch(const xp_model *m, const xp_graph *const *g, size_t n,
                                  size_t max_atoms, xp_infer_out *out, xp_error *err)
{
    (void)m, (void)g, (void)n, (void)max_atoms, (void)out;
    return xp_error_set(err, XP_EUNSUPPORTED, "not yet");
}
