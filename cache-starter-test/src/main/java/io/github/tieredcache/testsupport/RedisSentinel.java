package io.github.tieredcache.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;

/**
 * A real Sentinel set-up for tests: a master {@link RedisServer} and one
 * {@code redis-server --sentinel} process monitoring it as {@value #MASTER_NAME}.
 */
public final class RedisSentinel implements AutoCloseable {

	/**
	 * The monitored master's name.
	 */
	public static final String MASTER_NAME = "mymaster";

	private final RedisServer master;

	private final Process sentinel;

	private final int port;

	private RedisSentinel(RedisServer master, Process sentinel, int port) {
		this.master = master;
		this.sentinel = sentinel;
		this.port = port;
	}

	/**
	 * Start a master and a sentinel monitoring it.
	 * @return the running set-up
	 */
	public static RedisSentinel start() {
		RedisServer master = RedisServer.start();
		try {
			int port = RedisServer.freePort();
			Path config = master.directory().resolve("sentinel.conf");
			Files.writeString(config,
					String.join("\n", "port " + port, "bind 127.0.0.1", "dir " + master.directory(),
							"sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + master.port() + " 1",
							"sentinel down-after-milliseconds " + MASTER_NAME + " 1000", ""));
			Process sentinel = new ProcessBuilder(List.of("redis-server", config.toString(), "--sentinel"))
				.redirectErrorStream(true)
				.redirectOutput(master.directory().resolve("sentinel.log").toFile())
				.start();
			RedisSentinel setUp = new RedisSentinel(master, sentinel, port);
			setUp.awaitMasterKnown();
			return setUp;
		}
		catch (IOException ex) {
			master.close();
			throw new IllegalStateException("Could not start redis sentinel: " + ex.getMessage(), ex);
		}
	}

	private void awaitMasterKnown() {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (System.nanoTime() < deadline) {
			try {
				RedisServer probe = RedisServer.attach(this.port);
				if (probe.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME).startsWith("*2")) {
					return;
				}
			}
			catch (IllegalStateException ex) {
				// not listening yet
			}
			Thread.onSpinWait();
		}
		throw new IllegalStateException("Sentinel did not come up on port " + this.port);
	}

	public RedisServer master() {
		return this.master;
	}

	public int port() {
		return this.port;
	}

	/**
	 * Return this set-up as Spring Boot's connection details, to declare as a bean in a
	 * test configuration: clients ask the sentinel for {@value #MASTER_NAME}'s address.
	 * @return the connection details naming the sentinel and the master
	 */
	public DataRedisConnectionDetails connectionDetails() {
		List<DataRedisConnectionDetails.Node> nodes = List
			.of(new DataRedisConnectionDetails.Node("127.0.0.1", this.port));
		return new DataRedisConnectionDetails() {

			@Override
			public Sentinel getSentinel() {
				return new Sentinel() {

					@Override
					public int getDatabase() {
						return 0;
					}

					@Override
					public String getMaster() {
						return MASTER_NAME;
					}

					@Override
					public List<Node> getNodes() {
						return nodes;
					}

					@Override
					public @Nullable String getUsername() {
						return null;
					}

					@Override
					public @Nullable String getPassword() {
						return null;
					}

				};
			}

		};
	}

	@Override
	public void close() {
		this.sentinel.destroy();
		try {
			this.sentinel.waitFor(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.master.close();
	}

}
