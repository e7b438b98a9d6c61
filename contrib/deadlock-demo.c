/* SPDX-License-Identifier: GPL-2.0-or-later */
/* deadlock-demo.c - a small program that deadlocks on purpose.
 *
 * A toy bank: "transfer" locks the accounts then the ledger, "audit" locks
 * the ledger then the accounts; after both hold their first lock they block
 * on each other forever.  A "teller" queues behind the deadlock, two
 * "worker" threads wait for work on a condition variable that is never
 * signalled, and a "ticker" sleeps.  Prints "ready" once the deadlock is set
 * up, then waits.  Run `cdeadlock -p PID` on it (or `make demo`).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

pthread_mutex_t lock_accounts = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_ledger = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t queue_nonempty = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t both_hold_first_lock;
static long balance[2] = { 100, 0 };

static void post_entry(long amount)
{
	pthread_mutex_lock(&lock_ledger);	/* blocks: audit holds it */
	balance[1] += amount;
	pthread_mutex_unlock(&lock_ledger);
}

static void *transfer(void *arg)
{
	pthread_mutex_lock(&lock_accounts);
	balance[0] -= 10;
	pthread_barrier_wait(&both_hold_first_lock);
	post_entry(10);
	pthread_mutex_unlock(&lock_accounts);
	return arg;
}

static void check_accounts(void)
{
	pthread_mutex_lock(&lock_accounts);	/* blocks: transfer holds it */
	printf("total %ld\n", balance[0] + balance[1]);
	pthread_mutex_unlock(&lock_accounts);
}

static void *audit(void *arg)
{
	pthread_mutex_lock(&lock_ledger);
	pthread_barrier_wait(&both_hold_first_lock);
	check_accounts();
	pthread_mutex_unlock(&lock_ledger);
	return arg;
}

static void *teller(void *arg)
{
	sleep(1);
	post_entry(1);				/* queues behind the deadlock */
	return arg;
}

static void *worker(void *arg)
{
	pthread_mutex_lock(&queue_lock);
	for (;;)
		pthread_cond_wait(&queue_nonempty, &queue_lock);	/* nobody signals */
	return arg;
}

static void *ticker(void *arg)
{
	for (;;)
		sleep(1);
	return arg;
}

int main(void)
{
	static const struct { const char *name; void *(*fn)(void *); } threads[] = {
		{ "transfer", transfer }, { "audit", audit }, { "teller", teller },
		{ "worker", worker }, { "worker", worker }, { "ticker", ticker },
	};
	pthread_t t;

	pthread_barrier_init(&both_hold_first_lock, NULL, 2);
	for (size_t i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		if (pthread_create(&t, NULL, threads[i].fn, NULL) != 0) {
			perror("pthread_create");
			return 1;
		}
		pthread_setname_np(t, threads[i].name);
	}
	sleep(2);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	for (;;)
		pause();
}
