package io.github.tieredcache.internal.hotkeys;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import com.github.benmanes.caffeine.cache.Ticker;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fleet's agreement on hot keys. Once per window ({@link #tick()}) each instance
 * takes its caches' hot keys from their {@link HotKeyCounter}s, ages the counters, and
 * sends the keys to every instance ({@link Gossip}); what it and the others report makes
 * the hot set of each cache: a key is hot while some instance reported it within the last
 * two windows, so every instance agrees on the hot set within a window of a report, and a
 * key cools when no instance has reported it for two windows. Changes are told to each
 * cache's {@link Listener} on the executor, never on the thread that received them.
 * <p>
 * Memory is bounded: at most top-K keys per cache per reporting instance, forgotten two
 * windows after their last report. Thread-safe.
 */
public final class HotKeyTracker {

	private static final Log logger = LogFactory.getLog(HotKeyTracker.class);

	private static final int COOLING_WINDOWS = 2;

	private final String instanceId;

	private final long windowNanos;

	private final Ticker ticker;

	private final Executor executor;

	private final Gossip gossip;

	private final JsonMapper json = JsonMapper.builder().build();

	private final Map<String, Tracked> caches = new ConcurrentHashMap<>();

	private volatile long reportsSent;

	private volatile long reportsReceived;

	/**
	 * Create a tracker.
	 * @param instanceId this instance's id (the bus's)
	 * @param window how often hot keys are reported
	 * @param ticker the time source
	 * @param executor runs the listeners
	 * @param gossip sends the reports
	 */
	public HotKeyTracker(String instanceId, Duration window, Ticker ticker, Executor executor, Gossip gossip) {
		this.instanceId = instanceId;
		this.windowNanos = window.toNanos();
		this.ticker = ticker;
		this.executor = executor;
		this.gossip = gossip;
	}

	/**
	 * Track a cache's hot keys.
	 * @param cacheName the cache
	 * @param counter counts its Redis reads
	 * @param listener told when its keys turn hot or cool
	 */
	public void register(String cacheName, HotKeyCounter counter, Listener listener) {
		this.caches.put(cacheName, new Tracked(counter, listener));
	}

	/**
	 * Report this instance's hot keys, age the counters, and apply the window's changes.
	 * Called once per window.
	 */
	public void tick() {
		long now = this.ticker.read();
		Map<String, List<String>> report = new LinkedHashMap<>();
		for (Map.Entry<String, Tracked> entry : this.caches.entrySet()) {
			Tracked tracked = entry.getValue();
			List<String> keys = new ArrayList<>();
			for (Map.Entry<String, Integer> hot : tracked.counter.hot()) {
				keys.add(hot.getKey());
			}
			tracked.counter.decay();
			if (!keys.isEmpty()) {
				report.put(entry.getKey(), keys);
				tracked.reported(keys, now);
			}
		}
		if (!report.isEmpty()) {
			try {
				this.gossip.send(this.json.writeValueAsBytes(new Report(this.instanceId, report)));
				this.reportsSent++;
			}
			catch (RuntimeException ex) {
				logger.debug("tiered-cache: hot keys not reported", ex);
			}
		}
		reconcile();
		for (Map.Entry<String, Tracked> entry : this.caches.entrySet()) {
			Set<String> hot = entry.getValue().hot;
			if (!hot.isEmpty()) {
				try {
					this.gossip.record(entry.getKey(), new ArrayList<>(hot));
				}
				catch (RuntimeException ex) {
					logger.debug("tiered-cache: hot set of cache '" + entry.getKey() + "' not recorded", ex);
				}
			}
		}
	}

	/**
	 * Apply another instance's report (from the bus's receiving thread): quick, the
	 * listeners run on the executor.
	 * @param body the report as sent
	 */
	public void received(byte[] body) {
		Report report;
		try {
			report = this.json.readValue(body, Report.class);
		}
		catch (JacksonException ex) {
			return;
		}
		if (report.origin() == null || report.caches() == null || this.instanceId.equals(report.origin())) {
			return;
		}
		this.reportsReceived++;
		long now = this.ticker.read();
		boolean changed = false;
		for (Map.Entry<String, List<String>> entry : report.caches().entrySet()) {
			Tracked tracked = this.caches.get(entry.getKey());
			if (tracked != null && entry.getValue() != null) {
				List<String> keys = entry.getValue();
				changed |= tracked.reported(keys.subList(0, Math.min(keys.size(), tracked.counter.topK())), now);
			}
		}
		if (changed) {
			try {
				this.executor.execute(this::reconcile);
			}
			catch (RejectedExecutionException ex) {
				// the next tick applies it
			}
		}
	}

	/**
	 * Bring each cache's hot set up to date with the reports, telling its listener.
	 */
	public synchronized void reconcile() {
		long oldest = this.ticker.read() - COOLING_WINDOWS * this.windowNanos;
		for (Tracked tracked : this.caches.values()) {
			Set<String> now = tracked.current(oldest);
			Set<String> before = tracked.hot;
			if (now.equals(before)) {
				continue;
			}
			tracked.hot = Collections.unmodifiableSet(now);
			for (String key : now) {
				if (!before.contains(key)) {
					notify(() -> tracked.listener.hot(key));
				}
			}
			for (String key : before) {
				if (!now.contains(key)) {
					notify(() -> tracked.listener.cooled(key));
				}
			}
		}
	}

	private static void notify(Runnable change) {
		try {
			change.run();
		}
		catch (RuntimeException ex) {
			logger.warn("tiered-cache: a hot-key change could not be applied", ex);
		}
	}

	/**
	 * Return a cache's hot set.
	 * @param cacheName the cache
	 * @return the hot keys (encoded), empty if the cache is not tracked
	 */
	public Set<String> hotKeys(String cacheName) {
		Tracked tracked = this.caches.get(cacheName);
		return (tracked != null) ? tracked.hot : Set.of();
	}

	/**
	 * Return how many reports this instance sent.
	 * @return the count
	 */
	public long reportsSent() {
		return this.reportsSent;
	}

	/**
	 * Return how many reports of other instances this one applied.
	 * @return the count
	 */
	public long reportsReceived() {
		return this.reportsReceived;
	}

	/**
	 * Return this instance's id.
	 * @return the id
	 */
	public String instanceId() {
		return this.instanceId;
	}

	/**
	 * Return the reporting window.
	 * @return the window
	 */
	public Duration window() {
		return Duration.ofNanos(this.windowNanos);
	}

	/**
	 * Where reports go.
	 */
	public interface Gossip {

		/**
		 * Send a report to the other instances.
		 * @param body the report
		 */
		void send(byte[] body);

		/**
		 * Record a cache's hot set where new instances find it (for warming).
		 * @param cacheName the cache
		 * @param keys its hot keys, encoded
		 */
		void record(String cacheName, List<String> keys);

	}

	/**
	 * Told when a cache's keys turn hot or cool; called under the tracker's lock, in
	 * order, so must be quick (work that waits on Redis goes to an executor).
	 */
	public interface Listener {

		/**
		 * A key turned hot.
		 * @param encodedKey the key
		 */
		void hot(String encodedKey);

		/**
		 * A key cooled.
		 * @param encodedKey the key
		 */
		void cooled(String encodedKey);

	}

	/**
	 * One instance's hot keys, as sent on the hot-key channel.
	 *
	 * @param origin the sending instance's id
	 * @param caches the hot keys of each cache, heaviest first
	 */
	record Report(@Nullable String origin, @Nullable Map<String, List<String>> caches) {
	}

	private static final class Tracked {

		final HotKeyCounter counter;

		final Listener listener;

		final Map<String, Long> lastReported = new HashMap<>();

		volatile Set<String> hot = Set.of();

		Tracked(HotKeyCounter counter, Listener listener) {
			this.counter = counter;
			this.listener = listener;
		}

		synchronized boolean reported(List<String> keys, long now) {
			boolean added = false;
			for (String key : keys) {
				added |= this.lastReported.put(key, now) == null;
			}
			return added;
		}

		synchronized Set<String> current(long oldest) {
			this.lastReported.values().removeIf((reportedAt) -> reportedAt - oldest < 0);
			return new LinkedHashSet<>(this.lastReported.keySet());
		}

	}

}
