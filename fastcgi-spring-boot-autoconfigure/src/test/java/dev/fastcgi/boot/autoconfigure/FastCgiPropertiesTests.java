package dev.fastcgi.boot.autoconfigure;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.unit.DataSize;

import dev.fastcgi.server.BindAddress;
import dev.fastcgi.server.ServerConfig;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link FastCgiProperties}: binding from the relaxed names users write, and defaults pinned to the
 * engine's.
 */
class FastCgiPropertiesTests {

	private final FastCgiProperties properties = new FastCgiProperties();

	@Test
	void bindsBindAddress() {
		bind("fastcgi.bind-address", "unix:/run/app/fcgi.sock");
		assertThat(this.properties.getBindAddress()).isEqualTo("unix:/run/app/fcgi.sock");
	}

	@Test
	void bindsDataSizesWithUnits() {
		bind("fastcgi.max-write", "16KB");
		bind("fastcgi.max-params-size", "2MB");
		bind("fastcgi.input-spill-threshold", "512KB");
		assertThat(this.properties.getMaxWrite()).isEqualTo(DataSize.ofKilobytes(16));
		assertThat(this.properties.getMaxParamsSize()).isEqualTo(DataSize.ofMegabytes(2));
		assertThat(this.properties.getInputSpillThreshold()).isEqualTo(DataSize.ofKilobytes(512));
	}

	@Test
	void bindsPlainNumberAsBytes() {
		bind("fastcgi.max-write", "70000");
		assertThat(this.properties.getMaxWrite()).isEqualTo(DataSize.ofBytes(70000));
	}

	@Test
	void bindsDurations() {
		bind("fastcgi.idle-timeout", "2m");
		bind("fastcgi.read-timeout", "15s");
		bind("fastcgi.write-timeout", "500ms");
		assertThat(this.properties.getIdleTimeout()).isEqualTo(Duration.ofMinutes(2));
		assertThat(this.properties.getReadTimeout()).isEqualTo(Duration.ofSeconds(15));
		assertThat(this.properties.getWriteTimeout()).isEqualTo(Duration.ofMillis(500));
	}

	@Test
	void bindsEnvironAsMap() {
		Map<String, String> map = new HashMap<>();
		map.put("fastcgi.environ.APP_MODE", "production");
		map.put("fastcgi.environ.TENANT", "a");
		new Binder(new MapConfigurationPropertySource(map)).bind("fastcgi", Bindable.ofInstance(this.properties));
		assertThat(this.properties.getEnviron()).containsEntry("APP_MODE", "production").containsEntry("TENANT", "a");
	}

	@Test
	void bindsAllowedAddressesFromCommaSeparatedList() {
		bind("fastcgi.allowed-addresses", "127.0.0.1,::1");
		assertThat(this.properties.getAllowedAddresses()).containsExactly("127.0.0.1", "::1");
	}

	@Test
	void bindsUnixSocketPermissions() {
		bind("fastcgi.unix-socket.permissions", "rw-rw-rw-");
		assertThat(this.properties.getUnixSocket().getPermissions()).isEqualTo("rw-rw-rw-");
	}

	@Test
	void bindsForceCgi() {
		bind("fastcgi.force-cgi", "true");
		assertThat(this.properties.isForceCgi()).isTrue();
	}

	@Test
	void defaultBindAddressIsUnsetSoServerPortApplies() {
		assertThat(this.properties.getBindAddress()).isNull();
	}

	@Test
	void defaultsMatchTheEngineDefaults() {
		ServerConfig engine = ServerConfig.builder().build();
		assertThat(this.properties.isMultiplexed()).isEqualTo(engine.multiplexed());
		assertThat(this.properties.getMaxWrite().toBytes()).isEqualTo(engine.maxWrite())
			.isEqualTo(ServerConfig.DEFAULT_MAX_WRITE);
		assertThat(this.properties.isMultithreaded()).isEqualTo(engine.multithreaded());
		assertThat(this.properties.isEventLoop()).isEqualTo(engine.eventLoop()).isTrue();
		assertThat(this.properties.getThreads()).isEqualTo(engine.threads()).isEqualTo(ServerConfig.DEFAULT_THREADS);
		assertThat(this.properties.getMaxConnections()).isEqualTo(engine.maxConnections());
		assertThat(this.properties.getMaxRequests()).isEqualTo(engine.maxRequests());
		assertThat(this.properties.getMaxRequestsPerConnection()).isEqualTo(engine.maxRequestsPerConnection());
		assertThat(this.properties.getBacklog()).isEqualTo(engine.backlog());
		assertThat(this.properties.getAllowedAddresses()).isEqualTo(engine.allowedAddresses());
		assertThat(this.properties.getEnviron()).isEqualTo(engine.environ());
		assertThat(this.properties.getUnixSocket().getPermissions()).isEqualTo(engine.unixSocketPermissions());
		assertThat(this.properties.getIdleTimeout()).isEqualTo(engine.idleTimeout());
		assertThat(this.properties.getReadTimeout()).isEqualTo(engine.readTimeout());
		assertThat(this.properties.getWriteTimeout()).isEqualTo(engine.writeTimeout());
		assertThat(this.properties.getInputSpillThreshold().toBytes()).isEqualTo(engine.inputSpillThreshold());
		assertThat(this.properties.getSpillDirectory()).isEqualTo(engine.spillDirectory());
		assertThat(this.properties.getMaxParamsSize().toBytes()).isEqualTo(engine.maxParamsSize());
		assertThat(this.properties.getMaxParams()).isEqualTo(engine.maxParams());
		assertThat(this.properties.getMaxParamNameLength().toBytes()).isEqualTo(engine.maxParamNameLength());
		assertThat(this.properties.getMaxParamValueLength().toBytes()).isEqualTo(engine.maxParamValueLength());
		assertThat(this.properties.getMaxBodySize()).isNull();
		assertThat(engine.maxBodySize()).isEqualTo(-1);
		assertThat(this.properties.getMaxBufferedInput().toBytes()).isEqualTo(engine.maxBufferedInput());
		assertThat(this.properties.getRequestTimeout()).isEqualTo(engine.requestTimeout());
		assertThat(this.properties.getParamsTimeout()).isEqualTo(engine.paramsTimeout());
		assertThat(engine.virtualThreads()).isFalse();
	}

	@Test
	void defaultAddressMatchesTheEngineDefault() {
		assertThat(ServerConfig.builder().build().bindAddress())
			.isEqualTo(new BindAddress.Tcp("127.0.0.1", ServerConfig.DEFAULT_PORT));
	}

	private void bind(String name, String value) {
		Map<String, String> map = new HashMap<>();
		map.put(name, value);
		new Binder(new MapConfigurationPropertySource(map)).bind("fastcgi", Bindable.ofInstance(this.properties));
	}

}
