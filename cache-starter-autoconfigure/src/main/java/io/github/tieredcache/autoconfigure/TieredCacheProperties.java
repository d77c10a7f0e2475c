package io.github.tieredcache.autoconfigure;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.tieredcache.http.HttpCaching;
import io.github.tieredcache.internal.writebehind.WriteBehindService;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration properties of tiered-cache.
 */
@ConfigurationProperties("tiered-cache")
public class TieredCacheProperties {

	/**
	 * Default of {@link #getAspectOrder()}: just ahead of Spring's transaction advisor.
	 */
	public static final int DEFAULT_ASPECT_ORDER = Integer.MAX_VALUE - 100;

	/**
	 * Whether to enable tiered-cache.
	 */
	private boolean enabled = true;

	/**
	 * First segment of every Redis key. Defaults to 'spring.application.name', else
	 * 'app'.
	 */
	private @Nullable String keyPrefix;

	/**
	 * Whether caches that are not listed under 'tiered-cache.caches' are created on first
	 * use, with the defaults.
	 */
	private boolean dynamic = true;

	/**
	 * Order of the advisor applying @CacheAside, @WriteThrough and @CacheInvalidate. The
	 * default runs it outside @Transactional (whose order is Integer.MAX_VALUE), so a
	 * cache hit opens no transaction; writes wait for commit whatever the order.
	 */
	private int aspectOrder = DEFAULT_ASPECT_ORDER;

	private final Serialization serialization = new Serialization();

	private final Invalidation invalidation = new Invalidation();

	private final RedisCommands redis = new RedisCommands();

	private final WriteBehind writeBehind = new WriteBehind();

	private final Health health = new Health();

	private final Http http = new Http();

	private final Warm warm = new Warm();

	private final HotKeys hotKeys = new HotKeys();

	/**
	 * Settings of every cache unless overridden under 'tiered-cache.caches'.
	 */
	private final Spec defaults = new Spec();

	/**
	 * Caches created at start-up, by name; each takes the keys of 'tiered-cache.defaults'
	 * (ttl, ttl-jitter, cache-null-values, null-ttl, local.*, redis.enabled, lease.*,
	 * stale-if-error, early-refresh.beta, warm.*), and each unset key inherits from
	 * there.
	 */
	private final Map<String, Spec> caches = new LinkedHashMap<>();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public @Nullable String getKeyPrefix() {
		return this.keyPrefix;
	}

	public void setKeyPrefix(@Nullable String keyPrefix) {
		this.keyPrefix = keyPrefix;
	}

	public boolean isDynamic() {
		return this.dynamic;
	}

	public void setDynamic(boolean dynamic) {
		this.dynamic = dynamic;
	}

	public int getAspectOrder() {
		return this.aspectOrder;
	}

	public void setAspectOrder(int aspectOrder) {
		this.aspectOrder = aspectOrder;
	}

	public Serialization getSerialization() {
		return this.serialization;
	}

	public Invalidation getInvalidation() {
		return this.invalidation;
	}

	public RedisCommands getRedis() {
		return this.redis;
	}

	public WriteBehind getWriteBehind() {
		return this.writeBehind;
	}

	public Health getHealth() {
		return this.health;
	}

	public Http getHttp() {
		return this.http;
	}

	/**
	 * Return the cache warming settings.
	 * @return the settings
	 */
	public Warm getWarm() {
		return this.warm;
	}

	/**
	 * Return the hot-key settings.
	 * @return the hot-key settings
	 */
	public HotKeys getHotKeys() {
		return this.hotKeys;
	}

	public Spec getDefaults() {
		return this.defaults;
	}

	public Map<String, Spec> getCaches() {
		return this.caches;
	}

	/**
	 * Durable write-behind (@WriteBehind).
	 */
	public static class WriteBehind {

		/**
		 * Whether @WriteBehind calls are queued in Redis (when Redis is used); otherwise
		 * they write through.
		 */
		private boolean enabled = true;

		/**
		 * Redis Stream of deferred writes. Defaults to '<key-prefix>:write-behind'.
		 */
		private @Nullable String stream;

		/**
		 * Most entries a flusher reads and writes per round.
		 */
		private int batchSize = 100;

		/**
		 * How long an idle flusher waits between rounds; writes to one key within it are
		 * coalesced.
		 */
		private Duration flushInterval = Duration.ofSeconds(1);

		/**
		 * How long the active flusher's lease lasts unless renewed (every third of it):
		 * once it lapses, another instance takes over and claims what the former read and
		 * did not acknowledge. Also the longest a direct write keeps its key marked.
		 */
		private Duration claimIdleTime = Duration.ofSeconds(30);

		/**
		 * Deliveries of an entry before it goes to the dead-letter stream.
		 */
		private int maxAttempts = 5;

		/**
		 * Wait before retrying a failed write, doubling with each further attempt (at
		 * most 1 minute).
		 */
		private Duration retryBackoff = Duration.ofSeconds(1);

		/**
		 * Backlog past which @WriteBehind calls follow 'overflow'.
		 */
		private long maxPending = 100_000;

		/**
		 * What a @WriteBehind call does past 'max-pending': write through synchronously,
		 * block until there is room, or fail.
		 */
		private WriteBehindService.Overflow overflow = WriteBehindService.Overflow.WRITE_THROUGH;

		/**
		 * How long a @WriteBehind call waits for room past 'max-pending' with 'overflow:
		 * block' before it fails (leaving the cache unchanged).
		 */
		private Duration blockTimeout = Duration.ofSeconds(30);

		/**
		 * How long shutdown keeps writing what this instance holds.
		 */
		private Duration shutdownTimeout = Duration.ofSeconds(10);

		/**
		 * Replicas each queued write waits for (Redis WAIT, for half the Redis command
		 * timeout) before the call returns; 0 for none. A call confirmed by fewer fails
		 * and is not queued.
		 */
		private int waitReplicas;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public @Nullable String getStream() {
			return this.stream;
		}

		public void setStream(@Nullable String stream) {
			this.stream = stream;
		}

		public int getBatchSize() {
			return this.batchSize;
		}

		public void setBatchSize(int batchSize) {
			this.batchSize = batchSize;
		}

		public Duration getFlushInterval() {
			return this.flushInterval;
		}

		public void setFlushInterval(Duration flushInterval) {
			this.flushInterval = flushInterval;
		}

		public Duration getClaimIdleTime() {
			return this.claimIdleTime;
		}

		public void setClaimIdleTime(Duration claimIdleTime) {
			this.claimIdleTime = claimIdleTime;
		}

		public int getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public Duration getRetryBackoff() {
			return this.retryBackoff;
		}

		public void setRetryBackoff(Duration retryBackoff) {
			this.retryBackoff = retryBackoff;
		}

		public long getMaxPending() {
			return this.maxPending;
		}

		public void setMaxPending(long maxPending) {
			this.maxPending = maxPending;
		}

		public WriteBehindService.Overflow getOverflow() {
			return this.overflow;
		}

		public void setOverflow(WriteBehindService.Overflow overflow) {
			this.overflow = overflow;
		}

		public Duration getShutdownTimeout() {
			return this.shutdownTimeout;
		}

		public void setShutdownTimeout(Duration shutdownTimeout) {
			this.shutdownTimeout = shutdownTimeout;
		}

		public Duration getBlockTimeout() {
			return this.blockTimeout;
		}

		public void setBlockTimeout(Duration blockTimeout) {
			this.blockTimeout = blockTimeout;
		}

		public int getWaitReplicas() {
			return this.waitReplicas;
		}

		public void setWaitReplicas(int waitReplicas) {
			this.waitReplicas = waitReplicas;
		}

	}

	/**
	 * How the cache talks to Redis when Redis misbehaves.
	 */
	public static class RedisCommands {

		/**
		 * Longest the cache waits for one Redis command, independent of the application's
		 * own Redis timeout; a command past it counts as failed and the caller carries on
		 * without Redis.
		 */
		private Duration commandTimeout = Duration.ofMillis(250);

		/**
		 * Whether to tune the application's Lettuce client so that a Redis outage fails
		 * fast instead of hanging: a 2s command timeout unless
		 * 'spring.data.redis.timeout' is set, commands rejected while disconnected, a
		 * request queue of 10000, and periodic and adaptive topology refresh on a cluster
		 * unless 'spring.data.redis.lettuce.cluster.refresh.*' is set. What was changed
		 * is logged at start-up.
		 */
		private boolean tuneClient = true;

		private final CircuitBreaker circuitBreaker = new CircuitBreaker();

		public Duration getCommandTimeout() {
			return this.commandTimeout;
		}

		public void setCommandTimeout(Duration commandTimeout) {
			this.commandTimeout = commandTimeout;
		}

		public boolean isTuneClient() {
			return this.tuneClient;
		}

		public void setTuneClient(boolean tuneClient) {
			this.tuneClient = tuneClient;
		}

		public CircuitBreaker getCircuitBreaker() {
			return this.circuitBreaker;
		}

	}

	/**
	 * The circuit breaker in front of Redis.
	 */
	public static class CircuitBreaker {

		/**
		 * Failed Redis commands in a row after which the cache stops using Redis (serving
		 * the in-process tier and the loaders) until a probe gets an answer.
		 */
		private int failureThreshold = 5;

		/**
		 * How often Redis is probed while the breaker is open.
		 */
		private Duration probeInterval = Duration.ofMillis(500);

		public int getFailureThreshold() {
			return this.failureThreshold;
		}

		public void setFailureThreshold(int failureThreshold) {
			this.failureThreshold = failureThreshold;
		}

		public Duration getProbeInterval() {
			return this.probeInterval;
		}

		public void setProbeInterval(Duration probeInterval) {
			this.probeInterval = probeInterval;
		}

	}

	/**
	 * The 'tieredCache' health contributor (with Spring Boot Actuator).
	 */
	public static class Health {

		/**
		 * Whether the 'tieredCache' health contributor supersedes Spring Boot's 'redis'
		 * health indicator, which reports DOWN (and so makes the whole application DOWN)
		 * when Redis stops, while the cache keeps serving from the in-process tier and
		 * the loaders: the starter then defaults 'management.health.redis.enabled' to
		 * false. Meant for applications that use Redis only through this cache; set to
		 * false to keep Spring Boot's indicator. An explicit
		 * 'management.health.redis.enabled' wins either way.
		 */
		private boolean replaceRedisIndicator = true;

		public boolean isReplaceRedisIndicator() {
			return this.replaceRedisIndicator;
		}

		public void setReplaceRedisIndicator(boolean replaceRedisIndicator) {
			this.replaceRedisIndicator = replaceRedisIndicator;
		}

	}

	/**
	 * The cross-instance invalidation bus.
	 */
	public static class Invalidation {

		/**
		 * Whether writes, evictions and clears are published to the other instances,
		 * which drop the entries from their in-process tiers (when Redis is used).
		 */
		private boolean enabled = true;

		/**
		 * Redis pub/sub channel of the invalidation bus. Defaults to
		 * '<key-prefix>:invalidation'.
		 */
		private @Nullable String channel;

		/**
		 * How long the bus may go without one of this instance's own messages coming back
		 * before the in-process tiers are emptied and bypassed; bounds how stale they can
		 * get (about 1.25 times this).
		 */
		private Duration heartbeatInterval = Duration.ofSeconds(1);

		/**
		 * Inbound events that invalidate caches, by name (named in logs and in the origin
		 * of each CacheInvalidatedEvent). Each takes 'source' ('redis-channel',
		 * 'redis-stream', 'postgres' or 'application-event'), 'channel' (a PSUBSCRIBE
		 * channel pattern, a stream key, a NOTIFY channel, or the event class), 'pattern'
		 * (how to read the channel name or payload: 'product:{id}:updated'), 'cache' (one
		 * name or a list), 'key' (SpEL over the pattern's variables, '#channel',
		 * '#message', '#payload', or '#event'), 'key-type' (default java.lang.String) and
		 * 'all-entries' (clear instead of evicting one key).
		 */
		private final Map<String, Event> events = new LinkedHashMap<>();

		private final Streams streams = new Streams();

		private final Publish publish = new Publish();

		public Map<String, Event> getEvents() {
			return this.events;
		}

		public Streams getStreams() {
			return this.streams;
		}

		public Publish getPublish() {
			return this.publish;
		}

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public @Nullable String getChannel() {
			return this.channel;
		}

		public void setChannel(@Nullable String channel) {
			this.channel = channel;
		}

		public Duration getHeartbeatInterval() {
			return this.heartbeatInterval;
		}

		public void setHeartbeatInterval(Duration heartbeatInterval) {
			this.heartbeatInterval = heartbeatInterval;
		}

	}

	/**
	 * Publishing of this instance's invalidations to other systems.
	 */
	public static class Publish {

		/**
		 * Redis pub/sub channel each invalidation this instance performs (annotations,
		 * the Cache API, inbound events; not those heard from other instances) is
		 * published on: a template with '{cache}' and '{key}' ('*' when every entry is
		 * invalidated), such as '{cache}:{key}:invalidated'. The message is a JSON object
		 * (cache, key, encodedKey, allEntries, origin, event). Not set: nothing is
		 * published.
		 */
		private @Nullable String channel;

		public @Nullable String getChannel() {
			return this.channel;
		}

		public void setChannel(@Nullable String channel) {
			this.channel = channel;
		}

	}

	/**
	 * How the streams of the 'redis-stream' inbound events are read.
	 */
	public static class Streams {

		/**
		 * Consumer group every instance of the application reads the streams with, so
		 * that each entry is applied by one instance. Defaults to
		 * '<key-prefix>:invalidation-events'.
		 */
		private @Nullable String group;

		/**
		 * How long to wait before reading the streams again after a read found nothing:
		 * bounds the delay of an entry.
		 */
		private Duration pollInterval = Duration.ofMillis(100);

		/**
		 * How long an entry may stay delivered to an instance without being acknowledged
		 * (the instance stopped or died) before another instance takes it over.
		 */
		private Duration claimIdleTime = Duration.ofSeconds(30);

		public @Nullable String getGroup() {
			return this.group;
		}

		public void setGroup(@Nullable String group) {
			this.group = group;
		}

		public Duration getPollInterval() {
			return this.pollInterval;
		}

		public void setPollInterval(Duration pollInterval) {
			this.pollInterval = pollInterval;
		}

		public Duration getClaimIdleTime() {
			return this.claimIdleTime;
		}

		public void setClaimIdleTime(Duration claimIdleTime) {
			this.claimIdleTime = claimIdleTime;
		}

	}

	/**
	 * Where an inbound invalidation event comes from.
	 */
	public enum EventSource {

		/**
		 * Messages published on Redis pub/sub channels matching 'channel' (PSUBSCRIBE),
		 * by any client. At most once, as pub/sub is.
		 */
		REDIS_CHANNEL,

		/**
		 * Entries of the Redis Stream named by 'channel', read with a consumer group:
		 * each entry applied by one instance, acknowledged after; at least once.
		 */
		REDIS_STREAM,

		/**
		 * PostgreSQL notifications (LISTEN) on the channel named by 'channel', on a
		 * connection of the application's PostgreSQL DataSource. At most once.
		 */
		POSTGRES,

		/**
		 * Spring application events of the class named by 'channel', published in this
		 * application; after commit when published in a transaction.
		 */
		APPLICATION_EVENT

	}

	/**
	 * An inbound event that invalidates cache entries.
	 */
	public static class Event {

		/**
		 * Where the event comes from: 'redis-channel', 'redis-stream', 'postgres' or
		 * 'application-event'.
		 */
		private @Nullable EventSource source;

		/**
		 * With 'redis-channel', the channel pattern to subscribe to, in PSUBSCRIBE syntax
		 * ('product:*:updated'); with 'redis-stream', the stream key; with 'postgres',
		 * the NOTIFY channel, exactly as given to pg_notify; with 'application-event',
		 * the fully qualified class of the event (an ApplicationEvent, or any object
		 * published with ApplicationEventPublisher.publishEvent).
		 */
		private @Nullable String channel;

		/**
		 * How to read a message: literal text with '{name}' placeholders
		 * ('product:{id}:updated'), each becoming the SpEL variable '#name' of 'key'.
		 * With 'redis-channel' it reads the channel a message came on, with 'postgres'
		 * the notification's payload. A message that does not match is counted and
		 * ignored.
		 */
		private @Nullable String pattern;

		/**
		 * Caches the event invalidates: one name or a list.
		 */
		private List<String> cache = new ArrayList<>();

		/**
		 * SpEL expression of the key to evict. With 'redis-channel' and 'postgres' it
		 * sees the pattern's placeholders ('#id'), '#channel', '#message' (the message
		 * body or notification payload as text) and '#payload' (the same read as JSON);
		 * with 'redis-stream', the entry's fields by name ('#id'), '#entry' (all of them)
		 * and '#payload' (the field 'payload' read as JSON); with 'application-event',
		 * '#event' (the event, or the payload of a PayloadApplicationEvent). Required
		 * unless 'all-entries' is true.
		 */
		private @Nullable String key;

		/**
		 * Class the key is converted to (with the application's ConversionService) before
		 * it is evicted: the type the cache's keys are written with, such as
		 * 'java.lang.Long'.
		 */
		private String keyType = "java.lang.String";

		/**
		 * Whether the event clears the caches instead of evicting one key.
		 */
		private boolean allEntries;

		public @Nullable EventSource getSource() {
			return this.source;
		}

		public void setSource(@Nullable EventSource source) {
			this.source = source;
		}

		public @Nullable String getChannel() {
			return this.channel;
		}

		public void setChannel(@Nullable String channel) {
			this.channel = channel;
		}

		public @Nullable String getPattern() {
			return this.pattern;
		}

		public void setPattern(@Nullable String pattern) {
			this.pattern = pattern;
		}

		public List<String> getCache() {
			return this.cache;
		}

		public void setCache(List<String> cache) {
			this.cache = cache;
		}

		public @Nullable String getKey() {
			return this.key;
		}

		public void setKey(@Nullable String key) {
			this.key = key;
		}

		public String getKeyType() {
			return this.keyType;
		}

		public void setKeyType(String keyType) {
			this.keyType = keyType;
		}

		public boolean isAllEntries() {
			return this.allEntries;
		}

		public void setAllEntries(boolean allEntries) {
			this.allEntries = allEntries;
		}

	}

	/**
	 * How values are written to Redis.
	 */
	public static class Serialization {

		/**
		 * Packages whose classes, records and enums may be read back from Redis, besides
		 * the platform value types (boxed primitives, String, BigDecimal, BigInteger,
		 * UUID, Locale, Currency, Date, java.time values, java.util collections and
		 * maps). An entry matches its package only; end it with '.**' to include
		 * sub-packages ('com.example.**'). java, javax, jdk, sun and com.sun packages
		 * cannot be listed. Defaults to the packages of @SpringBootApplication, with
		 * their sub-packages.
		 */
		private List<String> allowedPackages = new ArrayList<>();

		public List<String> getAllowedPackages() {
			return this.allowedPackages;
		}

		public void setAllowedPackages(List<String> allowedPackages) {
			this.allowedPackages = allowedPackages;
		}

	}

	/**
	 * Settings of one cache, or of all caches as defaults. Every key left unset inherits.
	 */
	public static class Spec {

		/**
		 * Time to live of an entry in Redis. Defaults to 10 minutes.
		 */
		private @Nullable Duration ttl;

		/**
		 * Fraction by which each Redis TTL is randomly spread, from 0 (inclusive) to 1
		 * (exclusive), so that entries written together do not expire together. Defaults
		 * to 0.1 (±10%).
		 */
		private @Nullable Double ttlJitter;

		/**
		 * Whether null results are cached. Defaults to false.
		 */
		private @Nullable Boolean cacheNullValues;

		/**
		 * Time to live of a cached null, in either tier. Defaults to 1 minute.
		 */
		private @Nullable Duration nullTtl;

		private final Local local = new Local();

		private final Redis redis = new Redis();

		private final Lease lease = new Lease();

		/**
		 * How long past its TTL an entry is kept, to be served if the loader fails.
		 * Defaults to 0 (off).
		 */
		private @Nullable Duration staleIfError;

		private final EarlyRefresh earlyRefresh = new EarlyRefresh();

		private final CacheWarm warm = new CacheWarm();

		private final CacheHotKeys hotKeys = new CacheHotKeys();

		public @Nullable Duration getTtl() {
			return this.ttl;
		}

		public void setTtl(@Nullable Duration ttl) {
			this.ttl = ttl;
		}

		public @Nullable Double getTtlJitter() {
			return this.ttlJitter;
		}

		public void setTtlJitter(@Nullable Double ttlJitter) {
			this.ttlJitter = ttlJitter;
		}

		public @Nullable Boolean getCacheNullValues() {
			return this.cacheNullValues;
		}

		public void setCacheNullValues(@Nullable Boolean cacheNullValues) {
			this.cacheNullValues = cacheNullValues;
		}

		public @Nullable Duration getNullTtl() {
			return this.nullTtl;
		}

		public void setNullTtl(@Nullable Duration nullTtl) {
			this.nullTtl = nullTtl;
		}

		public Local getLocal() {
			return this.local;
		}

		public Redis getRedis() {
			return this.redis;
		}

		public Lease getLease() {
			return this.lease;
		}

		public @Nullable Duration getStaleIfError() {
			return this.staleIfError;
		}

		public void setStaleIfError(@Nullable Duration staleIfError) {
			this.staleIfError = staleIfError;
		}

		public EarlyRefresh getEarlyRefresh() {
			return this.earlyRefresh;
		}

		public CacheWarm getWarm() {
			return this.warm;
		}

		public CacheHotKeys getHotKeys() {
			return this.hotKeys;
		}

	}

	/**
	 * Hot keys: keys read from Redis far more than the others (counted on in-process
	 * misses) are reported to every instance over the invalidation bus, pinned in the
	 * in-process tier, and replicated in Redis on other masters. These keys are the
	 * defaults of every cache ('tiered-cache.defaults.hot-keys.*' and
	 * 'tiered-cache.caches.<name>.hot-keys.*' override them), except 'window', which is
	 * one for all.
	 */
	public static class HotKeys {

		/**
		 * Whether hot keys are detected and protected (needs Redis and the invalidation
		 * bus).
		 */
		private boolean enabled;

		/**
		 * Share of a cache's Redis reads that makes a key hot, above 0 and at most 1.
		 */
		private double threshold = 0.01;

		/**
		 * Most hot keys per cache that each instance reports.
		 */
		private int topK = 16;

		/**
		 * How often each instance reports its hot keys; a key cools two windows after no
		 * instance reports it.
		 */
		private Duration window = Duration.ofSeconds(10);

		/**
		 * Copies of a hot key's Redis value, the primary included, on different masters
		 * (at most 16; 1 for none). Defaults to the number of masters (1 on a single
		 * Redis).
		 */
		private @Nullable Integer replicas;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public double getThreshold() {
			return this.threshold;
		}

		public void setThreshold(double threshold) {
			this.threshold = threshold;
		}

		public int getTopK() {
			return this.topK;
		}

		public void setTopK(int topK) {
			this.topK = topK;
		}

		public Duration getWindow() {
			return this.window;
		}

		public void setWindow(Duration window) {
			this.window = window;
		}

		public @Nullable Integer getReplicas() {
			return this.replicas;
		}

		public void setReplicas(@Nullable Integer replicas) {
			this.replicas = replicas;
		}

	}

	/**
	 * Hot keys of one cache; unset keys inherit 'tiered-cache.hot-keys.*'.
	 */
	public static class CacheHotKeys {

		/**
		 * Whether hot keys of the cache are detected and protected.
		 */
		private @Nullable Boolean enabled;

		/**
		 * Share of the cache's Redis reads that makes a key hot, above 0 and at most 1.
		 */
		private @Nullable Double threshold;

		/**
		 * Most hot keys of the cache that each instance reports.
		 */
		private @Nullable Integer topK;

		/**
		 * Copies of a hot key's Redis value, the primary included (at most 16; 1 for
		 * none).
		 */
		private @Nullable Integer replicas;

		public @Nullable Boolean getEnabled() {
			return this.enabled;
		}

		public void setEnabled(@Nullable Boolean enabled) {
			this.enabled = enabled;
		}

		public @Nullable Double getThreshold() {
			return this.threshold;
		}

		public void setThreshold(@Nullable Double threshold) {
			this.threshold = threshold;
		}

		public @Nullable Integer getTopK() {
			return this.topK;
		}

		public void setTopK(@Nullable Integer topK) {
			this.topK = topK;
		}

		public @Nullable Integer getReplicas() {
			return this.replicas;
		}

		public void setReplicas(@Nullable Integer replicas) {
			this.replicas = replicas;
		}

	}

	/**
	 * Cache warming at start-up, the readiness gate and the origin ramp; which caches are
	 * warmed from where is set per cache ('tiered-cache.caches.<name>.warm.*', defaults
	 * under 'tiered-cache.defaults.warm.*') and by CacheWarmer beans.
	 */
	public static class Warm {

		/**
		 * Whether caches are warmed at start-up, before the application reports ready.
		 */
		private boolean enabled = true;

		/**
		 * Longest warming may hold readiness back; past it, what is left is interrupted
		 * and the application reports ready regardless.
		 */
		private Duration timeBudget = Duration.ofSeconds(30);

		/**
		 * How many sources are warmed at once.
		 */
		private int parallelism = 2;

		/**
		 * Most keys per Redis MGET, and per call of a CacheWarmer's load.
		 */
		private int batchSize = 100;

		/**
		 * How long after warming the origin load limit of each cache takes to rise from
		 * 'ramp-from' to 'ramp-to', after which nothing is limited. While warming, the
		 * limit is 'ramp-from'. 0 turns the ramp off (no limit, ever).
		 */
		private Duration ramp = Duration.ZERO;

		/**
		 * Longest a load over the ramp's limit waits for a permit; then the caller gets
		 * the stale value where stale-if-error allows, else loads anyway.
		 */
		private Duration rampWait = Duration.ofMillis(500);

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public Duration getTimeBudget() {
			return this.timeBudget;
		}

		public void setTimeBudget(Duration timeBudget) {
			this.timeBudget = timeBudget;
		}

		public int getParallelism() {
			return this.parallelism;
		}

		public void setParallelism(int parallelism) {
			this.parallelism = parallelism;
		}

		public int getBatchSize() {
			return this.batchSize;
		}

		public void setBatchSize(int batchSize) {
			this.batchSize = batchSize;
		}

		public Duration getRamp() {
			return this.ramp;
		}

		public void setRamp(Duration ramp) {
			this.ramp = ramp;
		}

		public Duration getRampWait() {
			return this.rampWait;
		}

		public void setRampWait(Duration rampWait) {
			this.rampWait = rampWait;
		}

	}

	/**
	 * A built-in warming source of a cache.
	 */
	public enum WarmSource {

		/**
		 * The keys listed under 'warm.keys', filled from Redis.
		 */
		KEYS,

		/**
		 * The keys Redis holds for the cache (found with SCAN, at most 'warm.max-keys'),
		 * filled from Redis.
		 */
		FROM_L2,

		/**
		 * The cache's hot keys as the running instances last recorded them in Redis (with
		 * hot keys on), filled from Redis.
		 */
		HOT_SET

	}

	/**
	 * How one cache is warmed at start-up and ramped after.
	 */
	public static class CacheWarm {

		/**
		 * Built-in sources warming the cache: 'keys' (the list under 'keys'), 'from-l2'
		 * (what Redis holds for it) and 'hot-set' (its hot keys as the running instances
		 * recorded them). Defaults to 'keys' when keys are listed, else none.
		 */
		private @Nullable List<WarmSource> sources;

		/**
		 * Keys warmed by the 'keys' source, converted to 'key-type'.
		 */
		private @Nullable List<String> keys;

		/**
		 * Class the listed keys are converted to (with the application's
		 * ConversionService): the type the cache's keys are written with, such as
		 * 'java.lang.Long'. Defaults to java.lang.String.
		 */
		private @Nullable String keyType;

		/**
		 * Most keys the 'from-l2' source warms. Defaults to the in-process tier's maximum
		 * size.
		 */
		private @Nullable Integer maxKeys;

		/**
		 * Concurrent origin loads allowed while warming and at the start of the ramp.
		 * Defaults to 2.
		 */
		private @Nullable Integer rampFrom;

		/**
		 * Concurrent origin loads allowed at the end of the ramp (nothing is limited
		 * after it). Defaults to 32.
		 */
		private @Nullable Integer rampTo;

		public @Nullable List<WarmSource> getSources() {
			return this.sources;
		}

		public void setSources(@Nullable List<WarmSource> sources) {
			this.sources = sources;
		}

		public @Nullable List<String> getKeys() {
			return this.keys;
		}

		public void setKeys(@Nullable List<String> keys) {
			this.keys = keys;
		}

		public @Nullable String getKeyType() {
			return this.keyType;
		}

		public void setKeyType(@Nullable String keyType) {
			this.keyType = keyType;
		}

		public @Nullable Integer getMaxKeys() {
			return this.maxKeys;
		}

		public void setMaxKeys(@Nullable Integer maxKeys) {
			this.maxKeys = maxKeys;
		}

		public @Nullable Integer getRampFrom() {
			return this.rampFrom;
		}

		public void setRampFrom(@Nullable Integer rampFrom) {
			this.rampFrom = rampFrom;
		}

		public @Nullable Integer getRampTo() {
			return this.rampTo;
		}

		public void setRampTo(@Nullable Integer rampTo) {
			this.rampTo = rampTo;
		}

	}

	/**
	 * Early refresh (XFetch): hot entries are recomputed in the background before they
	 * expire.
	 */
	public static class EarlyRefresh {

		/**
		 * XFetch beta: on a hit, the entry is reloaded in the background with probability
		 * exp(-timeLeft / (beta × loadTime)). 0 turns early refresh off, 1 is the paper's
		 * default, higher refreshes earlier. Defaults to 0.
		 */
		private @Nullable Double beta;

		public @Nullable Double getBeta() {
			return this.beta;
		}

		public void setBeta(@Nullable Double beta) {
			this.beta = beta;
		}

	}

	/**
	 * Leases taken in Redis on a miss, so that one caller loads and a slow load never
	 * overwrites a newer write.
	 */
	public static class Lease {

		/**
		 * Whether a miss in both tiers takes a per-key lease in Redis. Defaults to true.
		 */
		private @Nullable Boolean enabled;

		/**
		 * How long a lease outlives a holder that crashed. Defaults to 5 seconds.
		 */
		private @Nullable Duration ttl;

		/**
		 * How long other callers wait for the lease holder's value before loading
		 * themselves; about the typical load time. Defaults to 250 milliseconds.
		 */
		private @Nullable Duration wait;

		public @Nullable Boolean getEnabled() {
			return this.enabled;
		}

		public void setEnabled(@Nullable Boolean enabled) {
			this.enabled = enabled;
		}

		public @Nullable Duration getTtl() {
			return this.ttl;
		}

		public void setTtl(@Nullable Duration ttl) {
			this.ttl = ttl;
		}

		public @Nullable Duration getWait() {
			return this.wait;
		}

		public void setWait(@Nullable Duration wait) {
			this.wait = wait;
		}

	}

	/**
	 * The in-process (Caffeine) tier.
	 */
	public static class Local {

		/**
		 * Whether the in-process tier is used. Defaults to true.
		 */
		private @Nullable Boolean enabled;

		/**
		 * Time to live of an entry in the in-process tier; must not exceed the Redis TTL.
		 * Defaults to the smaller of the TTL and 1 minute (the TTL itself when Redis is
		 * not used).
		 */
		private @Nullable Duration ttl;

		/**
		 * Maximum number of entries in the in-process tier. Defaults to 10000.
		 */
		private @Nullable Long maximumSize;

		public @Nullable Boolean getEnabled() {
			return this.enabled;
		}

		public void setEnabled(@Nullable Boolean enabled) {
			this.enabled = enabled;
		}

		public @Nullable Duration getTtl() {
			return this.ttl;
		}

		public void setTtl(@Nullable Duration ttl) {
			this.ttl = ttl;
		}

		public @Nullable Long getMaximumSize() {
			return this.maximumSize;
		}

		public void setMaximumSize(@Nullable Long maximumSize) {
			this.maximumSize = maximumSize;
		}

	}

	/**
	 * The shared (Redis) tier.
	 */
	public static class Redis {

		/**
		 * Whether the Redis tier is used (when Redis is on the classpath). Defaults to
		 * true.
		 */
		private @Nullable Boolean enabled;

		public @Nullable Boolean getEnabled() {
			return this.enabled;
		}

		public void setEnabled(@Nullable Boolean enabled) {
			this.enabled = enabled;
		}

	}

	/**
	 * HTTP caching for Spring MVC (@HttpCaching, @CachedETag, rules).
	 */
	public static class Http {

		/**
		 * Whether to apply @HttpCaching, @CachedETag and the rules to Spring MVC
		 * responses.
		 */
		private boolean enabled = true;

		/**
		 * Caching headers of endpoints that carry no @HttpCaching, in order, the first
		 * match winning; each entry takes 'path' (one Ant-style pattern within the
		 * application, such as '/products/**'), 'methods' (default GET and HEAD), and the
		 * annotation's attributes in kebab case: 'max-age', 's-max-age',
		 * 'stale-while-revalidate', 'stale-if-error', 'cdn-max-age', 'scope' (auto,
		 * public, private), 'no-store', 'must-revalidate', 'immutable', 'surrogate-keys',
		 * 'vary'. An @HttpCaching on the handler method or class replaces a matching rule
		 * as a whole.
		 */
		private List<Rule> rules = new ArrayList<>();

		/**
		 * Purge of reverse proxies and CDNs when a surrogate key is invalidated.
		 */
		private final Purge purge = new Purge();

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public List<Rule> getRules() {
			return this.rules;
		}

		public void setRules(List<Rule> rules) {
			this.rules = rules;
		}

		public Purge getPurge() {
			return this.purge;
		}

	}

	/**
	 * Purge on invalidation ('tiered-cache.http.purge').
	 */
	public static class Purge {

		/**
		 * Base URLs of the reverse proxies or CDN endpoints to purge, such as
		 * 'http://varnish-1:6081/'; purging is off while the list is empty.
		 */
		private List<URI> urls = new ArrayList<>();

		/**
		 * Method of the purge requests.
		 */
		private String method = "PURGE";

		/**
		 * How a surrogate key is purged: 'xkey' sends one request per batch of keys with
		 * the keys in a header (Varnish xkey); 'url' sends one request per key to the
		 * path its cache's template under 'paths' gives.
		 */
		private PurgeMode mode = PurgeMode.XKEY;

		/**
		 * Header carrying the space-separated surrogate keys in 'xkey' mode.
		 */
		private String header = "xkey-purge";

		/**
		 * Path templates by cache name for 'url' mode, '{key}' standing for the
		 * URL-encoded key, such as products: '/products/{key}'.
		 */
		private Map<String, String> paths = new LinkedHashMap<>();

		/**
		 * Attempts per purge request before it counts as failed.
		 */
		private int maxAttempts = 3;

		/**
		 * Wait before the second attempt, doubled before each next one.
		 */
		private Duration backoff = Duration.ofMillis(200);

		/**
		 * Connect and response timeout of one purge request.
		 */
		private Duration timeout = Duration.ofSeconds(2);

		/**
		 * Most surrogate keys waiting to be sent; more are dropped, counted and logged.
		 */
		private int queueCapacity = 10_000;

		/**
		 * Most surrogate keys per request in 'xkey' mode.
		 */
		private int batchSize = 32;

		public List<URI> getUrls() {
			return this.urls;
		}

		public void setUrls(List<URI> urls) {
			this.urls = urls;
		}

		public String getMethod() {
			return this.method;
		}

		public void setMethod(String method) {
			this.method = method;
		}

		public PurgeMode getMode() {
			return this.mode;
		}

		public void setMode(PurgeMode mode) {
			this.mode = mode;
		}

		public String getHeader() {
			return this.header;
		}

		public void setHeader(String header) {
			this.header = header;
		}

		public Map<String, String> getPaths() {
			return this.paths;
		}

		public void setPaths(Map<String, String> paths) {
			this.paths = paths;
		}

		public int getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public Duration getBackoff() {
			return this.backoff;
		}

		public void setBackoff(Duration backoff) {
			this.backoff = backoff;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public int getQueueCapacity() {
			return this.queueCapacity;
		}

		public void setQueueCapacity(int queueCapacity) {
			this.queueCapacity = queueCapacity;
		}

		public int getBatchSize() {
			return this.batchSize;
		}

		public void setBatchSize(int batchSize) {
			this.batchSize = batchSize;
		}

	}

	/**
	 * How a surrogate key is purged.
	 */
	public enum PurgeMode {

		/**
		 * One request per batch of keys, the keys in a header (Varnish xkey).
		 */
		XKEY,

		/**
		 * One request per key, to the path its cache's template gives.
		 */
		URL

	}

	/**
	 * One entry of 'tiered-cache.http.rules'.
	 */
	public static class Rule {

		/**
		 * Ant-style path pattern within the application, such as '/products/**'.
		 */
		private @Nullable String path;

		/**
		 * HTTP methods the rule applies to. Headers other than 'no-store' on errors are
		 * only ever written on GET and HEAD responses.
		 */
		private List<String> methods = new ArrayList<>(List.of("GET", "HEAD"));

		/**
		 * 'max-age': how long any cache may serve the response without revalidating.
		 */
		private @Nullable Duration maxAge;

		/**
		 * 's-maxage': 'max-age' for shared caches; left out of private responses.
		 */
		private @Nullable Duration sMaxAge;

		/**
		 * 'stale-while-revalidate' (RFC 5861).
		 */
		private @Nullable Duration staleWhileRevalidate;

		/**
		 * 'stale-if-error' (RFC 5861).
		 */
		private @Nullable Duration staleIfError;

		/**
		 * Freshness for CDNs alone, emitted as 'CDN-Cache-Control: max-age' (RFC 9213);
		 * left out of private responses.
		 */
		private @Nullable Duration cdnMaxAge;

		/**
		 * Who may store the response: 'auto' (public unless the request carries
		 * Authorization or an authenticated principal), 'public' or 'private'.
		 */
		private HttpCaching.Scope scope = HttpCaching.Scope.AUTO;

		/**
		 * Whether no cache may store the response ('no-store' alone).
		 */
		private boolean noStore;

		/**
		 * Whether caches must revalidate a stale response before using it.
		 */
		private boolean mustRevalidate;

		/**
		 * Whether the response never changes while fresh ('immutable').
		 */
		private boolean immutable;

		/**
		 * SpEL expressions whose values form 'Surrogate-Key'; they see path variables and
		 * request parameters by name, and #result (the response body object).
		 */
		private List<String> surrogateKeys = new ArrayList<>();

		/**
		 * Request headers the response varies by, added to 'Vary'.
		 */
		private List<String> vary = new ArrayList<>();

		public @Nullable String getPath() {
			return this.path;
		}

		public void setPath(@Nullable String path) {
			this.path = path;
		}

		public List<String> getMethods() {
			return this.methods;
		}

		public void setMethods(List<String> methods) {
			this.methods = methods;
		}

		public @Nullable Duration getMaxAge() {
			return this.maxAge;
		}

		public void setMaxAge(@Nullable Duration maxAge) {
			this.maxAge = maxAge;
		}

		public @Nullable Duration getSMaxAge() {
			return this.sMaxAge;
		}

		public void setSMaxAge(@Nullable Duration sMaxAge) {
			this.sMaxAge = sMaxAge;
		}

		public @Nullable Duration getStaleWhileRevalidate() {
			return this.staleWhileRevalidate;
		}

		public void setStaleWhileRevalidate(@Nullable Duration staleWhileRevalidate) {
			this.staleWhileRevalidate = staleWhileRevalidate;
		}

		public @Nullable Duration getStaleIfError() {
			return this.staleIfError;
		}

		public void setStaleIfError(@Nullable Duration staleIfError) {
			this.staleIfError = staleIfError;
		}

		public @Nullable Duration getCdnMaxAge() {
			return this.cdnMaxAge;
		}

		public void setCdnMaxAge(@Nullable Duration cdnMaxAge) {
			this.cdnMaxAge = cdnMaxAge;
		}

		public HttpCaching.Scope getScope() {
			return this.scope;
		}

		public void setScope(HttpCaching.Scope scope) {
			this.scope = scope;
		}

		public boolean isNoStore() {
			return this.noStore;
		}

		public void setNoStore(boolean noStore) {
			this.noStore = noStore;
		}

		public boolean isMustRevalidate() {
			return this.mustRevalidate;
		}

		public void setMustRevalidate(boolean mustRevalidate) {
			this.mustRevalidate = mustRevalidate;
		}

		public boolean isImmutable() {
			return this.immutable;
		}

		public void setImmutable(boolean immutable) {
			this.immutable = immutable;
		}

		public List<String> getSurrogateKeys() {
			return this.surrogateKeys;
		}

		public void setSurrogateKeys(List<String> surrogateKeys) {
			this.surrogateKeys = surrogateKeys;
		}

		public List<String> getVary() {
			return this.vary;
		}

		public void setVary(List<String> vary) {
			this.vary = vary;
		}

	}

}
