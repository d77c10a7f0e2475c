package io.github.tieredcache.internal.events;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.DaemonThreads;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.listener.PatternTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

/**
 * Subscribes to the channels of the {@code redis-channel} inbound events (PSUBSCRIBE, on
 * the application's {@link RedisConnectionFactory}) while the application runs, and hands
 * each message to {@link InboundInvalidations}.
 * <p>
 * Messages are applied one at a time, in order of arrival, on one thread of this
 * instance: not on the Redis client's I/O thread, since applying one sends Redis
 * commands. At most {@value #MAX_QUEUED} wait; past that a message is counted as dropped,
 * as pub/sub itself may drop it. Starts after the cache manager and stops before it.
 * Nothing starts in the constructor.
 * <p>
 * Thread-safe.
 */
public final class RedisChannelEvents implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(RedisChannelEvents.class);

	static final int MAX_QUEUED = 10_000;

	private final RedisConnectionFactory connectionFactory;

	private final InboundInvalidations invalidations;

	private @Nullable RedisMessageListenerContainer container;

	private @Nullable ThreadPoolExecutor executor;

	private volatile boolean running;

	/**
	 * Create the subscriber; {@link #start()} subscribes.
	 * @param connectionFactory the application's connection factory
	 * @param invalidations applies the messages
	 */
	public RedisChannelEvents(RedisConnectionFactory connectionFactory, InboundInvalidations invalidations) {
		this.connectionFactory = connectionFactory;
		this.invalidations = invalidations;
	}

	@Override
	public synchronized void start() {
		if (this.running) {
			return;
		}
		List<EventDeclaration> declarations = this.invalidations.declarations(EventDeclaration.Source.REDIS_CHANNEL);
		if (!declarations.isEmpty()) {
			ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
					new ArrayBlockingQueue<>(MAX_QUEUED), DaemonThreads.single("tiered-cache-inbound-events"),
					new ThreadPoolExecutor.AbortPolicy());
			RedisMessageListenerContainer container = new RedisMessageListenerContainer();
			container.setConnectionFactory(this.connectionFactory);
			// hand-off happens below, where a full queue can be counted per event
			container.setTaskExecutor(new SyncTaskExecutor());
			for (EventDeclaration declaration : declarations) {
				container.addMessageListener((message, pattern) -> {
					String channel = new String(message.getChannel(), StandardCharsets.UTF_8);
					byte[] body = message.getBody();
					try {
						executor.execute(() -> this.invalidations.redisMessage(declaration, channel, body));
					}
					catch (RejectedExecutionException ex) {
						this.invalidations.dropped(declaration, "message on channel '" + channel + "' dropped: "
								+ MAX_QUEUED + " messages wait to be applied");
					}
				}, new PatternTopic(declaration.channel()));
			}
			container.afterPropertiesSet();
			container.start();
			this.executor = executor;
			this.container = container;
			logger.info("tiered-cache: inbound events " + declarations.stream().map(EventDeclaration::name).toList()
					+ " subscribed to " + declarations.stream().map(EventDeclaration::channel).distinct().toList());
		}
		this.running = true;
	}

	@Override
	public synchronized void stop() {
		RedisMessageListenerContainer container = this.container;
		if (container != null) {
			container.stop();
			try {
				container.destroy();
			}
			catch (Exception ex) {
				logger.warn("tiered-cache: closing the inbound events' subscription failed", ex);
			}
			this.container = null;
		}
		ThreadPoolExecutor executor = this.executor;
		if (executor != null) {
			executor.shutdown();
			this.executor = null;
		}
		this.running = false;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/**
	 * Return whether the subscription is established (or there is nothing to subscribe
	 * to).
	 * @return whether messages published now are received
	 */
	public boolean isListening() {
		RedisMessageListenerContainer container = this.container;
		return this.running && (container == null || container.isListening());
	}

	@Override
	public int getPhase() {
		// after the manager's bus, and stopped before it
		return TieredCacheManager.PHASE + 1;
	}

}
