package dev.fastcgi.server.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The request pool reuses idle threads, grows to its size, then queues up to its bound, then refuses.
 */
class WorkersTests {

	private final Workers.RequestPool pool = new Workers.RequestPool(3, 2, Executors.defaultThreadFactory());

	@AfterEach
	void shutdown() throws InterruptedException {
		this.pool.shutdownNow();
		assertThat(this.pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
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
			await().atMost(5, TimeUnit.SECONDS)
				.pollInterval(java.time.Duration.ofMillis(1))
				.until(() -> this.pool.submitted() == 0);
		}
		assertThat(threads).hasSize(1);
	}

	@Test
	void growsToItsSizeThenQueuesThenRefuses() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch started = new CountDownLatch(3);
		for (int i = 0; i < 5; i++) {
			this.pool.execute(() -> {
				started.countDown();
				try {
					release.await(10, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			});
		}
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(this.pool.getPoolSize()).isEqualTo(3);
		assertThat(this.pool.getQueue()).hasSize(2);
		assertThatExceptionOfType(RejectedExecutionException.class).isThrownBy(() -> this.pool.execute(() -> {
		}));
		release.countDown();
		await().atMost(5, TimeUnit.SECONDS).until(() -> this.pool.submitted() == 0);
	}

}
