package io.github.tieredcache.internal.http;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.util.Assert;

/**
 * Purges invalidated surrogate keys from reverse proxies and CDNs: each invalidation
 * (told on the instance that changed the data, so once per change in the fleet) is queued
 * and sent by one background thread to every proxy, either as one request per batch
 * carrying the keys in a header (Varnish {@code xkey}: {@code xkey-purge: k1 k2}) or as
 * one request per key to a URL made from a per-cache path template.
 * <p>
 * Never blocks the caller: the queue is bounded, and a key that does not fit is dropped,
 * counted and logged (at most one warning per ten seconds, with the count since the last
 * one). A request that fails (an I/O error, a status other than 2xx) is retried with
 * doubling back-off, then counted as failed and logged. Counts: {@link #sent()},
 * {@link #retried()}, {@link #failed()} (requests, one per proxy and batch or key),
 * {@link #dropped()} (keys), {@link #skipped()} (keys without a URL in URL mode).
 * <p>
 * The thread and the HTTP client are started by {@link #start()} (a
 * {@link SmartLifecycle}), not by the constructor; {@link #stop()} sends what is queued
 * within one request timeout, then counts the rest as dropped. Thread-safe.
 */
public final class SurrogateKeyPurger implements SurrogateKeyInvalidations.Listener, SmartLifecycle {

	private static final Log logger = LogFactory.getLog(SurrogateKeyPurger.class);

	private static final long DROP_LOG_INTERVAL = TimeUnit.SECONDS.toNanos(10);

	private final Settings settings;

	private final ThreadFactory threadFactory;

	private final Sleeper sleeper;

	private final BlockingQueue<String> queue;

	private final LongAdder sent = new LongAdder();

	private final LongAdder retried = new LongAdder();

	private final LongAdder failed = new LongAdder();

	private final LongAdder dropped = new LongAdder();

	private final LongAdder skipped = new LongAdder();

	private final AtomicLong droppedSinceLog = new AtomicLong();

	private final AtomicLong lastDropLog = new AtomicLong(System.nanoTime() - DROP_LOG_INTERVAL);

	private final Set<String> unmappedCaches = ConcurrentHashMap.newKeySet();

	private volatile boolean running;

	private volatile @Nullable Thread worker;

	private volatile @Nullable HttpClient client;

	/**
	 * Create a purger; nothing is sent before {@link #start()}.
	 * @param settings what to send where
	 * @param threadFactory makes the one sending thread
	 * @param sleeper waits out the back-off between attempts
	 */
	public SurrogateKeyPurger(Settings settings, ThreadFactory threadFactory, Sleeper sleeper) {
		this.settings = settings;
		this.threadFactory = threadFactory;
		this.sleeper = sleeper;
		this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
	}

	@Override
	public void invalidated(String surrogateKey) {
		if (!this.running || !this.queue.offer(surrogateKey)) {
			drop(1, surrogateKey);
		}
	}

	private void drop(int count, String example) {
		this.dropped.add(count);
		long since = this.droppedSinceLog.addAndGet(count);
		long now = System.nanoTime();
		long last = this.lastDropLog.get();
		if (now - last >= DROP_LOG_INTERVAL && this.lastDropLog.compareAndSet(last, now)) {
			this.droppedSinceLog.addAndGet(-since);
			logger.warn("tiered-cache: " + since + " surrogate-key purge(s) dropped (such as '" + example + "'): "
					+ (this.running
							? "the queue of " + this.settings.queueCapacity() + " is full; raise "
									+ "'tiered-cache.http.purge.queue-capacity' or check the proxies"
							: "the purger is not running")
					+ "; the proxies keep those responses until they expire (" + this.dropped.sum()
					+ " dropped in all)");
		}
	}

	@Override
	public void start() {
		synchronized (this) {
			if (this.running) {
				return;
			}
			this.client = HttpClient.newBuilder().connectTimeout(this.settings.timeout()).build();
			this.running = true;
			Thread thread = this.threadFactory.newThread(this::run);
			this.worker = thread;
			thread.start();
		}
	}

	@Override
	public void stop() {
		Thread thread;
		synchronized (this) {
			if (!this.running) {
				return;
			}
			this.running = false;
			thread = this.worker;
		}
		if (thread != null) {
			try {
				thread.join(this.settings.timeout().toMillis() * 2 + 100);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			thread.interrupt();
		}
		List<String> left = new ArrayList<>();
		this.queue.drainTo(left);
		if (!left.isEmpty()) {
			// logged now whatever the last warning: there is no next one after a stop
			this.dropped.add(left.size());
			long earlier = this.droppedSinceLog.getAndSet(0);
			logger.warn("tiered-cache: " + left.size() + " surrogate-key purge(s) dropped (such as '" + left.get(0)
					+ "'): still queued when the purger stopped"
					+ ((earlier > 0) ? ", and " + earlier + " dropped earlier without a warning" : "")
					+ "; the proxies keep those responses until they expire (" + this.dropped.sum()
					+ " dropped in all)");
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	private void run() {
		long stopDeadline = 0;
		while (true) {
			if (!this.running) {
				if (stopDeadline == 0) {
					stopDeadline = System.nanoTime() + this.settings.timeout().toNanos();
				}
				if (this.queue.isEmpty() || System.nanoTime() > stopDeadline) {
					return;
				}
			}
			String first;
			try {
				first = this.queue.poll(100, TimeUnit.MILLISECONDS);
			}
			catch (InterruptedException ex) {
				return;
			}
			if (first == null) {
				continue;
			}
			List<String> batch = new ArrayList<>();
			batch.add(first);
			this.queue.drainTo(batch, this.settings.batchSize() - 1);
			try {
				send(batch);
			}
			catch (RuntimeException ex) {
				this.failed.increment();
				logger.warn("tiered-cache: purge of " + batch + " failed", ex);
			}
		}
	}

	private void send(List<String> batch) {
		for (URI proxy : this.settings.urls()) {
			if (this.settings.mode() == Mode.XKEY) {
				request(HttpRequest.newBuilder(proxy).header(this.settings.header(), xkeyHeader(batch)), batch, proxy);
			}
			else {
				for (String key : batch) {
					String path = path(key);
					if (path != null) {
						request(HttpRequest.newBuilder(proxy.resolve(path)), List.of(key), proxy);
					}
				}
			}
		}
		if (this.settings.mode() == Mode.URL) {
			for (String key : batch) {
				if (path(key) == null) {
					this.skipped.increment();
				}
			}
		}
	}

	private static String xkeyHeader(List<String> batch) {
		// the keys as the responses' Surrogate-Key headers carry them
		StringBuilder header = new StringBuilder();
		for (String key : batch) {
			header.append((header.length() > 0) ? " " : "").append(SurrogateKeyInvalidations.headerToken(key));
		}
		return header.toString();
	}

	/**
	 * Return the path a surrogate key {@code <cache>:<key>} is purged at, from the
	 * cache's template with {@code {key}} replaced by the URL-encoded key.
	 */
	@Nullable String path(String surrogateKey) {
		int colon = surrogateKey.indexOf(':');
		String cache = (colon > 0) ? surrogateKey.substring(0, colon) : surrogateKey;
		String template = this.settings.paths().get(cache);
		if (template == null || colon < 0) {
			if (this.unmappedCaches.add(cache)) {
				logger.warn("tiered-cache: surrogate key '" + surrogateKey + "' has no purge URL; add a template for "
						+ "cache '" + cache + "' under 'tiered-cache.http.purge.paths' (such as '/" + cache
						+ "/{key}') or use mode xkey (logged once per cache)");
			}
			return null;
		}
		String key = surrogateKey.substring(colon + 1);
		String path = template.replace("{key}", URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20"));
		return path.startsWith("/") ? path.substring(1) : path;
	}

	private void request(HttpRequest.Builder builder, List<String> keys, URI proxy) {
		HttpRequest request = builder.method(this.settings.method(), HttpRequest.BodyPublishers.noBody())
			.timeout(this.settings.timeout())
			.build();
		String outcome = null;
		for (int attempt = 1; attempt <= this.settings.maxAttempts(); attempt++) {
			try {
				HttpResponse<Void> response = this.client.send(request, HttpResponse.BodyHandlers.discarding());
				if (response.statusCode() >= 200 && response.statusCode() < 300) {
					this.sent.increment();
					return;
				}
				outcome = "status " + response.statusCode();
			}
			catch (IOException ex) {
				outcome = ex.toString();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				outcome = "interrupted";
				break;
			}
			if (attempt < this.settings.maxAttempts()) {
				this.retried.increment();
				try {
					this.sleeper.sleep(this.settings.backoff().multipliedBy(1L << Math.min(attempt - 1, 16)));
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					outcome = "interrupted";
					break;
				}
			}
		}
		this.failed.increment();
		logger.warn("tiered-cache: purge of " + keys + " at " + proxy + " failed after " + this.settings.maxAttempts()
				+ " attempt(s): " + outcome);
	}

	/**
	 * Return how many purge requests a proxy acknowledged (2xx).
	 * @return the count
	 */
	public long sent() {
		return this.sent.sum();
	}

	/**
	 * Return how many purge requests were sent again after a failure.
	 * @return the count
	 */
	public long retried() {
		return this.retried.sum();
	}

	/**
	 * Return how many purge requests failed after every attempt.
	 * @return the count
	 */
	public long failed() {
		return this.failed.sum();
	}

	/**
	 * Return how many surrogate keys were dropped without being sent (queue full, or the
	 * purger not running).
	 * @return the count
	 */
	public long dropped() {
		return this.dropped.sum();
	}

	/**
	 * Return how many surrogate keys had no purge URL (URL mode).
	 * @return the count
	 */
	public long skipped() {
		return this.skipped.sum();
	}

	/**
	 * Return how many surrogate keys wait to be sent.
	 * @return the queue's size
	 */
	public int queued() {
		return this.queue.size();
	}

	/**
	 * How a surrogate key is purged.
	 */
	public enum Mode {

		/**
		 * One request per batch of keys to each proxy's URL, the keys space-separated in
		 * a header ({@code xkey-purge} by default, as Varnish's xkey module reads it).
		 */
		XKEY,

		/**
		 * One request per key to each proxy, at the path the key's cache template gives.
		 */
		URL

	}

	/**
	 * What to send where.
	 *
	 * @param urls the proxies' base URLs
	 * @param method the request method, such as {@code PURGE}
	 * @param mode how keys are purged
	 * @param header the header carrying the keys in {@link Mode#XKEY}
	 * @param paths path templates by cache name, with {@code {key}}, for {@link Mode#URL}
	 * @param maxAttempts attempts per request, at least one
	 * @param backoff the wait before the second attempt, doubled for each next one
	 * @param timeout the connect and response timeout of one request
	 * @param queueCapacity the most keys waiting to be sent
	 * @param batchSize the most keys per request in {@link Mode#XKEY}
	 */
	public record Settings(List<URI> urls, String method, Mode mode, String header, Map<String, String> paths,
			int maxAttempts, Duration backoff, Duration timeout, int queueCapacity, int batchSize) {

		public Settings {
			Assert.notEmpty(urls, "'urls' must not be empty");
			Assert.hasText(method, "'method' must not be empty");
			Assert.hasText(header, "'header' must not be empty");
			Assert.isTrue(maxAttempts >= 1, "'maxAttempts' must be at least 1");
			Assert.isTrue(queueCapacity >= 1, "'queueCapacity' must be at least 1");
			Assert.isTrue(batchSize >= 1, "'batchSize' must be at least 1");
			urls = List.copyOf(urls);
			paths = Map.copyOf(paths);
		}

	}

	/**
	 * Waits out a back-off; {@code Thread::sleep} in production.
	 */
	@FunctionalInterface
	public interface Sleeper {

		/**
		 * Wait.
		 * @param duration how long
		 * @throws InterruptedException if interrupted
		 */
		void sleep(Duration duration) throws InterruptedException;

	}

}
