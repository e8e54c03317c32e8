package dev.fastcgi.boot.autoconfigure;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.boot.thread.Threading;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;
import org.springframework.util.unit.DataSize;

import dev.fastcgi.boot.FastCgiServerCustomizer;
import dev.fastcgi.boot.InvalidFastCgiPropertyException;
import dev.fastcgi.server.BindAddress;
import dev.fastcgi.server.ServerConfig;

/**
 * Maps {@link FastCgiProperties} (and the seed's environment variables {@code FCGI_WEB_SERVER_ADDRS} and
 * {@code FCGI_FORCE_CGI}) onto the engine's {@link ServerConfig.Builder}. Runs before any user customizer.
 */
final class FastCgiPropertiesCustomizer implements FastCgiServerCustomizer {

	static final String WEB_SERVER_ADDRS = "FCGI_WEB_SERVER_ADDRS";

	static final String FORCE_CGI = "FCGI_FORCE_CGI";

	private final FastCgiProperties properties;

	private final Environment environment;

	FastCgiPropertiesCustomizer(FastCgiProperties properties, Environment environment) {
		this.properties = properties;
		this.environment = environment;
	}

	/**
	 * Parse {@code fastcgi.bind-address}.
	 * @return the address, or {@code null} when the property is not set
	 * @throws InvalidFastCgiPropertyException when the value is malformed
	 */
	@Nullable BindAddress bindAddress() {
		String value = this.properties.getBindAddress();
		if (!StringUtils.hasText(value)) {
			return null;
		}
		try {
			return BindAddress.parse(value);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidFastCgiPropertyException("fastcgi.bind-address", value, ex.getMessage(),
					"Set fastcgi.bind-address to host:port (127.0.0.1:9000), [ipv6]:port ([::1]:9000),"
							+ " unix:/path/to/socket or fd:0, or remove it to use server.address and server.port.",
					ex);
		}
	}

	@Override
	public void customize(ServerConfig.Builder builder) {
		PropertyMapper map = PropertyMapper.get();
		FastCgiProperties properties = this.properties;
		map.from(properties::isMultiplexed).to(builder::multiplexed);
		map.from(properties::isEventLoop).to(builder::eventLoop);
		map.from(properties::getMaxWrite).as((size) -> toInt("fastcgi.max-write", size)).to(builder::maxWrite);
		map.from(properties::isMultithreaded).to(builder::multithreaded);
		map.from(properties::getThreads).to(builder::threads);
		map.from(() -> Threading.VIRTUAL.isActive(this.environment)).whenTrue().to(builder::virtualThreads);
		map.from(properties::getMaxConnections).to(builder::maxConnections);
		map.from(properties::getMaxRequests).to(builder::maxRequests);
		map.from(properties::getMaxRequestsPerConnection).to(builder::maxRequestsPerConnection);
		map.from(properties::getBacklog).to(builder::backlog);
		map.from(this::allowedAddresses).to(builder::allowedAddresses);
		map.from(properties::getEnviron).to(builder::environ);
		map.from(properties.getUnixSocket()::getPermissions)
			.as((permissions) -> StringUtils.hasText(permissions) ? permissions : null)
			.to(builder::unixSocketPermissions);
		map.from(properties::getIdleTimeout).to(builder::idleTimeout);
		map.from(properties::getReadTimeout).to(builder::readTimeout);
		map.from(properties::getWriteTimeout).to(builder::writeTimeout);
		map.from(properties::getInputSpillThreshold).as(DataSize::toBytes).to(builder::inputSpillThreshold);
		map.from(properties::getSpillDirectory).to(builder::spillDirectory);
		map.from(properties::getMaxParamsSize)
			.as((size) -> toInt("fastcgi.max-params-size", size))
			.to(builder::maxParamsSize);
		map.from(properties::getMaxParams).to(builder::maxParams);
		map.from(properties::getMaxParamNameLength)
			.as((size) -> toInt("fastcgi.max-param-name-length", size))
			.to(builder::maxParamNameLength);
		map.from(properties::getMaxParamValueLength)
			.as((size) -> toInt("fastcgi.max-param-value-length", size))
			.to(builder::maxParamValueLength);
		map.from(properties::getMaxBodySize).as(DataSize::toBytes).to(builder::maxBodySize);
		map.from(properties::getMaxBufferedInput).as(DataSize::toBytes).to(builder::maxBufferedInput);
		map.from(properties::getRequestTimeout).to(builder::requestTimeout);
		map.from(properties::getParamsTimeout).to(builder::paramsTimeout);
	}

	private static int toInt(String property, DataSize size) {
		long bytes = size.toBytes();
		if (bytes > Integer.MAX_VALUE || bytes < Integer.MIN_VALUE) {
			throw new InvalidFastCgiPropertyException(property, size, "it is larger than " + Integer.MAX_VALUE
					+ " bytes", "Set " + property + " to a smaller size.");
		}
		return (int) bytes;
	}

	/**
	 * {@code fastcgi.allowed-addresses} followed by the entries of {@code FCGI_WEB_SERVER_ADDRS}, without duplicates
	 * or blanks.
	 * @return the merged allow-list
	 */
	List<String> allowedAddresses() {
		Set<String> merged = new LinkedHashSet<>();
		for (String address : this.properties.getAllowedAddresses()) {
			if (StringUtils.hasText(address)) {
				merged.add(address.trim());
			}
		}
		String fromEnvironment = this.environment.getProperty(WEB_SERVER_ADDRS);
		if (fromEnvironment != null) {
			for (String address : StringUtils.commaDelimitedListToStringArray(fromEnvironment)) {
				if (StringUtils.hasText(address)) {
					merged.add(address.trim());
				}
			}
		}
		return new ArrayList<>(merged);
	}

	/**
	 * Whether CGI mode is requested by {@code fastcgi.force-cgi} or {@code FCGI_FORCE_CGI} starting with 'Y' or
	 * 'y', as in the original gateway.
	 * @return whether CGI mode was asked for
	 */
	boolean isForceCgi() {
		String fromEnvironment = this.environment.getProperty(FORCE_CGI);
		return this.properties.isForceCgi()
				|| (fromEnvironment != null && fromEnvironment.trim().toUpperCase().startsWith("Y"));
	}

}
