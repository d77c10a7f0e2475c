package io.github.tieredcache.autoconfigure;

import java.lang.reflect.Method;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

import javax.sql.DataSource;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.github.tieredcache.core.CacheSettings;
import io.github.tieredcache.core.JacksonValueCodec;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.core.ValueCodec;
import io.github.tieredcache.internal.aspect.TieredCacheAdvisor;
import io.github.tieredcache.internal.aspect.TieredCacheInterceptor;
import io.github.tieredcache.internal.events.ApplicationEventInvalidations;
import io.github.tieredcache.internal.events.EventDeclaration;
import io.github.tieredcache.internal.events.InboundInvalidations;
import io.github.tieredcache.internal.events.OutboundInvalidations;
import io.github.tieredcache.internal.events.PostgresEvents;
import io.github.tieredcache.internal.events.RedisChannelEvents;
import io.github.tieredcache.internal.events.RedisStreamEvents;
import io.github.tieredcache.internal.redis.RedisTier;
import io.github.tieredcache.internal.writebehind.WriteBehindFlusher;
import io.github.tieredcache.internal.writebehind.WriteBehindQueue;
import io.github.tieredcache.internal.writebehind.WriteBehindService;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.aop.config.AopConfigUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.boot.autoconfigure.condition.AllNestedConditions;
import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientConfigurationBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.cache.CacheManager;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.context.annotation.Role;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.util.ClassUtils;

/**
 * {@link AutoConfiguration Auto-configuration} of tiered-cache: a
 * {@link TieredCacheManager} over Caffeine and, when Spring Data Redis and a
 * {@link RedisConnectionFactory} are present, Redis, and the advisor applying the pattern
 * annotations.
 * <p>
 * Like Spring Boot's own cache auto-configuration, it backs off when the application
 * defines a {@link CacheManager} bean of another kind or sets {@code spring.cache.type}
 * (to any value, {@code none} included). It runs before Spring Boot's
 * {@code CacheAutoConfiguration}, which backs off from any {@link CacheManager} bean: run
 * after it, it would find the {@code RedisCacheManager} or
 * {@code ConcurrentMapCacheManager} that one creates under {@code @EnableCaching} and
 * never create its own. The pattern annotations need a {@link TieredCacheManager}: used
 * without one, start-up fails (see {@link MissingTieredCacheManagerException}), except
 * under {@code spring.cache.type=none}, where they pass every call through to the method.
 */
@AutoConfiguration(afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
		beforeName = "org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration")
@ConditionalOnClass({ Caffeine.class, CacheManager.class, JsonMapper.class })
@ConditionalOnBooleanProperty(name = "tiered-cache.enabled", matchIfMissing = true)
@EnableConfigurationProperties(TieredCacheProperties.class)
@Import(WarmupConfiguration.class)
public final class TieredCacheAutoConfiguration {

	private static final Log logger = LogFactory.getLog(TieredCacheAutoConfiguration.class);

	private static final String POSTGRES_CONNECTION = "org.postgresql.PGConnection";

	@Bean
	@ConditionalOnMissingBean
	@Conditional(TieredCacheManagerCondition.class)
	ValueCodec tieredCacheValueCodec(TieredCacheProperties properties, BeanFactory beanFactory,
			ObjectProvider<JsonMapper.Builder> jsonMapperBuilder) {
		List<String> packages = new ArrayList<>(properties.getSerialization().getAllowedPackages());
		if (packages.isEmpty() && AutoConfigurationPackages.has(beanFactory)) {
			// the @SpringBootApplication package scans its sub-packages, so the default
			// does too
			AutoConfigurationPackages.get(beanFactory)
				.stream()
				.filter((name) -> !name.isEmpty())
				.forEach((name) -> packages.add(name + ".**"));
		}
		if (packages.isEmpty()) {
			logger.warn("tiered-cache: no application package known; only the platform types of JacksonValueCodec"
					+ " can be read from Redis. Set 'tiered-cache.serialization.allowed-packages'");
		}
		// Boot's builder (spring.jackson.*, JsonMapperBuilderCustomizer beans); the codec
		// applies its allow-list last
		return new JacksonValueCodec(jsonMapperBuilder.getIfAvailable(JsonMapper::builder), packages);
	}

	@Bean
	@ConditionalOnMissingBean
	@Conditional(TieredCacheManagerCondition.class)
	TieredCacheManager cacheManager(TieredCacheProperties properties, ValueCodec valueCodec, Environment environment,
			ObjectProvider<TieredCacheRedisConnection> redis, ObjectProvider<TieredCacheCustomizer> cacheCustomizers,
			ObjectProvider<TieredCacheManagerCustomizer> managerCustomizers, ApplicationEventPublisher eventPublisher) {
		// fail at start-up on bad defaults, not at the first use of a dynamic cache
		CacheSettingsResolver.resolve(properties, "(every cache)");
		List<TieredCacheCustomizer> customizers = cacheCustomizers.orderedStream().toList();
		String keyPrefix = keyPrefix(properties, environment);
		TieredCacheManager.Builder builder = TieredCacheManager.builder()
			// started by the context's lifecycle, after the connection factories
			.startOnBuild(false)
			.keyPrefix(keyPrefix)
			.dynamic(properties.isDynamic())
			.valueCodec(valueCodec)
			.cacheNames(properties.getCaches().keySet())
			// a CacheInvalidatedEvent for every invalidation: a hash lookup in Spring's
			// listener cache when nothing listens, and never on the read path
			.eventPublisher(eventPublisher)
			.settingsResolver((name) -> settings(properties, customizers, name));
		redis.ifAvailable((connection) -> {
			builder.redis(connection.connectionFactory());
			TieredCacheProperties.RedisCommands commands = properties.getRedis();
			CacheSettingsResolver.checkRedis(commands);
			builder.redisCommandTimeout(commands.getCommandTimeout())
				.circuitBreaker(commands.getCircuitBreaker().getFailureThreshold(),
						commands.getCircuitBreaker().getProbeInterval());
			TieredCacheProperties.Invalidation invalidation = properties.getInvalidation();
			if (connection.connectionFactory() != null && invalidation.isEnabled()) {
				Duration interval = invalidation.getHeartbeatInterval();
				CacheSettingsResolver.checkHeartbeat(interval);
				String channel = invalidation.getChannel();
				builder.invalidation((channel != null) ? channel : keyPrefix + ":invalidation", interval);
				if (hotKeysWanted(properties)) {
					CacheSettingsResolver.checkHotKeyWindow(properties.getHotKeys().getWindow());
					builder.hotKeys(properties.getHotKeys().getWindow());
				}
			}
		});
		managerCustomizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
		return builder.build();
	}

	private static boolean hotKeysWanted(TieredCacheProperties properties) {
		if (properties.getHotKeys().isEnabled()
				|| Boolean.TRUE.equals(properties.getDefaults().getHotKeys().getEnabled())) {
			return true;
		}
		return properties.getCaches()
			.values()
			.stream()
			.anyMatch((spec) -> Boolean.TRUE.equals(spec.getHotKeys().getEnabled()));
	}

	private static String keyPrefix(TieredCacheProperties properties, Environment environment) {
		String prefix = properties.getKeyPrefix();
		if (prefix != null) {
			if (prefix.isBlank()) {
				throw new InvalidConfigurationPropertyValueException("tiered-cache.key-prefix", prefix,
						"Must not be blank; remove it to use spring.application.name");
			}
			return prefix;
		}
		return environment.getProperty("spring.application.name", "app");
	}

	private static CacheSettings settings(TieredCacheProperties properties, List<TieredCacheCustomizer> customizers,
			String name) {
		CacheSettings.Builder settings = CacheSettingsResolver.resolve(properties, name);
		customizers.forEach((customizer) -> customizer.customize(name, settings));
		try {
			return settings.build();
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException("Invalid settings for cache '" + name + "' (check 'tiered-cache.caches."
					+ name + ".*', 'tiered-cache.defaults.*' and any TieredCacheCustomizer): " + ex.getMessage(), ex);
		}
	}

	@Configuration(proxyBeanMethods = false)
	@Import(AutoProxyCreatorRegistrar.class)
	static class AnnotationConfiguration {

		@Bean
		@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
		static TieredCacheAdvisor tieredCacheAdvisor(ObjectProvider<TieredCacheManager> cacheManager,
				ObjectProvider<WriteBehindService> writeBehind, Environment environment,
				ConfigurableListableBeanFactory beanFactory) {
			int order = environment.getProperty("tiered-cache.aspect-order", Integer.class,
					TieredCacheProperties.DEFAULT_ASPECT_ORDER);
			Supplier<@Nullable TieredCacheManager> manager = () -> {
				TieredCacheManager found = cacheManager.getIfAvailable();
				// a bean created after start-up (lazy, prototype) was not seen by the
				// check below
				if (found == null && !MissingTieredCacheManagerException.isCachingOff(environment)) {
					throw new MissingTieredCacheManagerException(null, beanFactory, environment);
				}
				return found;
			};
			return new TieredCacheAdvisor(new TieredCacheInterceptor(manager, environment::resolveRequiredPlaceholders,
					writeBehind::getIfAvailable, beanFactory), order);
		}

		@Bean
		static SmartInitializingSingleton tieredCacheManagerCheck(TieredCacheAdvisor advisor,
				ConfigurableListableBeanFactory beanFactory, Environment environment) {
			// every singleton has been proxied by now, so the advisor has matched every
			// annotated one
			return () -> {
				Method method = ((TieredCacheInterceptor) advisor.getAdvice()).getInterceptedMethod();
				if (method != null && beanFactory.getBeanNamesForType(TieredCacheManager.class).length == 0
						&& !MissingTieredCacheManagerException.isCachingOff(environment)) {
					throw new MissingTieredCacheManagerException(method, beanFactory, environment);
				}
			};
		}

	}

	/**
	 * Matches unless the application has chosen another cache set-up: a
	 * {@link CacheManager} bean other than a {@link TieredCacheManager}, or
	 * {@code spring.cache.type}.
	 */
	static final class TieredCacheManagerCondition extends AllNestedConditions {

		TieredCacheManagerCondition() {
			super(ConfigurationPhase.REGISTER_BEAN);
		}

		@ConditionalOnMissingBean(value = CacheManager.class, ignored = TieredCacheManager.class)
		static class NoOtherCacheManager {

		}

		@Conditional(NoCacheTypeCondition.class)
		static class NoCacheType {

		}

	}

	/**
	 * Matches when {@code spring.cache.type} is not set: any value, {@code none}
	 * included, hands caching to Spring Boot's cache auto-configuration.
	 */
	static final class NoCacheTypeCondition extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			ConditionMessage.Builder message = ConditionMessage.forCondition("tiered-cache CacheManager");
			String type = context.getEnvironment().getProperty(MissingTieredCacheManagerException.CACHE_TYPE);
			if (type != null) {
				return ConditionOutcome.noMatch(
						message.found("property").items(MissingTieredCacheManagerException.CACHE_TYPE + "=" + type));
			}
			return ConditionOutcome
				.match(message.didNotFind("property").items(MissingTieredCacheManagerException.CACHE_TYPE));
		}

	}

	/**
	 * Makes sure an auto-proxy creator exists (as {@code @EnableCaching} does), so the
	 * pattern annotations work without {@code @EnableAspectJAutoProxy}.
	 */
	static class AutoProxyCreatorRegistrar implements ImportBeanDefinitionRegistrar {

		@Override
		public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
			AopConfigUtils.registerAutoProxyCreatorIfNecessary(registry);
		}

	}

	/**
	 * Lettuce defaults that would make an outage hang: a 60 s command timeout, an
	 * unbounded request queue, commands queued while disconnected, and (on a cluster) no
	 * topology refresh. Ordered first, so an application's own customizers override them;
	 * off with {@code tiered-cache.redis.tune-client=false}. What was changed is logged
	 * once.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ LettuceClientOptionsBuilderCustomizer.class, ClusterClientOptions.class })
	@ConditionalOnBooleanProperty(name = "tiered-cache.redis.tune-client", matchIfMissing = true)
	@Conditional(TieredCacheManagerCondition.class)
	static class LettuceTuningConfiguration {

		/**
		 * Period of the topology refresh turned on when the application configures none.
		 */
		static final Duration REFRESH_PERIOD = Duration.ofSeconds(30);

		/**
		 * Bound of Lettuce's request queue (unbounded by default).
		 */
		static final int REQUEST_QUEUE_SIZE = 10_000;

		/**
		 * Lettuce command timeout when the application sets no
		 * 'spring.data.redis.timeout' (Lettuce's own default is 60 seconds).
		 */
		static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

		private final boolean timeoutConfigured;

		private final boolean refreshConfigured;

		private final List<String> changes = new ArrayList<>();

		private int customizersApplied;

		LettuceTuningConfiguration(Environment environment) {
			this.timeoutConfigured = environment.containsProperty("spring.data.redis.timeout");
			this.refreshConfigured = Binder.get(environment)
				.bind("spring.data.redis.lettuce.cluster.refresh", Bindable.mapOf(String.class, Object.class))
				.map((refresh) -> refresh.containsKey("period") || refresh.containsKey("adaptive"))
				.orElse(false);
		}

		@Bean
		@Order(Ordered.HIGHEST_PRECEDENCE)
		LettuceClientConfigurationBuilderCustomizer tieredCacheLettuceTimeout() {
			return (builder) -> {
				List<String> changed = new ArrayList<>();
				if (!this.timeoutConfigured) {
					builder.commandTimeout(COMMAND_TIMEOUT);
					changed.add("command timeout " + COMMAND_TIMEOUT.toSeconds()
							+ "s (Lettuce: 60s; 'spring.data.redis.timeout' sets it)");
				}
				applied(changed);
			};
		}

		@Bean
		@Order(Ordered.HIGHEST_PRECEDENCE)
		LettuceClientOptionsBuilderCustomizer tieredCacheLettuceClientOptions() {
			return (builder) -> {
				// fail fast while disconnected instead of queueing without bound until
				// reconnected
				builder.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
					.requestQueueSize(REQUEST_QUEUE_SIZE);
				List<String> changed = new ArrayList<>();
				changed.add("commands rejected while disconnected (Lettuce: queued until reconnected)");
				changed.add("request queue bounded to " + REQUEST_QUEUE_SIZE + " (Lettuce: unbounded)");
				if (!this.refreshConfigured && builder instanceof ClusterClientOptions.Builder cluster) {
					cluster.topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
						.enablePeriodicRefresh(REFRESH_PERIOD)
						.enableAllAdaptiveRefreshTriggers()
						.build());
					changed.add("cluster topology refreshed every " + REFRESH_PERIOD.toSeconds()
							+ "s and on adaptive triggers (Lettuce: never;"
							+ " 'spring.data.redis.lettuce.cluster.refresh.*' sets it)");
				}
				applied(changed);
			};
		}

		/**
		 * Record what one customizer changed; once both have run (Spring Boot applies
		 * both while it builds the client configuration), log it all in one line.
		 */
		private synchronized void applied(List<String> changed) {
			this.changes.addAll(changed);
			if (++this.customizersApplied == 2) {
				logger.info("tiered-cache tuned the application's Lettuce client so that a Redis outage fails fast"
						+ " instead of hanging callers: " + String.join(", ", this.changes)
						+ ". Set 'tiered-cache.redis.tune-client=false' to leave it as Spring Boot configures it");
			}
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ RedisConnectionFactory.class, ClientOptions.class })
	@ConditionalOnBean(RedisConnectionFactory.class)
	@ConditionalOnBooleanProperty(name = "tiered-cache.write-behind.enabled", matchIfMissing = true)
	@Conditional(TieredCacheManagerCondition.class)
	static class WriteBehindConfiguration {

		@Bean(destroyMethod = "close")
		@ConditionalOnMissingBean
		WriteBehindService tieredCacheWriteBehind(RedisConnectionFactory connectionFactory,
				ObjectProvider<TieredCacheManager> cacheManager, TieredCacheProperties properties,
				ValueCodec valueCodec, ListableBeanFactory beanFactory, Environment environment) {
			TieredCacheProperties.WriteBehind settings = properties.getWriteBehind();
			CacheSettingsResolver.checkWriteBehind(settings);
			String stream = (settings.getStream() != null) ? settings.getStream()
					: keyPrefix(properties, environment) + ":write-behind";
			RedisTier redis = redisTier(cacheManager, connectionFactory, properties);
			WriteBehindQueue queue = new WriteBehindQueue(redis, stream, properties.getRedis().getCommandTimeout(),
					settings.getWaitReplicas());
			return new WriteBehindService(queue,
					new WriteBehindFlusher.Settings(settings.getBatchSize(), settings.getFlushInterval(),
							settings.getClaimIdleTime(), settings.getMaxAttempts(), settings.getRetryBackoff(),
							settings.getShutdownTimeout()),
					valueCodec, beanFactory, settings.getMaxPending(), settings.getOverflow(),
					settings.getBlockTimeout());
		}

		@Bean
		static SmartInitializingSingleton tieredCacheWriteBehindValidation(ConfigurableListableBeanFactory beanFactory,
				ObjectProvider<WriteBehindService> writeBehind) {
			// @WriteBehind methods whose arguments cannot be recorded fail start-up
			return () -> writeBehind.ifAvailable((service) -> {
				for (String name : beanFactory.getBeanDefinitionNames()) {
					Class<?> type = beanFactory.getType(name, false);
					if (type != null) {
						service.validate(type);
					}
				}
			});
		}

		@Bean
		SmartLifecycle tieredCacheWriteBehindLifecycle(WriteBehindService writeBehind) {
			// the flusher calls application beans: run it only while they all exist
			return new SmartLifecycle() {

				private volatile boolean running;

				@Override
				public void start() {
					writeBehind.start();
					this.running = true;
				}

				@Override
				public void stop() {
					writeBehind.close();
					this.running = false;
				}

				@Override
				public boolean isRunning() {
					return this.running;
				}

			};
		}

	}

	/**
	 * Inbound invalidation events declared under
	 * {@code tiered-cache.invalidation.events}, validated at start-up.
	 */
	@Configuration(proxyBeanMethods = false)
	@Conditional(TieredCacheManagerCondition.class)
	static class InvalidationEventsConfiguration {

		@Bean
		InboundInvalidations tieredCacheInboundInvalidations(TieredCacheProperties properties,
				ObjectProvider<TieredCacheManager> cacheManager, ObjectProvider<TieredCacheRedisConnection> redis,
				ObjectProvider<DataSource> dataSource, ConfigurableListableBeanFactory beanFactory) {
			ConversionService conversionService = beanFactory.getConversionService();
			if (conversionService == null) {
				conversionService = ApplicationConversionService.getSharedInstance();
			}
			TieredCacheRedisConnection connection = redis.getIfAvailable();
			boolean redisPresent = connection != null && connection.connectionFactory() != null;
			Map<String, TieredCacheProperties.Event> events = properties.getInvalidation().getEvents();
			TieredCacheManager manager = events.isEmpty() ? null : cacheManager.getIfUnique();
			Predicate<String> cacheExists = (name) -> properties.isDynamic() || ((manager != null)
					? manager.getCacheNames().contains(name) : properties.getCaches().containsKey(name));
			ClassLoader classLoader = beanFactory.getBeanClassLoader();
			boolean postgres = events.values()
				.stream()
				.anyMatch((event) -> event.getSource() == TieredCacheProperties.EventSource.POSTGRES);
			String postgresUnavailable = postgres ? postgresUnavailable(dataSource, classLoader) : null;
			List<EventDeclaration> declarations = InvalidationEventsResolver.resolve(events, classLoader,
					conversionService, redisPresent, postgresUnavailable, cacheExists);
			return new InboundInvalidations(declarations, cacheManager::getIfUnique, conversionService,
					System::nanoTime);
		}

		@Bean
		ApplicationEventInvalidations tieredCacheApplicationEventInvalidations(InboundInvalidations invalidations) {
			return new ApplicationEventInvalidations(invalidations);
		}

		private static @Nullable String postgresUnavailable(ObjectProvider<DataSource> dataSource,
				@Nullable ClassLoader classLoader) {
			if (!ClassUtils.isPresent(POSTGRES_CONNECTION, classLoader)) {
				return "the PostgreSQL JDBC driver (org.postgresql:postgresql) is not on the classpath";
			}
			DataSource postgres = dataSource.getIfUnique();
			if (postgres == null) {
				return "there is no DataSource (or more than one and none primary): configure 'spring.datasource.*'";
			}
			try {
				return PostgresEvents.notPostgres(postgres);
			}
			catch (SQLException ex) {
				logger.warn("tiered-cache: cannot tell whether the DataSource is PostgreSQL (" + ex
						+ "); the postgres inbound events listen once it answers");
				return null;
			}
		}

	}

	/**
	 * Listener of the {@code postgres} inbound events.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = POSTGRES_CONNECTION)
	@Conditional(TieredCacheManagerCondition.class)
	static class PostgresEventsConfiguration {

		@Bean
		PostgresEvents tieredCachePostgresEvents(ObjectProvider<DataSource> dataSource,
				InboundInvalidations invalidations) {
			boolean declared = !invalidations.declarations(EventDeclaration.Source.POSTGRES).isEmpty();
			return new PostgresEvents(declared ? dataSource.getIfUnique() : null, invalidations, Duration.ofMillis(100),
					Duration.ofSeconds(10), Duration.ofSeconds(30), System::nanoTime);
		}

	}

	/**
	 * Subscription of the {@code redis-channel} inbound events.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ RedisConnectionFactory.class, ClientOptions.class })
	@ConditionalOnBean(RedisConnectionFactory.class)
	@Conditional(TieredCacheManagerCondition.class)
	static class RedisChannelEventsConfiguration {

		@Bean
		RedisChannelEvents tieredCacheRedisChannelEvents(RedisConnectionFactory connectionFactory,
				InboundInvalidations invalidations) {
			return new RedisChannelEvents(connectionFactory, invalidations);
		}

	}

	/**
	 * Consumer of the {@code redis-stream} inbound events.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ RedisConnectionFactory.class, ClientOptions.class })
	@ConditionalOnBean(RedisConnectionFactory.class)
	@Conditional(TieredCacheManagerCondition.class)
	static class RedisStreamEventsConfiguration {

		@Bean
		RedisStreamEvents tieredCacheRedisStreamEvents(RedisConnectionFactory connectionFactory,
				ObjectProvider<TieredCacheManager> cacheManager, InboundInvalidations invalidations,
				TieredCacheProperties properties, Environment environment) {
			TieredCacheProperties.Streams streams = properties.getInvalidation().getStreams();
			CacheSettingsResolver.requirePositive("tiered-cache.invalidation.streams.poll-interval",
					streams.getPollInterval());
			CacheSettingsResolver.requirePositive("tiered-cache.invalidation.streams.claim-idle-time",
					streams.getClaimIdleTime());
			String group = (streams.getGroup() != null) ? streams.getGroup()
					: keyPrefix(properties, environment) + ":invalidation-events";
			RedisTier redis = invalidations.declarations(EventDeclaration.Source.REDIS_STREAM).isEmpty() ? null
					: redisTier(cacheManager, connectionFactory, properties);
			return new RedisStreamEvents(redis, invalidations, group, streams.getPollInterval(),
					streams.getClaimIdleTime(), System::nanoTime);
		}

	}

	/**
	 * Publishing of this instance's invalidations on a Redis channel, when
	 * {@code tiered-cache.invalidation.publish.channel} is set.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ RedisConnectionFactory.class, ClientOptions.class })
	@ConditionalOnBean(RedisConnectionFactory.class)
	@ConditionalOnProperty("tiered-cache.invalidation.publish.channel")
	@Conditional(TieredCacheManagerCondition.class)
	static class OutboundInvalidationsConfiguration {

		@Bean(destroyMethod = "close")
		OutboundInvalidations tieredCacheOutboundInvalidations(RedisConnectionFactory connectionFactory,
				ObjectProvider<TieredCacheManager> cacheManager, TieredCacheProperties properties) {
			String channel = properties.getInvalidation().getPublish().getChannel();
			try {
				OutboundInvalidations.checkTemplate(String.valueOf(channel));
			}
			catch (IllegalArgumentException ex) {
				throw new InvalidConfigurationPropertyValueException("tiered-cache.invalidation.publish.channel",
						channel, ex.getMessage() + " (write it like '{cache}:{key}:invalidated')");
			}
			return new OutboundInvalidations(redisTier(cacheManager, connectionFactory, properties),
					String.valueOf(channel), System::nanoTime);
		}

	}

	/**
	 * Return the caches' own Redis command path, so that one breaker sees every command;
	 * a path of its own only when the manager has none.
	 */
	private static RedisTier redisTier(ObjectProvider<TieredCacheManager> cacheManager,
			RedisConnectionFactory connectionFactory, TieredCacheProperties properties) {
		TieredCacheManager manager = cacheManager.getIfUnique();
		RedisTier redis = (manager != null) ? manager.getRedisTier() : null;
		return (redis != null) ? redis
				: new RedisTier(connectionFactory, Ticker.systemTicker(), properties.getRedis().getCommandTimeout(),
						properties.getRedis().getCircuitBreaker().getFailureThreshold(),
						properties.getRedis().getCircuitBreaker().getProbeInterval());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(RedisConnectionFactory.class)
	@Conditional(TieredCacheManagerCondition.class)
	static class RedisTierConfiguration {

		@Bean
		TieredCacheRedisConnection tieredCacheRedisConnection(
				ObjectProvider<RedisConnectionFactory> connectionFactory) {
			return new TieredCacheRedisConnection(connectionFactory.getIfAvailable());
		}

		@Bean
		SmartInitializingSingleton tieredCacheRedisCheck(ObjectProvider<TieredCacheManager> manager) {
			return () -> manager.ifAvailable((cacheManager) -> {
				if (cacheManager.hasRedisTier()) {
					Thread check = new Thread(cacheManager::checkRedis, "tiered-cache-redis-check");
					check.setDaemon(true);
					check.start();
				}
			});
		}

	}

}
