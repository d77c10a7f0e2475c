package io.github.tieredcache.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * A real shared HTTP cache for tests: a {@code varnishd} process of its own (Varnish
 * Cache 7 with the {@code xkey} vmod of {@code varnish-modules}) on a free loopback port,
 * in front of one application on a loopback port. Its VCL ({@code varnish.vcl} next to
 * this class) honours the application's {@code Cache-Control} ({@code s-maxage},
 * {@code private}, {@code no-store}), RFC 9111 §3.5 for requests with
 * {@code Authorization}, {@code stale-while-revalidate} and {@code stale-if-error} (RFC
 * 5861, as Varnish grace: past {@code stale-while-revalidate} a stale object is served
 * only while the application's health probe fails), and purges by URL ({@code PURGE}) or
 * by surrogate key ({@code PURGE} with an {@code xkey-purge} header naming
 * space-separated keys, indexed from the {@code Surrogate-Key} response header). Each
 * response says {@code X-Cache: HIT}, {@code MISS} or {@code PASS}.
 * <p>
 * Where {@code varnishd} or the {@code xkey} vmod is not installed, {@link #start} fails
 * with a message saying how to get them: the Varnish tests are never skipped.
 */
public final class VarnishServer implements AutoCloseable {

	private static final String HOW_TO_GET_VARNISH = "Install Varnish 7 and its modules"
			+ " ('apt-get install varnish varnish-modules', as .ci/run does) so that 'varnishd' is on the PATH"
			+ " or in /usr/sbin";

	private static final long START_TIMEOUT_SECONDS = 60;

	private final int port;

	private final Path directory;

	private final Process process;

	private VarnishServer(int port, Path directory, Process process) {
		this.port = port;
		this.directory = directory;
		this.process = process;
	}

	/**
	 * Start Varnish on a free port in front of an application on
	 * {@code 127.0.0.1:backendPort}.
	 * @param backendPort the application's port
	 * @param probePath the path of the application's health probe (answered {@code 200}
	 * while it is up), such as {@code "/actuator/health"}
	 * @return the running server, answering requests
	 * @throws IllegalStateException if {@code varnishd} is missing or does not start
	 */
	public static VarnishServer start(int backendPort, String probePath) {
		String executable = executable();
		try {
			int port = RedisServer.freePort();
			Path directory = workingDirectory(port);
			Path vcl = directory.resolve("default.vcl");
			Files.writeString(vcl, vcl(backendPort, probePath));
			// -F: in the foreground, so that this process owns it; -n: its own working
			// directory (shared memory log, compiled VCL); small pools and log for a test
			List<String> command = List.of(executable, "-F", "-n", directory.resolve("n").toString(), "-a",
					"127.0.0.1:" + port, "-f", vcl.toString(), "-s", "malloc,32m", "-p", "thread_pools=1", "-p",
					"thread_pool_min=5", "-p", "thread_pool_max=100", "-p", "vsl_space=1M");
			Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(directory.resolve("varnishd.log").toFile())
				.start();
			VarnishServer server = new VarnishServer(port, directory, process);
			Runtime.getRuntime().addShutdownHook(new Thread(server::close, "varnishd-shutdown"));
			server.awaitReady();
			return server;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start varnishd: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Return the port Varnish listens on (on {@code 127.0.0.1}).
	 * @return the port
	 */
	public int port() {
		return this.port;
	}

	/**
	 * Return the URL of a path through Varnish.
	 * @param path the path, starting with {@code /}
	 * @return {@code http://127.0.0.1:<port><path>}
	 */
	public String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

	/**
	 * Return the directory Varnish runs in (its VCL, its log {@code varnishd.log}, its
	 * working directory {@code n}).
	 * @return the directory
	 */
	public Path directory() {
		return this.directory;
	}

	/**
	 * Stop Varnish ({@code SIGTERM}, then {@code SIGKILL} after 10 seconds).
	 */
	@Override
	public void close() {
		if (!this.process.isAlive()) {
			return;
		}
		this.process.descendants().forEach(ProcessHandle::destroy);
		this.process.destroy();
		try {
			if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
				this.process.descendants().forEach(ProcessHandle::destroyForcibly);
				this.process.destroyForcibly();
				this.process.waitFor(10, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	static String vcl(int backendPort, String probePath) throws IOException {
		if (!probePath.startsWith("/") || probePath.contains("\"")) {
			throw new IllegalArgumentException("probePath must be a path starting with '/': " + probePath);
		}
		try (InputStream in = VarnishServer.class.getResourceAsStream("varnish.vcl")) {
			if (in == null) {
				throw new IllegalStateException("varnish.vcl is missing from the class path");
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8)
				.replace("@BACKEND_PORT@", String.valueOf(backendPort))
				.replace("@PROBE_PATH@", probePath);
		}
	}

	private static String executable() {
		String executable = findExecutable("varnishd");
		if (executable == null) {
			throw new IllegalStateException("No Varnish for the tests: 'varnishd' is neither on the PATH nor in"
					+ " /usr/sbin. " + HOW_TO_GET_VARNISH);
		}
		return executable;
	}

	private static Path workingDirectory(int port) throws IOException {
		// under the build's target directory when there is one (Maven runs tests in the
		// module's directory), so that a failed run leaves its log where it is looked for
		Path target = Path.of("target");
		Path parent = Files.isDirectory(target) ? target.resolve("varnish")
				: Path.of(System.getProperty("java.io.tmpdir"));
		Path directory = Files
			.createDirectories(parent.toAbsolutePath().resolve("varnish-" + port + "-" + System.nanoTime()));
		// varnishd reads its VCL as its own unprivileged user
		if (directory.getFileSystem().supportedFileAttributeViews().contains("posix")) {
			Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
		}
		return directory;
	}

	private void awaitReady() {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException("varnishd exited with " + this.process.exitValue() + ": "
						+ log().strip() + (log().contains("xkey") ? ". " + HOW_TO_GET_VARNISH : ""));
			}
			if (ping()) {
				return;
			}
			try {
				Thread.sleep(100);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
		}
		close();
		throw new IllegalStateException("varnishd did not answer on port " + this.port + " within "
				+ START_TIMEOUT_SECONDS + " s; see " + this.directory.resolve("varnishd.log"));
	}

	/**
	 * Send the VCL's {@code VARNISH-PING} request, answered by Varnish itself once its
	 * child runs the VCL.
	 */
	private boolean ping() {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 200);
			socket.setSoTimeout(1000);
			socket.getOutputStream()
				.write("VARNISH-PING / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
					.getBytes(StandardCharsets.US_ASCII));
			byte[] status = socket.getInputStream().readNBytes(12);
			return new String(status, StandardCharsets.US_ASCII).equals("HTTP/1.1 200");
		}
		catch (IOException ex) {
			return false;
		}
	}

	private String log() {
		try {
			return Files.readString(this.directory.resolve("varnishd.log"));
		}
		catch (IOException ex) {
			return "(no log: " + ex.getMessage() + ")";
		}
	}

	private static @Nullable String findExecutable(String name) {
		String path = System.getenv("PATH");
		String directories = ((path != null) ? path + File.pathSeparator : "") + "/usr/sbin" + File.pathSeparator
				+ "/usr/local/sbin";
		for (String directory : directories.split(File.pathSeparator)) {
			File candidate = new File(directory, name);
			if (candidate.isFile() && candidate.canExecute()) {
				return candidate.getAbsolutePath();
			}
		}
		return null;
	}

}
