package io.github.tieredcache.internal.events;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.invalidation.InvalidationOrigin;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.convert.ConversionService;

/**
 * Applies inbound invalidation events to the caches: reads the key out of a message or an
 * application event, converts it, and evicts it (or clears) through the
 * {@link TieredCache} API, which writes Redis, then the in-process tier, and tells the
 * other instances over the invalidation bus. Each invalidation is made on behalf of the
 * event ({@link InvalidationOrigin}), so that it is published as coming from it.
 * <p>
 * Never throws: a message that does not match its pattern, a key that cannot be read or
 * converted, is counted in the event's {@link Statistics} and logged (at most once a
 * minute per event, with the count of those not logged).
 * <p>
 * Thread-safe.
 */
public final class InboundInvalidations {

	private static final Log logger = LogFactory.getLog(InboundInvalidations.class);

	private static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

	private final Map<String, Declared> declared = new LinkedHashMap<>();

	private final Supplier<? extends @Nullable TieredCacheManager> cacheManager;

	private final ConversionService conversionService;

	private final LongSupplier nanoTime;

	private final JsonMapper json = JsonMapper.builder().build();

	/**
	 * Create the inbound events of an application.
	 * @param declarations the validated declarations
	 * @param cacheManager supplies the cache manager
	 * @param conversionService converts keys to their declared type
	 * @param nanoTime the time source of rate-limited logging
	 */
	public InboundInvalidations(List<EventDeclaration> declarations,
			Supplier<? extends @Nullable TieredCacheManager> cacheManager, ConversionService conversionService,
			LongSupplier nanoTime) {
		for (EventDeclaration declaration : declarations) {
			this.declared.put(declaration.name(), new Declared(declaration, nanoTime.getAsLong()));
		}
		this.cacheManager = cacheManager;
		this.conversionService = conversionService;
		this.nanoTime = nanoTime;
	}

	/**
	 * Return the declarations of a source.
	 * @param source the source
	 * @return its declarations, in declaration order
	 */
	public List<EventDeclaration> declarations(EventDeclaration.Source source) {
		return this.declared.values()
			.stream()
			.map(Declared::declaration)
			.filter((declaration) -> declaration.source() == source)
			.toList();
	}

	/**
	 * Return the counters of an event.
	 * @param name the event's name
	 * @return its statistics
	 * @throws IllegalArgumentException if no event has that name
	 */
	public Statistics statistics(String name) {
		Declared declared = this.declared.get(name);
		if (declared == null) {
			throw new IllegalArgumentException("No inbound event '" + name + "'; declared: " + this.declared.keySet());
		}
		return declared.statistics;
	}

	/**
	 * Apply a Redis pub/sub message.
	 * @param declaration the event it was received for
	 * @param channel the channel it was published on
	 * @param body the message body
	 */
	void redisMessage(EventDeclaration declaration, String channel, byte[] body) {
		String message = new String(body, StandardCharsets.UTF_8);
		message(declaration, channel, channel, message, "message on channel '" + channel + "'");
	}

	/**
	 * Apply a PostgreSQL notification; the declaration's pattern, if any, reads its
	 * payload.
	 * @param declaration the event it was received for
	 * @param channel the channel it was sent on
	 * @param payload the notification's payload (empty if it had none)
	 */
	void postgresNotification(EventDeclaration declaration, String channel, String payload) {
		message(declaration, channel, payload, payload, "notification '" + payload + "' on channel '" + channel + "'");
	}

	/**
	 * Apply an entry of a Redis Stream: its fields become variables, all of them
	 * {@code #entry}, and the field {@code payload} read as JSON {@code #payload}.
	 * @param declaration the event it was read for
	 * @param stream the stream's key
	 * @param id the entry's id, for the log
	 * @param fields the entry's fields, as UTF-8 text
	 */
	void streamEntry(EventDeclaration declaration, String stream, String id, Map<String, String> fields) {
		Declared event = this.declared.get(declaration.name());
		event.statistics.received.increment();
		try {
			Map<String, @Nullable Object> variables = new HashMap<>(fields);
			variables.put("stream", stream);
			variables.put("entry", fields);
			if (declaration.key() != null && declaration.key().mentions("payload")) {
				String payload = fields.get("payload");
				variables.put("payload", (payload != null) ? readJson(payload) : null);
			}
			apply(event, variables);
		}
		catch (RuntimeException ex) {
			failed(event, "entry " + id + " of stream '" + stream + "'", ex);
		}
	}

	private void message(EventDeclaration declaration, String channel, String matched, String message,
			String description) {
		Declared event = this.declared.get(declaration.name());
		event.statistics.received.increment();
		try {
			Map<String, @Nullable Object> variables = new HashMap<>();
			if (declaration.pattern() != null) {
				Map<String, String> values = declaration.pattern().match(matched);
				if (values == null) {
					event.statistics.unmatched.increment();
					event.warn(this.nanoTime,
							"'" + matched + "' does not match pattern '" + declaration.pattern() + "'; ignored");
					return;
				}
				variables.putAll(values);
			}
			variables.put("channel", channel);
			variables.put("message", message);
			if (declaration.key() != null && declaration.key().mentions("payload")) {
				variables.put("payload", readJson(message));
			}
			apply(event, variables);
		}
		catch (RuntimeException ex) {
			failed(event, description, ex);
		}
	}

	/**
	 * Apply an application event (after commit, if it was published in a transaction).
	 * @param declaration the event declaration it matched
	 * @param event the event, or the payload of a {@code PayloadApplicationEvent}
	 */
	void applicationEvent(EventDeclaration declaration, Object event) {
		Declared declared = this.declared.get(declaration.name());
		declared.statistics.received.increment();
		try {
			Map<String, @Nullable Object> variables = new HashMap<>();
			variables.put("event", event);
			apply(declared, variables);
		}
		catch (RuntimeException ex) {
			failed(declared, "event " + event.getClass().getName(), ex);
		}
	}

	/**
	 * Count a message that could not be handed to this class (a full queue).
	 * @param declaration the event it was received for
	 * @param why what happened, for the log
	 */
	void dropped(EventDeclaration declaration, String why) {
		Declared declared = this.declared.get(declaration.name());
		declared.statistics.received.increment();
		declared.statistics.dropped.increment();
		declared.warn(this.nanoTime, why);
	}

	private @Nullable Object readJson(String message) {
		String trimmed = message.trim();
		if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) {
			return null;
		}
		try {
			return this.json.readValue(trimmed, Object.class);
		}
		catch (JacksonException ex) {
			return null;
		}
	}

	private void apply(Declared event, Map<String, @Nullable Object> variables) {
		EventDeclaration declaration = event.declaration;
		Object key = null;
		if (declaration.key() != null) {
			Object value = declaration.key().evaluate(variables);
			if (value == null) {
				event.statistics.failed.increment();
				event.warn(this.nanoTime,
						"key '" + declaration.key() + "' is null for " + describe(variables) + "; nothing invalidated");
				return;
			}
			key = this.conversionService.convert(value, declaration.keyType());
			if (key == null) {
				event.statistics.failed.increment();
				event.warn(this.nanoTime, "key '" + value + "' converts to no " + declaration.keyType().getName()
						+ " for " + describe(variables) + "; nothing invalidated");
				return;
			}
		}
		TieredCacheManager manager = this.cacheManager.get();
		if (manager == null) {
			event.statistics.failed.increment();
			event.warn(this.nanoTime, "no cache manager; nothing invalidated");
			return;
		}
		Object evicted = key;
		for (String name : declaration.caches()) {
			TieredCache cache = manager.getCache(name);
			if (cache == null) {
				event.statistics.failed.increment();
				event.warn(this.nanoTime, "cache '" + name + "' does not exist; not invalidated");
				continue;
			}
			InvalidationOrigin.run(declaration.name(), () -> {
				if (evicted != null) {
					cache.evict(evicted);
				}
				else {
					cache.clear();
				}
			});
			event.statistics.invalidations.increment();
		}
	}

	private void failed(Declared event, String what, RuntimeException ex) {
		event.statistics.failed.increment();
		event.warn(this.nanoTime, what + " not applied: " + ex);
	}

	private static String describe(Map<String, @Nullable Object> variables) {
		Object channel = variables.get("channel");
		if (channel != null) {
			return "channel '" + channel + "'";
		}
		Object stream = variables.get("stream");
		return (stream != null) ? "entry " + variables.get("entry") + " of stream '" + stream + "'"
				: "event " + variables.get("event");
	}

	/**
	 * Counters of one inbound event, cumulative since start-up.
	 */
	public static final class Statistics {

		final LongAdder received = new LongAdder();

		final LongAdder invalidations = new LongAdder();

		final LongAdder unmatched = new LongAdder();

		final LongAdder failed = new LongAdder();

		final LongAdder dropped = new LongAdder();

		/**
		 * Return how many messages or events were received.
		 * @return the count
		 */
		public long received() {
			return this.received.sum();
		}

		/**
		 * Return how many cache invalidations were made (one per cache per event).
		 * @return the count
		 */
		public long invalidations() {
			return this.invalidations.sum();
		}

		/**
		 * Return how many messages came on a channel that did not match the pattern.
		 * @return the count
		 */
		public long unmatched() {
			return this.unmatched.sum();
		}

		/**
		 * Return how many messages or events failed: key not readable, {@code null}, or
		 * not convertible to the key type.
		 * @return the count
		 */
		public long failed() {
			return this.failed.sum();
		}

		/**
		 * Return how many messages were dropped unread because too many waited.
		 * @return the count
		 */
		public long dropped() {
			return this.dropped.sum();
		}

	}

	private static final class Declared {

		private final EventDeclaration declaration;

		private final Statistics statistics = new Statistics();

		private final AtomicLong nextLog;

		private final AtomicLong suppressed = new AtomicLong();

		Declared(EventDeclaration declaration, long now) {
			this.declaration = declaration;
			this.nextLog = new AtomicLong(now);
		}

		EventDeclaration declaration() {
			return this.declaration;
		}

		void warn(LongSupplier nanoTime, String message) {
			long now = nanoTime.getAsLong();
			long next = this.nextLog.get();
			if (now - next >= 0 && this.nextLog.compareAndSet(next, now + LOG_INTERVAL_NANOS)) {
				long skipped = this.suppressed.getAndSet(0);
				logger.warn("tiered-cache: inbound event '" + this.declaration.name() + "': " + message
						+ ((skipped > 0) ? " (" + skipped + " similar not logged in the last minute)" : ""));
			}
			else {
				this.suppressed.incrementAndGet();
			}
		}

	}

}
