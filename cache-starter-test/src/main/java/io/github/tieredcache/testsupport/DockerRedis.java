package io.github.tieredcache.testsupport;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

import org.springframework.util.ClassUtils;

/**
 * A Testcontainers Redis, used by {@link RedisServer} only where {@code redis-server} is
 * not installed and a Docker engine is available.
 */
final class DockerRedis implements AutoCloseable {

	private final GenericContainer<?> container;

	private DockerRedis(GenericContainer<?> container) {
		this.container = container;
	}

	static boolean isAvailable() {
		// Testcontainers is an optional dependency of cache-starter-test
		if (!ClassUtils.isPresent("org.testcontainers.DockerClientFactory", DockerRedis.class.getClassLoader())) {
			return false;
		}
		try {
			return DockerClientFactory.instance().isDockerAvailable();
		}
		catch (RuntimeException | LinkageError ex) {
			return false;
		}
	}

	@SuppressWarnings("resource")
	static DockerRedis start() {
		GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse("redis:7.4"))
			.withExposedPorts(6379);
		container.start();
		return new DockerRedis(container);
	}

	String host() {
		return this.container.getHost();
	}

	int port() {
		return this.container.getMappedPort(6379);
	}

	@Override
	public void close() {
		this.container.stop();
	}

}
