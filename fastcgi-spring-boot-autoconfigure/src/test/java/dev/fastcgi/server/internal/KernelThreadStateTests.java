package dev.fastcgi.server.internal;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How the event loop watch tells a thread asleep in the kernel (blocked) from one running or waiting for a core,
 * reading each leader's stat file again and again through one open file.
 */
@EnabledOnOs(OS.LINUX)
class KernelThreadStateTests {

	@Test
	void aRunningThreadIsInStateR() {
		int tid = KernelThreadState.currentTid();
		assertThat(tid).isPositive();
		assertThat(stateOf(tid)).isEqualTo('R');
	}

	@Test
	void aThreadWaitingOnALatchIsAsleep() throws Exception {
		try (Waiter waiter = new Waiter()) {
			await().atMost(5, TimeUnit.SECONDS).until(() -> stateOf(waiter.tid()) == 'S');
		}
	}

	@Test
	void anUnknownThreadHasNoState() {
		assertThat(stateOf(Integer.MAX_VALUE)).isEqualTo((char) 0);
	}

	@Test
	void theFileKeptOpenSeesTheStateChangeAndFollowsANewThread() throws Exception {
		try (KernelThreadState states = new KernelThreadState()) {
			AtomicReference<Character> whileRunning = new AtomicReference<>();
			CountDownLatch looked = new CountDownLatch(1);
			try (Waiter waiter = new Waiter(() -> {
				whileRunning.set(states.state(KernelThreadState.currentTid()));
				looked.countDown();
			})) {
				assertThat(looked.await(5, TimeUnit.SECONDS)).isTrue();
				// read through the file the waiter itself opened: R while it ran, S once it waits
				assertThat(whileRunning.get()).isEqualTo('R');
				await().atMost(5, TimeUnit.SECONDS).until(() -> states.state(waiter.tid()) == 'S');
				assertThat(states.state(waiter.tid())).isEqualTo('S');
			}
			// another thread: the file is reopened for it
			assertThat(states.state(KernelThreadState.currentTid())).isEqualTo('R');
		}
	}

	@Test
	void aThreadThatEndedHasNoState() throws Exception {
		try (KernelThreadState states = new KernelThreadState()) {
			int tid;
			try (Waiter waiter = new Waiter()) {
				tid = waiter.tid();
				assertThat(states.state(tid)).isNotEqualTo((char) 0);
			}
			// the thread is gone (its native side ends just after the join): the open file fails, and a fresh open
			// finds no such thread either
			await().atMost(5, TimeUnit.SECONDS).until(() -> states.state(tid) == 0);
		}
	}

	/** The state of thread {@code tid} read once (opening and closing the file), or 0 if it cannot be read. */
	private static char stateOf(int tid) {
		try (KernelThreadState reader = new KernelThreadState()) {
			return reader.state(tid);
		}
	}

	/** A thread that waits on a latch until closed, and is joined then. */
	private static final class Waiter implements AutoCloseable {

		private final CountDownLatch release = new CountDownLatch(1);

		private final AtomicInteger tid = new AtomicInteger();

		private final Thread thread;

		Waiter() throws InterruptedException {
			this(() -> {
			});
		}

		Waiter(Runnable first) throws InterruptedException {
			CountDownLatch started = new CountDownLatch(1);
			this.thread = new Thread(() -> {
				this.tid.set(KernelThreadState.currentTid());
				first.run();
				started.countDown();
				try {
					this.release.await(10, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			});
			this.thread.start();
			assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		}

		int tid() {
			return this.tid.get();
		}

		@Override
		public void close() throws InterruptedException {
			this.release.countDown();
			this.thread.join(5000);
			assertThat(this.thread.isAlive()).isFalse();
		}

	}

}
