package io.github.tieredcache.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A real Redis for tests: a {@code redis-server} process of its own on a free loopback
 * port, started from the {@code PATH}, that a test can stop, kill, pause, resume and
 * restart. Where {@code redis-server} is not installed but a Docker engine is, a
 * Testcontainers Redis is used instead (it cannot be paused or restarted). Where neither
 * exists, {@link #start()} fails with a message saying how to get one: the Redis tests
 * are never skipped.
 * <p>
 * {@link #shared()} is one server per test JVM, for tests that only read and write; a
 * test that injects faults starts its own with {@link #start()} and closes it.
 */
public final class RedisServer implements AutoCloseable {

	private static final String HOW_TO_GET_REDIS = "Install Redis 7 (for example 'apt-get install redis-server')"
			+ " so that 'redis-server' is on the PATH, or run a Docker engine for Testcontainers";

	private static @Nullable RedisServer shared;

	private int port;

	private final Path directory;

	private final List<String> extraArguments;

	private @Nullable Process process;

	private @Nullable AutoCloseable container;

	private @Nullable String containerHost;

	private RedisServer(int port, List<String> extraArguments, Path directory) {
		this.port = port;
		this.extraArguments = extraArguments;
		this.directory = directory;
	}

	/**
	 * Start a new server on a free port.
	 * @param extraArguments further {@code redis-server} arguments, such as
	 * {@code "--appendonly", "yes"}
	 * @return the running server
	 */
	public static RedisServer start(String... extraArguments) {
		return startOnPort(0, extraArguments);
	}

	/**
	 * Start a new server on a given port.
	 * @param port the port, or 0 for a free one
	 * @param extraArguments further {@code redis-server} arguments
	 * @return the running server
	 */
	public static RedisServer startOnPort(int port, String... extraArguments) {
		try {
			RedisServer server = new RedisServer((port != 0) ? port : freePort(), List.of(extraArguments),
					Files.createTempDirectory("tiered-cache-redis-"));
			server.launch();
			return server;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start redis-server: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Start a replica of a running server ({@code --replicaof}) on a free port, and wait
	 * until a {@code WAIT} on the primary counts it.
	 * @param primary the primary
	 * @param extraArguments further {@code redis-server} arguments
	 * @return the running replica
	 */
	public static RedisServer replicaOf(RedisServer primary, String... extraArguments) {
		// the primary delays a diskless sync by 5 s by default, waiting for more replicas
		primary.command("CONFIG", "SET", "repl-diskless-sync-delay", "0");
		List<String> arguments = new ArrayList<>(
				List.of("--replicaof", primary.host(), String.valueOf(primary.port())));
		arguments.addAll(List.of(extraArguments));
		RedisServer replica = start(arguments.toArray(new String[0]));
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		// listed online, a fresh replica may still miss the first WAIT: wait for one it
		// answers
		List<String> replicated = List.of("+OK", ":1");
		while (!primary.pipeline(new String[] { "SET", "replica-probe", "1" }, new String[] { "WAIT", "1", "100" })
			.equals(replicated)) {
			if (System.nanoTime() - deadline > 0) {
				replica.close();
				throw new IllegalStateException("Replica on port " + replica.port() + " did not connect to "
						+ primary.port() + "; see " + replica.directory().resolve("redis.log"));
			}
			Thread.onSpinWait();
		}
		return replica;
	}

	/**
	 * Return a handle on a Redis-protocol server this class did not start (a sentinel,
	 * say), good for {@link #command(String...)} only.
	 * @param port the server's loopback port
	 * @return the handle
	 */
	public static RedisServer attach(int port) {
		return new RedisServer(port, List.of(), Path.of(System.getProperty("java.io.tmpdir")));
	}

	/**
	 * Return the server shared by every test of this JVM, starting it on first use.
	 * @return the shared server
	 */
	public static synchronized RedisServer shared() {
		if (shared == null) {
			RedisServer server = start();
			Runtime.getRuntime().addShutdownHook(new Thread(server::close, "redis-server-shutdown"));
			shared = server;
		}
		return shared;
	}

	public String host() {
		return (this.containerHost != null) ? this.containerHost : "127.0.0.1";
	}

	public int port() {
		return this.port;
	}

	/**
	 * Return a started Lettuce connection factory to this server, with a short command
	 * timeout. The caller destroys it.
	 * @return the connection factory
	 */
	public LettuceConnectionFactory connectionFactory() {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration(host(), this.port),
				LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(2)).build());
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	/**
	 * Return this server as Spring Boot's connection details, to declare as a bean in a
	 * test configuration: Boot's Redis auto-configuration then connects to this server,
	 * whatever {@code spring.data.redis.*} says. The details read the host and port when
	 * asked, so they stay right across a {@link #restart()}.
	 * @return the connection details of a standalone server
	 */
	public DataRedisConnectionDetails connectionDetails() {
		return new DataRedisConnectionDetails() {

			@Override
			public Standalone getStandalone() {
				return Standalone.of(host(), port());
			}

		};
	}

	/**
	 * Run a command and return Redis's reply in the RESP text form (for example
	 * {@code "+OK"}, {@code ":1"} or the bulk string itself).
	 * @param arguments the command and its arguments
	 * @return the reply
	 */
	public String command(String... arguments) {
		byte[][] raw = new byte[arguments.length][];
		for (int i = 0; i < arguments.length; i++) {
			raw[i] = arguments[i].getBytes(StandardCharsets.UTF_8);
		}
		return command(raw);
	}

	/**
	 * Run a command with binary arguments.
	 * @param arguments the command and its arguments
	 * @return the reply, as {@link #command(String...)} describes
	 */
	public String command(byte[]... arguments) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(host(), this.port), 1000);
			socket.setSoTimeout(5000);
			OutputStream out = socket.getOutputStream();
			out.write(("*" + arguments.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
			for (byte[] argument : arguments) {
				out.write(("$" + argument.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
				out.write(argument);
				out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
			}
			out.flush();
			return readReply(socket.getInputStream());
		}
		catch (IOException ex) {
			throw new IllegalStateException("Redis command failed: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Run commands one after the other on one connection (as {@code WAIT} needs: it waits
	 * for the writes of its own connection).
	 * @param commands the commands, each a command and its arguments
	 * @return the replies, as {@link #command(String...)} describes
	 */
	public List<String> pipeline(String[]... commands) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(host(), this.port), 1000);
			socket.setSoTimeout(5000);
			OutputStream out = socket.getOutputStream();
			InputStream in = socket.getInputStream();
			List<String> replies = new ArrayList<>();
			for (String[] command : commands) {
				out.write(("*" + command.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
				for (String argument : command) {
					byte[] raw = argument.getBytes(StandardCharsets.UTF_8);
					out.write(("$" + raw.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
					out.write(raw);
					out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
				}
				out.flush();
				replies.add(readReply(in));
			}
			return replies;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Redis commands failed: " + ex.getMessage(), ex);
		}
	}

	private static String readReply(InputStream in) throws IOException {
		String line = readLine(in);
		if (line.startsWith("$")) {
			int length = Integer.parseInt(line.substring(1));
			if (length < 0) {
				return "(nil)";
			}
			byte[] body = in.readNBytes(length + 2);
			return new String(body, 0, length, StandardCharsets.UTF_8);
		}
		return line;
	}

	private static String readLine(InputStream in) throws IOException {
		StringBuilder line = new StringBuilder();
		int c;
		while ((c = in.read()) != -1 && c != '\n') {
			if (c != '\r') {
				line.append((char) c);
			}
		}
		return line.toString();
	}

	/**
	 * Remove every key.
	 */
	public void flushAll() {
		command("FLUSHALL");
	}

	/**
	 * Stop the server as {@code SIGSTOP} does: connections stay open, nothing answers.
	 */
	public void pause() {
		signal("STOP");
	}

	/**
	 * Resume a paused server.
	 */
	public void resume() {
		signal("CONT");
	}

	/**
	 * Kill the server with {@code SIGKILL}.
	 */
	public void kill() {
		Process running = requireProcess();
		running.destroyForcibly();
		waitFor(running);
	}

	/**
	 * Close the connections of one type on the server side with {@code CLIENT KILL TYPE},
	 * as a network failure or a proxy would: the clients see their connections drop while
	 * the server keeps running.
	 * @param type {@code normal}, {@code pubsub}, {@code master} or {@code replica}
	 * @return how many connections were closed
	 */
	public int killClients(String type) {
		String reply = command("CLIENT", "KILL", "TYPE", type);
		if (!reply.startsWith(":")) {
			throw new IllegalStateException("CLIENT KILL TYPE " + type + " failed: " + reply);
		}
		return Integer.parseInt(reply.substring(1));
	}

	/**
	 * Start the server again on the same port, after {@link #kill()} or {@link #close()}.
	 */
	public void restart() {
		requireProcess();
		try {
			launch();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not restart redis-server: " + ex.getMessage(), ex);
		}
	}

	@Override
	public void close() {
		if (this.process != null && this.process.isAlive()) {
			signal("CONT");
			this.process.destroy();
			waitFor(this.process);
		}
		if (this.container != null) {
			try {
				this.container.close();
			}
			catch (Exception ex) {
				// the container is gone either way
			}
		}
	}

	private void launch() throws IOException {
		String executable = findOnPath("redis-server");
		if (executable == null) {
			if (DockerRedis.isAvailable()) {
				DockerRedis docker = DockerRedis.start();
				this.container = docker;
				this.containerHost = docker.host();
				this.port = docker.port();
				return;
			}
			throw new IllegalStateException("No Redis for the tests: 'redis-server' is not on the PATH and no Docker"
					+ " engine is available. " + HOW_TO_GET_REDIS);
		}
		List<String> command = new ArrayList<>(List.of(executable, "--port", String.valueOf(this.port), "--bind",
				"127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.directory.toString(), "--daemonize",
				"no", "--loglevel", "warning", "--logfile", this.directory.resolve("redis.log").toString()));
		command.addAll(this.extraArguments);
		this.process = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(this.directory.resolve("stdout.log").toFile())
			.start();
		awaitReady();
	}

	private void awaitReady() throws IOException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		IOException last = null;
		while (System.nanoTime() < deadline) {
			if (this.process != null && !this.process.isAlive()) {
				throw new IllegalStateException("redis-server exited with " + this.process.exitValue() + "; see "
						+ this.directory.resolve("redis.log"));
			}
			try (Socket socket = new Socket()) {
				socket.connect(new InetSocketAddress("127.0.0.1", this.port), 200);
				socket.setSoTimeout(1000);
				socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
				if (readLine(socket.getInputStream()).equals("+PONG")) {
					return;
				}
			}
			catch (IOException ex) {
				last = ex;
			}
			Thread.onSpinWait();
		}
		throw new IllegalStateException("redis-server did not answer PING on port " + this.port, last);
	}

	private void signal(String signal) {
		Process running = requireProcess();
		try {
			Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(running.pid())).start();
			if (kill.waitFor() != 0) {
				throw new IllegalStateException("kill -" + signal + " failed");
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private Process requireProcess() {
		if (this.process == null) {
			throw new UnsupportedOperationException(
					"Fault injection needs a redis-server process; " + HOW_TO_GET_REDIS);
		}
		return this.process;
	}

	private static void waitFor(Process process) {
		try {
			process.waitFor(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static @Nullable String findOnPath(String name) {
		String path = System.getenv("PATH");
		if (path == null) {
			return null;
		}
		for (String directory : path.split(File.pathSeparator)) {
			File candidate = new File(directory, name);
			if (candidate.isFile() && candidate.canExecute()) {
				return candidate.getAbsolutePath();
			}
		}
		return null;
	}

	/**
	 * Return the directory the server runs in (its logs, configuration and data).
	 * @return the directory
	 */
	public Path directory() {
		return this.directory;
	}

	static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			socket.setReuseAddress(true);
			return socket.getLocalPort();
		}
	}

}
