package dev.fastcgi.server.internal;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The request pool reuses idle threads; past its busy target a task waits for a running worker, and gets a thread of
 * its own once it has waited the hand-off time (so blocked workers hold nothing up); it grows to its size, then
 * queues up to its bound, then refuses.
 */
class WorkersTests {

	private RequestPool pool = new RequestPool(3, 2, 3, Executors.defaultThreadFactory());

	@AfterEach
	void shutdown() throws InterruptedException {
		this.pool.shutdownNow();
		assertThat(this.pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
		assertThat(this.pool.isTerminated()).isTrue();
	}

	@Test
	void sequentialTasksReuseOneThread() throws Exception {
		Set<Thread> threads = ConcurrentHashMap.newKeySet();
		for (int i = 0; i < 20; i++) {
			CountDownLatch done = new CountDownLatch(1);
			this.pool.execute(() -> {
				threads.add(Thread.currentThread());
				done.countDown();
			});
			assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
			awaitIdle();
		}
		assertThat(threads).hasSize(1);
	}

	@Test
	void growsToItsSizeThenQueuesThenRefuses() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch started = new CountDownLatch(3);
		for (int i = 0; i < 5; i++) {
			this.pool.execute(blocking(started, release));
		}
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(this.pool.threadCount()).isEqualTo(3);
		assertThat(this.pool.waiting()).isEqualTo(2);
		assertThat(this.pool.submitted()).isEqualTo(5);
		assertThatExceptionOfType(RejectedExecutionException.class).isThrownBy(() -> this.pool.execute(() -> {
		}));
		release.countDown();
		awaitIdle();
	}

	@Test
	void pastTheBusyTargetATaskWaitsForARunningWorker() throws Exception {
		this.pool.shutdownNow();
		this.pool = new RequestPool(4, 100, 1, TimeUnit.MINUTES.toNanos(1), Executors.defaultThreadFactory());
		Set<Thread> threads = ConcurrentHashMap.newKeySet();
		CountDownLatch first = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger ran = new AtomicInteger();
		this.pool.execute(() -> {
			threads.add(Thread.currentThread());
			first.countDown();
			awaitQuietly(release);
		});
		assertThat(first.await(5, TimeUnit.SECONDS)).isTrue();
		// queued behind the busy worker, whose release comes well within the hand-off time: it runs them all
		for (int i = 0; i < 50; i++) {
			this.pool.execute(() -> {
				threads.add(Thread.currentThread());
				ran.incrementAndGet();
			});
		}
		release.countDown();
		await().atMost(5, TimeUnit.SECONDS).until(() -> ran.get() == 50);
		awaitIdle();
		assertThat(this.pool.threadCount()).isEqualTo(1);
		assertThat(threads).hasSize(1);
	}

	@Test
	void aTaskQueuedBehindBlockedWorkersGetsAThreadOfItsOwn() throws Exception {
		this.pool.shutdownNow();
		this.pool = new RequestPool(8, 100, 1, Executors.defaultThreadFactory());
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch started = new CountDownLatch(6);
		for (int i = 0; i < 6; i++) {
			this.pool.execute(blocking(started, release));
		}
		// six handlers that block, with a busy target of one: all of them run at once after the hand-off time
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(this.pool.threadCount()).isEqualTo(6);
		assertThat(this.pool.waiting()).isZero();
		release.countDown();
		awaitIdle();
	}

	@Test
	void tasksFromManyThreadsRunOnceEach() throws Exception {
		this.pool.shutdownNow();
		this.pool = new RequestPool(6, 20_000, 2, Executors.defaultThreadFactory());
		AtomicInteger ran = new AtomicInteger();
		Thread[] submitters = new Thread[4];
		for (int t = 0; t < submitters.length; t++) {
			submitters[t] = new Thread(() -> {
				for (int i = 0; i < 5_000; i++) {
					this.pool.execute(ran::incrementAndGet);
				}
			});
			submitters[t].start();
		}
		for (Thread submitter : submitters) {
			submitter.join(10_000);
		}
		await().atMost(10, TimeUnit.SECONDS).until(() -> ran.get() == 20_000);
		awaitIdle();
		assertThat(ran).hasValue(20_000);
		assertThat(this.pool.waiting()).isZero();
		assertThat(this.pool.threadCount()).isBetween(1, 6);
	}

	@Test
	void anInterruptLeftByATaskDoesNotReachTheNext() throws Exception {
		CountDownLatch done = new CountDownLatch(1);
		this.pool.execute(() -> Thread.currentThread().interrupt());
		awaitIdle();
		AtomicInteger interrupted = new AtomicInteger(-1);
		this.pool.execute(() -> {
			interrupted.set(Thread.currentThread().isInterrupted() ? 1 : 0);
			done.countDown();
		});
		assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(interrupted).hasValue(0);
		assertThat(this.pool.threadCount()).isEqualTo(1);
	}

	@Test
	void aFailingTaskKeepsItsThread() throws Exception {
		CountDownLatch done = new CountDownLatch(1);
		this.pool.execute(() -> {
			throw new IllegalStateException("boom (expected by the test)");
		});
		this.pool.execute(done::countDown);
		assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
		awaitIdle();
	}

	@Test
	void shutdownNowReturnsQueuedTasksAndInterruptsRunningOnes() throws Exception {
		CountDownLatch started = new CountDownLatch(3);
		AtomicInteger interrupted = new AtomicInteger();
		for (int i = 0; i < 3; i++) {
			this.pool.execute(() -> {
				started.countDown();
				try {
					Thread.sleep(10_000);
				}
				catch (InterruptedException ex) {
					interrupted.incrementAndGet();
				}
			});
		}
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		this.pool.execute(() -> {
		});
		List<Runnable> dropped = this.pool.shutdownNow();
		assertThat(dropped).hasSize(1);
		assertThat(this.pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
		assertThat(interrupted).hasValue(3);
		assertThat(this.pool.submitted()).isZero();
		assertThatExceptionOfType(RejectedExecutionException.class).isThrownBy(() -> this.pool.execute(() -> {
		}));
	}

	private void awaitIdle() {
		await().atMost(5, TimeUnit.SECONDS)
			.pollInterval(java.time.Duration.ofMillis(1))
			.until(() -> this.pool.submitted() == 0);
	}

	private static Runnable blocking(CountDownLatch started, CountDownLatch release) {
		return () -> {
			started.countDown();
			awaitQuietly(release);
		};
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
