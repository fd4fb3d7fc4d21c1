#include "xtalproof/bytes.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *xp_file_kind(mode_t mode)
{
    return S_ISREG(mode)    ? "a regular file"
           : S_ISDIR(mode)  ? "a directory"
           : S_ISFIFO(mode) ? "a FIFO (named pipe)"
           : S_ISSOCK(mode) ? "a socket"
           : S_ISCHR(mode)  ? "a character device"
           : S_ISBLK(mode)  ? "a block device"
                            : "not a file";
}

int xp_file_open_regular(const char *path, xp_error *err)
{
    /* O_NONBLOCK: opening a FIFO with no writer would wait for one */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return xp_error_set(err, errno == ENOENT ? XP_ENOTFOUND : XP_EIO, "cannot open %s: %s",
                            path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return xp_error_set(err, XP_EIO, "cannot read %s: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return xp_error_set(err, XP_EIO, "%s is %s, not a regular file", path,
                            xp_file_kind(st.st_mode));
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

FILE *xp_file_fopen_regular(const char *path, xp_error *err)
{
    int fd = xp_file_open_regular(path, err);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        xp_error_set(err, XP_ENOMEM, "cannot open %s: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

int xp_file_read(const char *path, size_t max, char **data, size_t *len, xp_error *err)
{
    *data = NULL;
    if (len)
        *len = 0;
    int fd = xp_file_open_regular(path, err);
    if (fd < 0)
        return fd;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return xp_error_set(err, XP_EIO, "cannot read %s: %s", path, strerror(e));
    }
    if ((unsigned long long)st.st_size > max) {
        close(fd);
        return xp_error_set(err, XP_EINVAL, "%s is %lld bytes, more than the %zu allowed", path,
                            (long long)st.st_size, max);
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return xp_error_set(err, XP_ENOMEM, "out of memory reading %s", path);
    }
    for (;;) {
        if (n + 1 >= cap) { /* the file grew while we read it */
            if (cap > max) {
                free(buf);
                close(fd);
                return xp_error_set(err, XP_EINVAL, "%s is more than the %zu bytes allowed", path,
                                    max);
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                close(fd);
                return xp_error_set(err, XP_ENOMEM, "out of memory reading %s", path);
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return xp_error_set(err, XP_EIO, "cannot read %s: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n > max) {
        free(buf);
        return xp_error_set(err, XP_EINVAL, "%s is more than the %zu bytes allowed", path, max);
    }
    buf[n] = '\0';
    *data = buf;
    if (len)
        *len = n;
    return XP_OK;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The bytes into a new temporary file beside path (mode, synced); *tmp gets its malloc'd name. */
static int write_temp(const char *path, const void *data, size_t len, mode_t mode, char **tmp,
                      xp_error *err)
{
    size_t plen = strlen(path);
    *tmp = malloc(plen + 16);
    if (!*tmp)
        return xp_error_set(err, XP_ENOMEM, "out of memory writing %s", path);
    snprintf(*tmp, plen + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(*tmp);
    if (fd < 0) {
        int rc = xp_error_set(err, XP_EIO, "cannot create a file beside %s: %s", path,
                              strerror(errno));
        free(*tmp);
        *tmp = NULL;
        return rc;
    }
    if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        int rc = xp_error_set(err, XP_EIO, "cannot write %s: %s", path, strerror(errno));
        close(fd);
        unlink(*tmp);
        free(*tmp);
        *tmp = NULL;
        return rc;
    }
    close(fd);
    return XP_OK;
}

/* The folder's entry of a new name is durable once the folder is synced. */
static void sync_dir(const char *path)
{
    char *dircopy = strdup(path);
    if (!dircopy)
        return;
    int dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(dircopy);
}

int xp_file_create_atomic(const char *path, const void *data, size_t len, mode_t mode,
                          xp_error *err)
{
    if (access(path, F_OK) == 0)
        return xp_error_set(err, XP_EEXIST, "%s already exists; refusing to overwrite it", path);
    char *tmp;
    int rc = write_temp(path, data, len, mode, &tmp, err);
    if (rc)
        return rc;
    /* link() fails if path exists, so a concurrent writer cannot be overwritten either. */
    if (link(tmp, path) != 0) {
        int e = errno;
        rc = e == EEXIST ? xp_error_set(err, XP_EEXIST, "%s already exists; refusing to overwrite it",
                                        path)
                         : xp_error_set(err, XP_EIO, "cannot create %s: %s", path, strerror(e));
    }
    unlink(tmp);
    free(tmp);
    if (!rc)
        sync_dir(path);
    return rc;
}

int xp_file_replace(const char *path, const void *data, size_t len, mode_t mode, xp_error *err)
{
    char *tmp;
    int rc = write_temp(path, data, len, mode, &tmp, err);
    if (rc)
        return rc;
    if (rename(tmp, path) != 0) {
        rc = xp_error_set(err, XP_EIO, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    if (!rc)
        sync_dir(path);
    return rc;
}

void xp_file_warn_shared(const char *path, const char *what)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077))
        fprintf(stderr,
                "xtalproof: warning: %s %s can be read or written by its group or others "
                "(mode %04o); chmod 600 %s\n",
                what, path, (unsigned)(st.st_mode & 07777), path);
}

int xp_password_file_read(const char *path, char **password, xp_error *err)
{
    xp_file_warn_shared(path, "password file");
    char *data;
    size_t len;
    int rc = xp_file_read(path, 4096, &data, &len, err);
    if (rc)
        return xp_error_prefix(err, rc, "password file");
    size_t end = strcspn(data, "\r\n");
    if (end < len)
        xp_wipe(data + end, len - end);
    data[end] = '\0';
    *password = data;
    return XP_OK;
}

int xp_home_dir(char *out, size_t cap, xp_error *err)
{
    const char *h = getenv("XTALPROOF_HOME");
    int n;
    if (h && *h)
        n = snprintf(out, cap, "%s", h);
    else if ((h = getenv("HOME")) && *h)
        n = snprintf(out, cap, "%s/.xtalproof", h);
    else
        return xp_error_set(err, XP_EINVAL, "neither XTALPROOF_HOME nor HOME is set");
    if (n < 0 || (size_t)n >= cap)
        return xp_error_set(err, XP_EINVAL, "the node's home path is too long");
    return XP_OK;
}

double xp_clock_seconds(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}
