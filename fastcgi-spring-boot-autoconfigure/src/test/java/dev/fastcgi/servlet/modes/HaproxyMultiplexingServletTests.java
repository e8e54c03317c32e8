package dev.fastcgi.servlet.modes;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.fastcgi.interop.support.HaproxyProcess;
import dev.fastcgi.interop.support.Peers;
import dev.fastcgi.interop.support.RawHttpClient;
import dev.fastcgi.interop.support.RawHttpClient.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HAProxy multiplexing ({@code option mpxs-conns}, {@code option get-values}, {@code http-reuse always}) in front of
 * the servlet container: requests that can only complete together all get their own right response, and HAProxy's
 * stats show fewer connections to the application than requests.
 */
class HaproxyMultiplexingServletTests {

	private static final int REQUESTS = 8;

	@TempDir
	Path directory;

	@Test
	void concurrentServletRequestsShareFewConnections() throws Exception {
		Peers.require(Peers.HAPROXY);
		ModesTestApp.GATHER.clear();
		ExecutorService clients = Executors.newFixedThreadPool(REQUESTS);
		try (ModesServer app = ModesServer.multiplexed();
				HaproxyProcess haproxy = HaproxyProcess.builder(this.directory, "127.0.0.1:" + app.port())
					.keepConn(true)
					.mpxsConns(true)
					.getValues(true)
					.backendDirective("http-reuse always")
					.start()) {
			assertThat(RawHttpClient.get(haproxy.port(), "/role").status()).as(haproxy.diagnostics()).isEqualTo(200);
			List<Future<HttpResponse>> responses = new ArrayList<>();
			for (int i = 0; i < REQUESTS; i++) {
				String path = "/gather?n=" + REQUESTS + "&i=" + i;
				responses.add(clients.submit(() -> RawHttpClient.get(haproxy.port(), path)));
			}
			for (int i = 0; i < REQUESTS; i++) {
				HttpResponse response = responses.get(i).get(30, TimeUnit.SECONDS);
				assertThat(response.status()).as(haproxy.diagnostics()).isEqualTo(200);
				assertThat(response.bodyAsString()).isEqualTo("gathered " + i + " together=true");
			}
			long connections = serverStat(haproxy.statsCsv(), "connect");
			long sessions = serverStat(haproxy.statsCsv(), "stot");
			assertThat(sessions).isEqualTo(REQUESTS + 1);
			assertThat(connections).as("connections for %d requests", sessions).isLessThan(REQUESTS);
		}
		finally {
			clients.shutdownNow();
			clients.awaitTermination(10, TimeUnit.SECONDS);
		}
	}

	/** A column of the backend server's line of HAProxy's stats CSV. */
	private static long serverStat(String csv, String column) {
		String[] lines = csv.split("\n");
		List<String> header = Arrays.asList(lines[0].replaceFirst("^# ", "").split(",", -1));
		int index = header.indexOf(column);
		assertThat(index).as("column %s in %s", column, lines[0]).isNotNegative();
		for (String line : lines) {
			String[] fields = line.split(",", -1);
			if (fields.length > index && fields[0].equals("app") && !fields[1].equals("BACKEND")
					&& !fields[1].equals("FRONTEND")) {
				return Long.parseLong(fields[index]);
			}
		}
		throw new AssertionError("no server line for backend 'app' in\n" + csv);
	}

}
