/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tui-deadlock.c - fixture for the TUI smoke test: "tui-xfer" holds
 * lock_alpha and wants lock_beta, "tui-audit" holds lock_beta and wants
 * lock_alpha; an idle "tui-idle" thread sleeps.  Prints "ready" once both
 * hold their first lock, then waits forever. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

pthread_mutex_t lock_alpha = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_beta = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both_hold;

static void *xfer(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "tui-xfer");
	pthread_mutex_lock(&lock_alpha);
	pthread_barrier_wait(&both_hold);
	pthread_mutex_lock(&lock_beta);
	return NULL;
}

static void *audit(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "tui-audit");
	pthread_mutex_lock(&lock_beta);
	pthread_barrier_wait(&both_hold);
	pthread_mutex_lock(&lock_alpha);
	return NULL;
}

static void *idle(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "tui-idle");
	for (;;)
		sleep(1000);
	return NULL;
}

int main(void)
{
	pthread_t a, b, c;

	pthread_barrier_init(&both_hold, NULL, 3);
	pthread_create(&a, NULL, xfer, NULL);
	pthread_create(&b, NULL, audit, NULL);
	pthread_create(&c, NULL, idle, NULL);
	pthread_barrier_wait(&both_hold);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}
