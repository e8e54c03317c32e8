package dev.fastcgi.boot.metrics;

import java.util.Collections;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.ApplicationListener;

import dev.fastcgi.boot.FastCgiWebServer;

/**
 * Binds {@link FastCgiMetrics} to the application's {@link FastCgiWebServer} once the application has started
 * (the {@link MeterRegistry} is then fully configured). The metrics are added with
 * {@link FastCgiWebServer#addListener}, which may be called after the server started.
 */
public class FastCgiMetricsBinder implements ApplicationListener<ApplicationStartedEvent>, DisposableBean {

	private final MeterRegistry meterRegistry;

	private final Iterable<Tag> tags;

	private volatile @Nullable Binding binding;

	/**
	 * Create a new binder.
	 * @param meterRegistry the registry
	 */
	public FastCgiMetricsBinder(MeterRegistry meterRegistry) {
		this(meterRegistry, Collections.emptyList());
	}

	/**
	 * Create a new binder.
	 * @param meterRegistry the registry
	 * @param tags tags added to every meter
	 */
	public FastCgiMetricsBinder(MeterRegistry meterRegistry, Iterable<Tag> tags) {
		this.meterRegistry = meterRegistry;
		this.tags = tags;
	}

	@Override
	public void onApplicationEvent(ApplicationStartedEvent event) {
		FastCgiWebServer webServer = FastCgiWebServer.from(event.getApplicationContext());
		if (webServer != null && this.binding == null) {
			FastCgiMetrics metrics = new FastCgiMetrics(webServer::activeRequests, webServer::activeConnections,
					this.tags);
			metrics.bindTo(this.meterRegistry);
			webServer.addListener(metrics);
			this.binding = new Binding(webServer, metrics);
		}
	}

	/**
	 * The bound metrics, once the application has started.
	 * @return the metrics or {@code null}
	 */
	public @Nullable FastCgiMetrics getMetrics() {
		Binding binding = this.binding;
		return (binding != null) ? binding.metrics() : null;
	}

	@Override
	public void destroy() {
		Binding binding = this.binding;
		this.binding = null;
		if (binding != null) {
			binding.webServer().removeListener(binding.metrics());
			binding.metrics().close();
		}
	}

	private record Binding(FastCgiWebServer webServer, FastCgiMetrics metrics) {
	}

}
