// Device discovery for the CUDA backend. The forward-pass kernels will live beside it.
#include <cuda_runtime.h>
#include <stdio.h>
#include <string.h>

extern "C" {
#include "xtalproof/cuda.h"
}

extern "C" void xp_cuda_query(xp_cuda_info *info)
{
    memset(info, 0, sizeof *info);
    info->compiled = 1;
    cudaRuntimeGetVersion(&info->runtime_version);
    cudaDriverGetVersion(&info->driver_version);
    if (info->driver_version == 0) {
        snprintf(info->status, sizeof info->status, "no CUDA driver on this machine");
        return;
    }
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        snprintf(info->status, sizeof info->status, "no usable CUDA device: %s",
                 cudaGetErrorString(e));
        return;
    }
    info->device_count = n;
    if (n > 0) {
        cudaDeviceProp prop;
        if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess)
            snprintf(info->device_name, sizeof info->device_name, "%.200s (sm_%d%d, %zu MiB)",
                     prop.name, prop.major, prop.minor, prop.totalGlobalMem >> 20);
        snprintf(info->status, sizeof info->status, "ok");
    } else {
        snprintf(info->status, sizeof info->status, "no CUDA device present");
    }
}
