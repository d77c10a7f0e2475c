package io.github.tieredcache.internal.events;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.tieredcache.core.CacheInvalidatedEvent;
import io.github.tieredcache.core.CacheInvalidatedEvent.Origin;
import io.github.tieredcache.core.CacheKeyEncoder;
import io.github.tieredcache.internal.DaemonThreads;
import io.github.tieredcache.internal.redis.RedisTier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.ApplicationListener;

/**
 * Publishes the invalidations this instance performs on a Redis pub/sub channel, for
 * systems that do not use the starter (another service, a CDN purge worker): the channel
 * is a template ({@code {cache}:{key}:invalidated}), the message a JSON object
 * ({@link #message(CacheInvalidatedEvent)}).
 * <p>
 * Only {@link Origin#LOCAL} and {@link Origin#INBOUND_EVENT} invalidations are published:
 * each instance publishes its own, so that one invalidation is published once, not once
 * per instance that heard of it ({@link Origin#REMOTE}). Published in order on one thread
 * of this instance, not on the invalidating thread; at most {@value #MAX_QUEUED} wait,
 * past that an invalidation is counted as dropped. At most once, as pub/sub is: a message
 * Redis does not take (it is unreachable) is counted and not retried.
 * <p>
 * Thread-safe.
 */
public final class OutboundInvalidations implements ApplicationListener<CacheInvalidatedEvent>, AutoCloseable {

	private static final Log logger = LogFactory.getLog(OutboundInvalidations.class);

	static final int MAX_QUEUED = 10_000;

	private static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

	private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^}]*)}");

	private final RedisTier redis;

	private final String channel;

	private final LongSupplier nanoTime;

	private final JsonMapper json = JsonMapper.builder().build();

	private final ThreadPoolExecutor executor;

	private final LongAdder published = new LongAdder();

	private final LongAdder failed = new LongAdder();

	private final AtomicLong nextLog;

	/**
	 * Create the publisher.
	 * @param redis the cache's command path
	 * @param channel the channel template, checked with {@link #checkTemplate(String)}
	 * @param nanoTime the time source of rate-limited logging
	 * @throws IllegalArgumentException if the template is malformed
	 */
	public OutboundInvalidations(RedisTier redis, String channel, LongSupplier nanoTime) {
		checkTemplate(channel);
		this.redis = redis;
		this.channel = channel;
		this.nanoTime = nanoTime;
		this.nextLog = new AtomicLong(nanoTime.getAsLong());
		// threads start with the first invalidation
		this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(MAX_QUEUED),
				DaemonThreads.single("tiered-cache-outbound-events"), new ThreadPoolExecutor.AbortPolicy());
	}

	/**
	 * Check a channel template: not blank, and no placeholders but {@code {cache}} and
	 * {@code {key}}.
	 * @param template the template
	 * @throws IllegalArgumentException saying what is wrong with it
	 */
	public static void checkTemplate(String template) {
		if (template.isBlank()) {
			throw new IllegalArgumentException("Must not be blank");
		}
		Matcher matcher = PLACEHOLDER.matcher(template);
		while (matcher.find()) {
			String name = matcher.group(1);
			if (!name.equals("cache") && !name.equals("key")) {
				throw new IllegalArgumentException(
						"Placeholder '{" + name + "}' is not known: use '{cache}' and '{key}'");
			}
		}
	}

	@Override
	public void onApplicationEvent(CacheInvalidatedEvent event) {
		if (event.getOrigin() == Origin.REMOTE) {
			return;
		}
		try {
			this.executor.execute(() -> publish(event));
		}
		catch (RejectedExecutionException ex) {
			failed("invalidation of " + event.getCacheName() + " not published: " + MAX_QUEUED
					+ " wait to be published");
		}
	}

	/**
	 * Return the channel an invalidation is published on.
	 * @param event the invalidation
	 * @return the template with {@code {cache}} and {@code {key}} replaced ({@code *} for
	 * all entries)
	 */
	String channel(CacheInvalidatedEvent event) {
		return this.channel.replace("{cache}", event.getCacheName())
			.replace("{key}", event.isAllEntries() ? "*" : keyText(event.getKey()));
	}

	/**
	 * Return the message published for an invalidation: a JSON object with {@code cache},
	 * {@code key} (as in the channel; {@code null} for all entries), {@code encodedKey}
	 * (the key as the starter encodes it in Redis, unambiguous: {@code #long:42}),
	 * {@code allEntries}, {@code origin} ({@code LOCAL} or {@code INBOUND_EVENT}) and
	 * {@code event} (the inbound event's name, or {@code null}).
	 * @param event the invalidation
	 * @return the message
	 */
	String message(CacheInvalidatedEvent event) {
		Map<String, @Nullable Object> message = new LinkedHashMap<>();
		message.put("cache", event.getCacheName());
		message.put("key", event.isAllEntries() ? null : keyText(event.getKey()));
		message.put("encodedKey", event.isAllEntries() ? null : CacheKeyEncoder.encode(event.getKey()));
		message.put("allEntries", event.isAllEntries());
		message.put("origin", event.getOrigin().name());
		message.put("event", event.getInboundEventName());
		return this.json.writeValueAsString(message);
	}

	/**
	 * Return how many invalidations were published.
	 * @return the count
	 */
	public long published() {
		return this.published.sum();
	}

	/**
	 * Return how many invalidations could not be published (Redis did not take them, or
	 * too many waited).
	 * @return the count
	 */
	public long failed() {
		return this.failed.sum();
	}

	@Override
	public void close() {
		this.executor.shutdown();
	}

	private void publish(CacheInvalidatedEvent event) {
		try {
			long receivers = this.redis.publish(channel(event).getBytes(StandardCharsets.UTF_8),
					message(event).getBytes(StandardCharsets.UTF_8));
			if (receivers < 0) {
				failed("invalidation of " + event.getCacheName() + " not published: Redis did not take it");
			}
			else {
				this.published.increment();
			}
		}
		catch (RuntimeException ex) {
			failed("invalidation of " + event.getCacheName() + " not published: " + ex);
		}
	}

	private void failed(String message) {
		this.failed.increment();
		long now = this.nanoTime.getAsLong();
		long next = this.nextLog.get();
		if (now - next >= 0 && this.nextLog.compareAndSet(next, now + LOG_INTERVAL_NANOS)) {
			logger.warn("tiered-cache: outbound events on '" + this.channel + "': " + message
					+ " (further failures are logged at most once a minute)");
		}
	}

	private static String keyText(@Nullable Object key) {
		if (key instanceof String || key instanceof Number || key instanceof Boolean || key instanceof Character
				|| key instanceof UUID) {
			return key.toString();
		}
		if (key instanceof Enum<?> constant) {
			return constant.name();
		}
		return CacheKeyEncoder.encode(key);
	}

}
