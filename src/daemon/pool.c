/* The node's pool of workers for heavy requests (node_internal.h, docs/architecture.md "The
 * node's threads"): a fixed number of threads take jobs from a queue of bounded length; a
 * timer thread answers every job whose deadline passed (503 while it waits, 504 while it runs)
 * and wakes its connection, so no client waits past its deadline whatever a worker is doing.
 * A job's state changes under the pool's lock only; the job is freed by whichever of its two
 * holders (the connection and the pool) lets it go last. */
#define _DEFAULT_SOURCE /* syscall(SYS_gettid) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "node_internal.h"
#include "xtalproof/bytes.h"

enum { QUEUED, RUNNING, COMMITTING, ANSWERED };

struct xp_pool {
    pthread_mutex_t mu;
    pthread_cond_t work, tick;
    xp_job *head, *tail; /* the queue */
    xp_job *live;        /* every job not yet answered (queued or running) */
    unsigned queued, queue_max, busy, nthreads;
    int stopping, has_timer;
    pthread_t timer;
    pthread_t threads[];
};

void xp_job_free(xp_job *j)
{
    if (!j)
        return;
    free(j->body);
    free(j->content_type);
    xp_query_free(&j->query);
    free(j->a.body);
    free(j);
}

/* Drops one holder's reference (under the lock); the last frees the job after the unlock. */
static int unref(xp_job *j)
{
    return --j->refs == 0;
}

static void live_remove(xp_pool *p, xp_job *j)
{
    if (j->prev)
        j->prev->next_live = j->next_live;
    else if (p->live == j)
        p->live = j->next_live;
    if (j->next_live)
        j->next_live->prev = j->prev;
    j->prev = j->next_live = NULL;
}

/* Sets the answer of a job not yet answered (under the lock): the caller wakes it after. */
static void answer(xp_pool *p, xp_job *j, unsigned status, const char *msg, unsigned retry)
{
    xp_answer_error(&j->a, status, msg);
    j->a.retry_after = retry;
    j->state = ANSWERED;
    live_remove(p, j);
}

static void wake(xp_pool *p, xp_job *j)
{
    j->wake(j);
    pthread_mutex_lock(&p->mu);
    int last = unref(j);
    pthread_mutex_unlock(&p->mu);
    if (last)
        xp_job_free(j);
}

/* A queued job leaves the queue (under the lock). */
static void dequeue(xp_pool *p, xp_job *j)
{
    xp_job **pp = &p->head, *prev = NULL;
    while (*pp && *pp != j) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp)
        return;
    *pp = j->next;
    if (p->tail == j)
        p->tail = prev;
    j->next = NULL;
    p->queued--;
}

/* How much nicer than the server thread a worker is: when the workers fill every core, the
 * light requests (and the timer) still get the CPU at once. */
#define WORKER_NICE 10

static void *worker(void *arg)
{
    xp_pool *p = arg;
    /* Linux: a thread's own nice value, by its thread id (setpriority(2)); failing is harmless */
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), WORKER_NICE);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->head && !p->stopping)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->stopping) /* the jobs left are the timer's to answer */
            break;
        xp_job *j = p->head;
        dequeue(p, j);
        j->state = RUNNING;
        p->busy++;
        pthread_mutex_unlock(&p->mu);
        xp_http_answer a = {0};
        xp_daemon_handle(j->n, &j->hr, &a);
        pthread_mutex_lock(&p->mu);
        p->busy--;
        if (j->state == ANSWERED) { /* past its deadline: the client has its 504 */
            free(a.body);
            if (unref(j)) {
                pthread_mutex_unlock(&p->mu);
                xp_job_free(j);
                pthread_mutex_lock(&p->mu);
            }
            continue;
        }
        j->a = a;
        j->state = ANSWERED;
        live_remove(p, j);
        pthread_mutex_unlock(&p->mu);
        wake(p, j); /* drops the pool's reference */
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Answers the jobs past their deadline (all of them when stopping), every 20 ms. */
static void *timer(void *arg)
{
    xp_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        double now = xp_clock_seconds(CLOCK_MONOTONIC);
        xp_job *due = NULL;
        for (xp_job *j = p->live; j; j = j->next_live)
            if (j->state != COMMITTING && (p->stopping || now >= j->deadline)) {
                due = j;
                break;
            }
        if (due) {
            char msg[200];
            int queued = due->state == QUEUED;
            if (queued)
                dequeue(p, due);
            if (p->stopping)
                snprintf(msg, sizeof msg, "the node is stopping: send the request again later");
            else
                snprintf(msg, sizeof msg,
                         "the request ran past its deadline of %u s %s; its work was abandoned "
                         "(nothing was stored)",
                         due->deadline_s, queued ? "waiting for a worker" : "while it ran");
            answer(p, due, queued || p->stopping ? 503 : 504, msg, 1);
            /* the timer holds the job while it wakes it: a queued job's pool reference passes
             * to it, a running one (its worker holds that) gets one more */
            if (!queued)
                due->refs++;
            pthread_mutex_unlock(&p->mu);
            wake(p, due);
            pthread_mutex_lock(&p->mu);
            continue;
        }
        if (p->stopping && !p->live)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 20 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&p->tick, &p->mu, &ts);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int xp_pool_start(unsigned threads, unsigned queue, xp_pool **out, xp_error *err)
{
    *out = NULL;
    xp_pool *p = calloc(1, sizeof *p + threads * sizeof(pthread_t));
    if (!p)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->tick, NULL);
    p->queue_max = queue;
    int rc = pthread_create(&p->timer, NULL, timer, p);
    p->has_timer = !rc;
    for (unsigned i = 0; !rc && i < threads; i++) {
        rc = pthread_create(&p->threads[i], NULL, worker, p);
        p->nthreads += !rc;
    }
    if (rc) {
        xp_pool_stop(p);
        return xp_error_set(err, XP_EIO, "cannot start the request workers: %s", strerror(rc));
    }
    *out = p;
    return XP_OK;
}

int xp_pool_submit(xp_pool *p, xp_job *j)
{
    pthread_mutex_lock(&p->mu);
    int ok = !p->stopping && p->queued < p->queue_max;
    if (ok) {
        j->state = QUEUED;
        j->refs = 2; /* the connection's and the pool's */
        j->next = NULL;
        if (p->tail)
            p->tail->next = j;
        else
            p->head = j;
        p->tail = j;
        p->queued++;
        j->prev = NULL;
        j->next_live = p->live;
        if (p->live)
            p->live->prev = j;
        p->live = j;
        pthread_cond_signal(&p->work);
    }
    pthread_mutex_unlock(&p->mu);
    return ok ? 0 : -1;
}

int xp_pool_commit(xp_pool *p, xp_job *j)
{
    pthread_mutex_lock(&p->mu);
    int ok = j->state == RUNNING;
    if (ok)
        j->state = COMMITTING;
    pthread_mutex_unlock(&p->mu);
    return ok ? 0 : -1;
}

int xp_pool_take(xp_pool *p, xp_job *j, xp_http_answer *a)
{
    pthread_mutex_lock(&p->mu);
    int got = j->state == ANSWERED && !j->taken;
    if (got) {
        *a = j->a;
        memset(&j->a, 0, sizeof j->a);
        j->taken = 1;
    }
    pthread_mutex_unlock(&p->mu);
    return got;
}

void xp_pool_release(xp_pool *p, xp_job *j)
{
    pthread_mutex_lock(&p->mu);
    int last = unref(j);
    pthread_mutex_unlock(&p->mu);
    if (last)
        xp_job_free(j);
}

void xp_pool_counts(xp_pool *p, unsigned *queued, unsigned *busy)
{
    pthread_mutex_lock(&p->mu);
    *queued = p->queued;
    *busy = p->busy;
    pthread_mutex_unlock(&p->mu);
}

void xp_pool_quiesce(xp_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    pthread_cond_broadcast(&p->work);
    pthread_cond_signal(&p->tick);
    pthread_mutex_unlock(&p->mu);
}

void xp_pool_stop(xp_pool *p)
{
    if (!p)
        return;
    xp_pool_quiesce(p);
    if (p->has_timer)
        pthread_join(p->timer, NULL);
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->tick);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
