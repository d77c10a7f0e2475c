package io.github.tieredcache.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a hostile payload could leave behind, captured before and compared after: the
 * threads a {@code java.util.Timer} starts, the log files a
 * {@code java.util.logging.FileHandler} opens, and the system properties the static
 * initializers of {@link InitializingGadget} and {@code Z} set.
 */
public final class SideEffects {

	private static final Path HOME = Path.of(System.getProperty("user.home"));

	private final Set<String> timerThreads;

	private final Set<String> logFiles;

	private SideEffects() {
		this.timerThreads = timerThreads();
		this.logFiles = logFiles();
	}

	/**
	 * Capture the current state.
	 * @return the state before the payloads are read
	 */
	public static SideEffects capture() {
		return new SideEffects();
	}

	/**
	 * Return the names of the {@code java.util.Timer} threads started since the capture.
	 * @return the new thread names
	 */
	public Set<String> newTimerThreads() {
		Set<String> now = timerThreads();
		now.removeAll(this.timerThreads);
		return now;
	}

	/**
	 * Return the {@code java.util.logging.FileHandler} files created in the user's home
	 * directory since the capture, deleting them.
	 * @return the new file names
	 */
	public Set<String> newLogFiles() {
		Set<String> now = logFiles();
		now.removeAll(this.logFiles);
		for (String name : now) {
			try {
				Files.deleteIfExists(HOME.resolve(name));
			}
			catch (IOException ex) {
				// reported by the assertion on the returned names
			}
		}
		return now;
	}

	/**
	 * Return whether a gadget's static initializer ran.
	 * @return whether {@link InitializingGadget} or {@code Z} was initialized
	 */
	public static boolean gadgetInitialized() {
		return System.getProperty(InitializingGadget.INITIALIZED_PROPERTY) != null
				|| System.getProperty("tiered-cache.test.default-package-gadget") != null;
	}

	private static Set<String> timerThreads() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.map(Thread::getName)
			.filter((name) -> name.startsWith("Timer-"))
			.collect(Collectors.toCollection(TreeSet::new));
	}

	private static Set<String> logFiles() {
		try (Stream<Path> files = Files.list(HOME)) {
			return files.map((file) -> file.getFileName().toString())
				.filter((name) -> name.matches("java\\d+\\.log.*"))
				.collect(Collectors.toCollection(TreeSet::new));
		}
		catch (IOException ex) {
			return new TreeSet<>();
		}
	}

}
