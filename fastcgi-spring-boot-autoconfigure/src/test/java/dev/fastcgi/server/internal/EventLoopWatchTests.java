package dev.fastcgi.server.internal;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How the event loop watch tells a thread asleep in the kernel (blocked) from one running or waiting for a core.
 */
@EnabledOnOs(OS.LINUX)
class EventLoopWatchTests {

	@Test
	void aRunningThreadIsInStateR() {
		int tid = EventLoopWatch.currentTid();
		assertThat(tid).isPositive();
		assertThat(EventLoopWatch.kernelState(tid)).isEqualTo('R');
	}

	@Test
	void aThreadWaitingOnALatchIsAsleep() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger tid = new AtomicInteger();
		Thread waiter = new Thread(() -> {
			tid.set(EventLoopWatch.currentTid());
			try {
				release.await(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		waiter.start();
		try {
			await().atMost(5, TimeUnit.SECONDS).until(() -> tid.get() > 0
					&& EventLoopWatch.kernelState(tid.get()) == 'S');
		}
		finally {
			release.countDown();
			waiter.join(5000);
		}
	}

	@Test
	void anUnknownThreadHasNoState() {
		assertThat(EventLoopWatch.kernelState(Integer.MAX_VALUE)).isEqualTo((char) 0);
	}

}
