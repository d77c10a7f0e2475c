package io.github.tieredcache.testsupport;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;

import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A real Redis Cluster on loopback for tests: three masters and three replicas, each a
 * {@link RedisServer} process of its own (so a test can kill a master and watch its
 * replica take over), joined with {@code redis-cli --cluster create}.
 * <p>
 * {@link #shared()} is one cluster per test JVM; fault tests start their own.
 */
public final class RedisCluster implements AutoCloseable {

	private static RedisCluster shared;

	private final List<RedisServer> nodes;

	private RedisCluster(List<RedisServer> nodes) {
		this.nodes = nodes;
	}

	/**
	 * Start a cluster of three masters with one replica each.
	 * @return the running cluster
	 */
	public static RedisCluster start() {
		List<RedisServer> nodes = new ArrayList<>();
		try {
			for (int i = 0; i < 6; i++) {
				int port = portWithFreeBusPort();
				nodes.add(RedisServer.startOnPort(port, "--cluster-enabled", "yes", "--cluster-config-file",
						"nodes-" + port + ".conf", "--cluster-node-timeout", "1000",
						// a replica may always take over, however long since it last
						// heard from its master
						"--cluster-replica-validity-factor", "0"));
			}
			List<String> command = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
			nodes.forEach((node) -> command.add("127.0.0.1:" + node.port()));
			command.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
			Process create = new ProcessBuilder(command).redirectErrorStream(true).start();
			String output = new String(create.getInputStream().readAllBytes());
			if (!create.waitFor(60, TimeUnit.SECONDS) || create.exitValue() != 0) {
				throw new IllegalStateException("redis-cli --cluster create failed: " + output);
			}
			RedisCluster cluster = new RedisCluster(nodes);
			cluster.awaitState("cluster_state:ok", Duration.ofSeconds(30));
			return cluster;
		}
		catch (IOException ex) {
			nodes.forEach(RedisServer::close);
			throw new IllegalStateException("Could not start a Redis Cluster: " + ex.getMessage(), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			nodes.forEach(RedisServer::close);
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Return the cluster shared by every test of this JVM, starting it on first use.
	 * @return the shared cluster
	 */
	public static synchronized RedisCluster shared() {
		if (shared == null) {
			RedisCluster cluster = start();
			Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "redis-cluster-shutdown"));
			shared = cluster;
		}
		return shared;
	}

	/**
	 * Return the node processes, in the order they were created.
	 * @return the nodes
	 */
	public List<RedisServer> nodes() {
		return this.nodes;
	}

	/**
	 * Return the node serving a key's slot as master.
	 * @param key the key
	 * @return the master node
	 */
	public RedisServer masterOf(String key) {
		long slot = Long.parseLong(anyLiveNode().command("CLUSTER", "KEYSLOT", key).substring(1));
		for (RedisServer node : this.nodes) {
			try {
				if (isMasterOfSlot(node, slot)) {
					return node;
				}
			}
			catch (IllegalStateException ex) {
				// a dead node serves nothing
			}
		}
		throw new IllegalStateException("No master serves slot " + slot);
	}

	private static boolean isMasterOfSlot(RedisServer node, long slot) {
		String nodes = node.command("CLUSTER", "NODES");
		for (String line : nodes.split("\n")) {
			if (line.contains("myself") && line.contains("master")) {
				String[] fields = line.trim().split(" ");
				for (int i = 8; i < fields.length; i++) {
					String[] range = fields[i].split("-");
					long from = Long.parseLong(range[0]);
					long to = (range.length > 1) ? Long.parseLong(range[1]) : from;
					if (slot >= from && slot <= to) {
						return true;
					}
				}
			}
		}
		return false;
	}

	/**
	 * Wait until every live node reports a cluster state.
	 * @param state for example {@code cluster_state:ok}
	 * @param timeout how long to wait
	 */
	public void awaitState(String state, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			boolean all = true;
			for (RedisServer node : this.nodes) {
				try {
					all &= node.command("CLUSTER", "INFO").contains(state);
				}
				catch (IllegalStateException ex) {
					// a dead node does not count
				}
			}
			if (all) {
				return;
			}
			Thread.onSpinWait();
		}
		throw new IllegalStateException("Cluster did not reach " + state + " within " + timeout);
	}

	/**
	 * Return a started Lettuce connection factory to the cluster, with adaptive and
	 * periodic topology refresh. The caller destroys it.
	 * @return the connection factory
	 */
	public LettuceConnectionFactory connectionFactory() {
		RedisClusterConfiguration configuration = new RedisClusterConfiguration();
		this.nodes.forEach((node) -> configuration.clusterNode("127.0.0.1", node.port()));
		ClusterClientOptions options = ClusterClientOptions.builder()
			.topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
				.enablePeriodicRefresh(Duration.ofSeconds(1))
				.enableAllAdaptiveRefreshTriggers()
				.build())
			.build();
		LettuceConnectionFactory factory = new LettuceConnectionFactory(configuration,
				LettuceClientConfiguration.builder()
					.commandTimeout(Duration.ofSeconds(2))
					.clientOptions(options)
					.build());
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	/**
	 * Return this cluster as Spring Boot's connection details, to declare as a bean in a
	 * test configuration (with {@code spring.data.redis.lettuce.cluster.refresh.*} set as
	 * the test needs).
	 * @return the connection details listing every node
	 */
	public DataRedisConnectionDetails connectionDetails() {
		List<DataRedisConnectionDetails.Node> nodes = this.nodes.stream()
			.map((node) -> new DataRedisConnectionDetails.Node(node.host(), node.port()))
			.toList();
		return new DataRedisConnectionDetails() {

			@Override
			public Cluster getCluster() {
				return () -> nodes;
			}

		};
	}

	private RedisServer anyLiveNode() {
		for (RedisServer node : this.nodes) {
			try {
				node.command("PING");
				return node;
			}
			catch (IllegalStateException ex) {
				// try the next
			}
		}
		throw new IllegalStateException("No live cluster node");
	}

	@Override
	public void close() {
		this.nodes.forEach(RedisServer::close);
	}

	private static int portWithFreeBusPort() throws IOException {
		for (int attempt = 0; attempt < 100; attempt++) {
			int port = RedisServer.freePort();
			if (port + 10000 <= 65535) {
				try (ServerSocket bus = new ServerSocket(port + 10000)) {
					return port;
				}
				catch (IOException ex) {
					// the bus port is taken; try another
				}
			}
		}
		throw new IOException("No free port pair for a cluster node");
	}

}
