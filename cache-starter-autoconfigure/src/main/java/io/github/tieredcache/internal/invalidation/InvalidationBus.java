package io.github.tieredcache.internal.invalidation;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.tieredcache.internal.DaemonThreads;
import io.github.tieredcache.internal.redis.RedisTier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

/**
 * Tells the other instances of an application which keys this one wrote, evicted or
 * cleared, over a Redis pub/sub channel, and applies what they tell it.
 * <p>
 * Pub/sub delivers at most once, so the bus is watched:
 * <ul>
 * <li>every message carries its sender's sequence number; a gap in any sender's numbers
 * (including this instance's own) means messages were lost, and every in-process tier is
 * emptied at once;</li>
 * <li>the bus sends itself a heartbeat every half {@code heartbeatInterval} when it has
 * nothing else to send; when none of its own messages has come back for a whole
 * {@code heartbeatInterval} the subscription is dead or silent: the in-process tiers are
 * emptied and bypassed until one does come back, and then emptied again.</li>
 * </ul>
 * So another instance's write is either applied here, or this instance stops trusting its
 * in-process tiers within about 1.25 × {@code heartbeatInterval} (the interval plus the
 * watchdog's period of a quarter interval).
 * <p>
 * Writes are queued and sent by one thread: whatever accumulates while a message is being
 * sent goes into the next one, so a burst of writes becomes a few messages without any
 * added delay. A message that cannot be published is dropped and counted; the gap it
 * leaves in the sequence makes every receiver empty its in-process tiers. Messages are
 * published through the {@link RedisTier}, so a hung {@code PUBLISH} waits no longer than
 * the cache's command timeout. If Redis answers but refuses {@code PUBLISH} (an ACL
 * without pub/sub, a proxy), no other instance hears of this one's writes: the bus then
 * counts as {@link State#SILENT} and the in-process tiers are bypassed, with an error in
 * the log.
 * <p>
 * The sequence numbers of other instances are forgotten once an instance has been silent
 * for {@value #FORGET_AFTER_INTERVALS} heartbeat intervals, so memory stays bounded
 * however many instances come and go.
 * <p>
 * Thread-safe.
 */
public final class InvalidationBus implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(InvalidationBus.class);

	private static final int MAX_BATCH = 1000;

	private static final int MAX_QUEUED = 100_000;

	/**
	 * Heartbeat intervals after which a silent instance's sequence is forgotten.
	 */
	static final int FORGET_AFTER_INTERVALS = 20;

	private final RedisTier redis;

	private final String channel;

	private final byte[] channelBytes;

	private final long intervalNanos;

	private final InvalidationHandler handler;

	private final String instanceId = UUID.randomUUID().toString();

	private final JsonMapper json = JsonMapper.builder().build();

	private final LinkedBlockingQueue<Pending> outbox = new LinkedBlockingQueue<>(MAX_QUEUED);

	private final AtomicLong sequence = new AtomicLong();

	private final Map<String, Peer> peers = new ConcurrentHashMap<>();

	private final List<Observer> observers = new CopyOnWriteArrayList<>();

	private final List<BusListener> listeners = new CopyOnWriteArrayList<>();

	private final List<DelayObserver> delayObservers = new CopyOnWriteArrayList<>();

	private final RedisMessageListenerContainer container;

	private final Thread publisher;

	private final ScheduledExecutorService scheduler;

	private final List<ScheduledFuture<?>> scheduled = new CopyOnWriteArrayList<>();

	private final java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();

	private final Statistics statistics = new Statistics();

	private final Object healthLock = new Object();

	private volatile boolean running = true;

	private volatile State state = State.STARTING;

	private final Ticker ticker;

	private volatile long lastOwnReceivedNanos;

	private volatile long lastOwnSequence = -1;

	private volatile long lastPublishedNanos;

	/**
	 * Create a bus; {@link #start()} starts it. Starts no thread.
	 * @param connectionFactory the connection factory, for the subscription
	 * @param redis the command path messages are published through
	 * @param channel the channel name
	 * @param heartbeatInterval the staleness bound the watchdog keeps
	 * @param handler applies what the bus receives
	 * @param ticker the time source of the watchdog
	 * @param scheduler runs the watchdog and subscription retries (the manager's; not
	 * shut down by {@link #close()}, which cancels what the bus scheduled)
	 */
	public InvalidationBus(RedisConnectionFactory connectionFactory, RedisTier redis, String channel,
			Duration heartbeatInterval, InvalidationHandler handler, Ticker ticker,
			ScheduledExecutorService scheduler) {
		this.ticker = ticker;
		this.lastOwnReceivedNanos = ticker.read();
		this.lastPublishedNanos = ticker.read() - Long.MAX_VALUE / 2;
		this.redis = redis;
		this.channel = channel;
		this.channelBytes = channel.getBytes(StandardCharsets.UTF_8);
		this.intervalNanos = heartbeatInterval.toNanos();
		this.handler = handler;
		this.container = new RedisMessageListenerContainer();
		this.container.setConnectionFactory(connectionFactory);
		// one message at a time, in order: sequence checks depend on it
		this.container.setTaskExecutor(new SyncTaskExecutor());
		this.container.setRecoveryInterval(Math.max(100, heartbeatInterval.toMillis() / 2));
		this.container.addMessageListener((message, pattern) -> receive(message.getBody()), new ChannelTopic(channel));
		this.container.afterPropertiesSet();
		this.publisher = DaemonThreads.create("tiered-cache-invalidation-publisher", this::publishLoop);
		this.scheduler = scheduler;
	}

	/**
	 * Start the bus: subscribe, send heartbeats, watch them. Idempotent.
	 */
	public void start() {
		if (!this.started.compareAndSet(false, true) || !this.running) {
			return;
		}
		this.lastOwnReceivedNanos = this.ticker.read();
		this.publisher.start();
		long period = Math.max(1, this.intervalNanos / 4);
		this.scheduled
			.add(this.scheduler.scheduleAtFixedRate(this::checkHeartbeat, period, period, TimeUnit.NANOSECONDS));
		subscribe();
	}

	/**
	 * Return whether the bus was closed (it does not start again).
	 * @return whether it was closed
	 */
	public boolean isClosed() {
		return !this.running;
	}

	/**
	 * Return whether the bus was started and not closed.
	 * @return whether it runs
	 */
	public boolean isRunning() {
		return this.started.get() && this.running;
	}

	private void subscribe() {
		if (!this.running) {
			return;
		}
		try {
			this.container.start();
		}
		catch (RuntimeException ex) {
			if (this.running) {
				logger.warn("tiered-cache: cannot subscribe to invalidation channel '" + this.channel + "' yet ("
						+ ex.getMessage() + "); retrying every " + Duration.ofNanos(this.intervalNanos));
				this.scheduled.removeIf(java.util.concurrent.Future::isDone);
				this.scheduled.add(this.scheduler.schedule(this::subscribe, this.intervalNanos, TimeUnit.NANOSECONDS));
			}
		}
	}

	/**
	 * Return this instance's id, the origin of the messages it sends.
	 * @return the instance id
	 */
	public String getInstanceId() {
		return this.instanceId;
	}

	/**
	 * Return the channel name.
	 * @return the channel
	 */
	public String getChannel() {
		return this.channel;
	}

	/**
	 * Return whether this instance's own messages come back within the heartbeat
	 * interval, that is whether the in-process tiers may be trusted.
	 * @return whether the bus is healthy
	 */
	public boolean isHealthy() {
		return this.state == State.HEALTHY;
	}

	/**
	 * Return the bus's state.
	 * @return the state
	 */
	public State getState() {
		return this.state;
	}

	/**
	 * Return the bus's counters.
	 * @return the statistics
	 */
	public Statistics getStatistics() {
		return this.statistics;
	}

	/**
	 * Register an observer of received invalidations (for metrics or tests).
	 * @param observer the observer, called on the receiving thread; must be quick
	 */
	public void addObserver(Observer observer) {
		this.observers.add(observer);
	}

	/**
	 * Register a listener of the bus's state changes and of the losses it notices. Add
	 * listeners before {@link #start()}, so that none misses an event.
	 * @param listener the listener, called on the bus's threads; must be quick
	 */
	public void addListener(BusListener listener) {
		this.listeners.add(listener);
	}

	/**
	 * Register a listener while the bus runs, atomically with reading its state: the
	 * listener hears of every change after the state returned, and the listeners
	 * registered before it have already handled the change into that state.
	 * @param listener the listener, called on the bus's threads; must be quick
	 * @return the state the listener starts from
	 */
	public State addListenerFrom(BusListener listener) {
		synchronized (this.healthLock) {
			this.listeners.add(listener);
			return this.state;
		}
	}

	/**
	 * Register an observer of the propagation delay of other instances' invalidations.
	 * @param observer the observer, called on the bus's receiving thread; must be quick
	 */
	public void addDelayObserver(DelayObserver observer) {
		this.delayObservers.add(observer);
	}

	/**
	 * Return the channel hot-key reports travel on: the invalidation channel's name with
	 * {@code :hot-keys} appended, so that instances that do not know hot keys never
	 * receive them (their invalidation channel carries invalidations only).
	 * @return the channel
	 */
	public String getHotKeyChannel() {
		return this.channel + ":hot-keys";
	}

	/**
	 * Receive other instances' hot-key reports, on the bus's subscription. Call before
	 * {@link #start()}.
	 * @param receiver called with each report's bytes (own reports included) on the bus's
	 * receiving thread; must be quick
	 */
	public void receiveHotKeys(java.util.function.Consumer<byte[]> receiver) {
		this.container.addMessageListener((message, pattern) -> receiver.accept(message.getBody()),
				new ChannelTopic(getHotKeyChannel()));
	}

	/**
	 * Send a hot-key report to the other instances, through the same command path as
	 * invalidations (never on their channel).
	 * @param report the report's bytes
	 * @return whether Redis took it
	 */
	public boolean sendHotKeys(byte[] report) {
		return this.running && this.redis.publish(getHotKeyChannel().getBytes(StandardCharsets.UTF_8), report) >= 0;
	}

	/**
	 * Tell the other instances that keys of a cache were written or evicted.
	 * @param cacheName the cache
	 * @param encodedKey the encoded key
	 */
	public void keyChanged(String cacheName, String encodedKey) {
		enqueue(new Pending(cacheName, encodedKey, null));
	}

	/**
	 * Tell the other instances that a cache moved to a new namespace version.
	 * @param cacheName the cache
	 * @param version the new version
	 */
	public void namespaceChanged(String cacheName, String version) {
		enqueue(new Pending(cacheName, null, version));
	}

	private void enqueue(Pending pending) {
		if (!this.outbox.offer(pending)) {
			// peers will see the gap this leaves in the sequence and empty their L1
			this.sequence.incrementAndGet();
			this.statistics.dropped.increment();
			logger.warn("tiered-cache: invalidation queue full (" + MAX_QUEUED + "); an invalidation was dropped and"
					+ " other instances will empty their in-process tiers");
		}
	}

	private void publishLoop() {
		List<Pending> batch = new ArrayList<>();
		while (this.running) {
			try {
				Pending first = this.outbox.poll(this.intervalNanos / 2, TimeUnit.NANOSECONDS);
				batch.clear();
				if (first != null) {
					batch.add(first);
					this.outbox.drainTo(batch, MAX_BATCH - 1);
				}
				publish(batch);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			catch (RuntimeException ex) {
				logger.warn("tiered-cache: invalidation publisher failed: " + ex.getMessage(), ex);
			}
		}
	}

	private void publish(List<Pending> batch) {
		Map<String, List<String>> keysByCache = new LinkedHashMap<>();
		Map<String, String> namespaceByCache = new LinkedHashMap<>();
		for (Pending pending : batch) {
			if (pending.key != null) {
				keysByCache.computeIfAbsent(pending.cache, (cache) -> new ArrayList<>()).add(pending.key);
			}
			if (pending.namespace != null) {
				namespaceByCache.put(pending.cache, pending.namespace);
			}
		}
		List<InvalidationMessage.Entry> entries = new ArrayList<>();
		keysByCache.forEach((cache, keys) -> entries.add(new InvalidationMessage.Entry(cache, keys, null)));
		namespaceByCache.forEach((cache, version) -> entries.add(new InvalidationMessage.Entry(cache, null, version)));
		InvalidationMessage message = new InvalidationMessage(this.instanceId, this.sequence.incrementAndGet(), entries,
				System.currentTimeMillis());
		long receivers = this.redis.publish(this.channelBytes, this.json.writeValueAsBytes(message));
		if (receivers >= 0) {
			this.lastPublishedNanos = this.ticker.read();
			this.statistics.sent.increment();
			return;
		}
		if (!this.running) {
			return;
		}
		this.statistics.failedPublishes.increment();
		if (!batch.isEmpty()) {
			this.statistics.dropped.add(batch.size());
			// a receiver notices lost messages only by a gap before a later one, which a
			// sender
			// that cannot publish at all never sends
			tell(BusListener::undelivered);
		}
		synchronized (this.healthLock) {
			if (receivers != RedisTier.UNREACHABLE && this.redis.isAvailable()) {
				// Redis answers other commands: the others may write through it unheard
				if (this.state != State.SILENT) {
					changeState(State.SILENT);
					this.statistics.silences.increment();
					if (receivers == RedisTier.REFUSED) {
						logger.error("tiered-cache: Redis answers but refuses PUBLISH on channel '" + this.channel
								+ "' (check the ACL or proxy: the cache needs pub/sub); other instances cannot hear"
								+ " of this one's writes, so in-process tiers are bypassed until it publishes again");
					}
					else {
						logger.warn("tiered-cache: could not publish on invalidation channel '" + this.channel
								+ "' while Redis answers; in-process tiers are bypassed until it publishes again");
					}
				}
			}
			else if (this.state != State.OUTAGE) {
				logger.warn("tiered-cache: Redis does not take invalidations; in-process tiers serve what they hold"
						+ " until it is back, then are emptied");
				changeState(State.OUTAGE);
			}
		}
	}

	private void receive(byte[] body) {
		InvalidationMessage message;
		try {
			message = this.json.readValue(body, InvalidationMessage.class);
		}
		catch (JacksonException ex) {
			this.statistics.unreadable.increment();
			return;
		}
		try {
			if (this.instanceId.equals(message.origin())) {
				receiveOwn(message.sequence());
				return;
			}
			this.statistics.received.increment();
			Peer peer = this.peers.put(message.origin(), new Peer(message.sequence(), this.ticker.read()));
			Long previous = (peer != null) ? peer.sequence : null;
			boolean gap = (previous != null) ? message.sequence() != previous + 1 : message.sequence() != 1;
			if (gap && this.state == State.HEALTHY) {
				lost("from " + message.origin() + " (sequence " + previous + " then " + message.sequence() + ")");
			}
			for (InvalidationMessage.Entry entry : message.entries()) {
				if (entry.keys() != null && !entry.keys().isEmpty()) {
					this.handler.keysInvalidated(entry.cache(), entry.keys());
					for (Observer observer : this.observers) {
						observer.received(entry.cache(), entry.keys());
					}
				}
				if (entry.namespace() != null) {
					this.handler.namespaceChanged(entry.cache(), entry.namespace());
				}
			}
			Long sentAt = message.sentAt();
			if (sentAt != null && !message.entries().isEmpty() && !this.delayObservers.isEmpty()) {
				// clocks of different hosts may disagree: a negative delay is no delay
				long delay = Math.max(0, System.currentTimeMillis() - sentAt);
				for (DelayObserver observer : this.delayObservers) {
					observer.applied(delay);
				}
			}
		}
		catch (RuntimeException ex) {
			logger.warn("tiered-cache: failed to apply an invalidation; emptying the in-process tiers", ex);
			messagesLost();
		}
	}

	private void receiveOwn(long sequence) {
		long previous = this.lastOwnSequence;
		this.lastOwnSequence = sequence;
		synchronized (this.healthLock) {
			this.lastOwnReceivedNanos = this.ticker.read();
			if (this.state != State.HEALTHY) {
				changeState(State.HEALTHY);
				logger.info("tiered-cache: invalidation bus on channel '" + this.channel + "' is healthy");
				return;
			}
		}
		if (previous >= 0 && sequence != previous + 1) {
			lost("of this instance's own (sequence " + previous + " then " + sequence + ")");
		}
	}

	private void lost(String which) {
		this.statistics.gaps.increment();
		logger.warn("tiered-cache: invalidation messages " + which + " were lost; emptying the in-process tiers");
		messagesLost();
	}

	private void messagesLost() {
		synchronized (this.healthLock) {
			tell(BusListener::messagesLost);
		}
	}

	/**
	 * Move to another state and tell the listeners, in order: called with the health lock
	 * held.
	 */
	private void changeState(State next) {
		State previous = this.state;
		this.state = next;
		tell((listener) -> listener.stateChanged(previous, next));
	}

	/**
	 * Tell every listener of an event; a listener that throws is logged, so that it can
	 * neither stop the watchdog's schedule nor keep the others from hearing.
	 */
	private void tell(java.util.function.Consumer<BusListener> event) {
		for (BusListener listener : this.listeners) {
			try {
				event.accept(listener);
			}
			catch (RuntimeException ex) {
				logger.warn("tiered-cache: an invalidation bus listener failed", ex);
			}
		}
	}

	private void checkHeartbeat() {
		forgetSilentPeers();
		synchronized (this.healthLock) {
			long now = this.ticker.read();
			boolean silent = now - this.lastOwnReceivedNanos > this.intervalNanos;
			boolean publishing = now - this.lastPublishedNanos <= this.intervalNanos;
			// in an outage silence is expected; once Redis takes messages again, it is
			// not
			if (silent && (this.state == State.HEALTHY || this.state == State.STARTING
					|| (this.state == State.OUTAGE && publishing))) {
				this.statistics.silences.increment();
				logger.warn("tiered-cache: no heartbeat on invalidation channel '" + this.channel + "' for "
						+ Duration.ofNanos(this.intervalNanos) + "; in-process tiers are emptied and bypassed until"
						+ " it returns");
				changeState(State.SILENT);
			}
		}
	}

	private void forgetSilentPeers() {
		long now = this.ticker.read();
		this.peers.values().removeIf((peer) -> now - peer.seenNanos > FORGET_AFTER_INTERVALS * this.intervalNanos);
	}

	/**
	 * Return how many other instances this one has heard from within the last two
	 * heartbeat intervals (each sends at least a heartbeat every half interval).
	 * @return the number of live peers
	 */
	public int livePeerCount() {
		long now = this.ticker.read();
		int live = 0;
		for (Peer peer : this.peers.values()) {
			if (now - peer.seenNanos <= 2 * this.intervalNanos) {
				live++;
			}
		}
		return live;
	}

	/**
	 * Return how many other instances' sequence numbers are remembered (bounded:
	 * forgotten after {@value #FORGET_AFTER_INTERVALS} silent heartbeat intervals).
	 * @return the count
	 */
	int rememberedPeers() {
		return this.peers.size();
	}

	/**
	 * Return how long ago the last of this instance's own messages (a heartbeat or an
	 * invalidation) came back over the subscription; before the first one, how long ago
	 * the bus was created. Beyond {@link #getHeartbeatInterval()} the bus is not
	 * {@link State#HEALTHY}.
	 * @return the age of the last heartbeat
	 */
	public Duration getLastHeartbeatAge() {
		return Duration.ofNanos(Math.max(0, this.ticker.read() - this.lastOwnReceivedNanos));
	}

	/**
	 * Return the heartbeat interval.
	 * @return the interval
	 */
	public Duration getHeartbeatInterval() {
		return Duration.ofNanos(this.intervalNanos);
	}

	@Override
	public void close() {
		this.running = false;
		this.publisher.interrupt();
		this.scheduled.forEach((task) -> task.cancel(false));
		synchronized (this.healthLock) {
			// nothing watches the subscription any more: in-process tiers are bypassed
			// (a closed bus does not start again)
			if (this.state != State.SILENT) {
				changeState(State.SILENT);
			}
		}
		try {
			this.container.destroy();
		}
		catch (Exception ex) {
			logger.debug("Error stopping the invalidation listener", ex);
		}
	}

	private record Pending(String cache, @Nullable String key, @Nullable String namespace) {
	}

	private record Peer(long sequence, long seenNanos) {
	}

	/**
	 * The bus's health, and so what the in-process tiers may do.
	 */
	public enum State {

		/**
		 * Subscribing; none of this instance's messages has come back yet. In-process
		 * tiers serve, and are emptied once the bus is healthy (or bypassed if it is not
		 * within the heartbeat interval).
		 */
		STARTING,

		/**
		 * This instance's messages come back within the heartbeat interval. In-process
		 * tiers serve.
		 */
		HEALTHY,

		/**
		 * Redis answers but this instance's messages stopped coming back. In-process
		 * tiers are bypassed until they do.
		 */
		SILENT,

		/**
		 * Redis does not take this instance's messages. In-process tiers serve what they
		 * hold, and are emptied when Redis is back.
		 */
		OUTAGE

	}

	/**
	 * Observes received invalidations.
	 */
	@FunctionalInterface
	public interface Observer {

		/**
		 * Called after another instance's invalidation of keys was applied.
		 * @param cacheName the cache
		 * @param encodedKeys the keys
		 */
		void received(String cacheName, Collection<String> encodedKeys);

	}

	/**
	 * Observes how long other instances' invalidations took to arrive.
	 */
	@FunctionalInterface
	public interface DelayObserver {

		/**
		 * Called after a message of another instance carrying invalidations was applied
		 * (heartbeats are not observed).
		 * @param delayMillis the time from the sender's publishing it to its application
		 * here, by the two hosts' wall clocks (never negative: a receiver whose clock is
		 * behind the sender's sees zero)
		 */
		void applied(long delayMillis);

	}

	/**
	 * Counters of the bus, cumulative since start-up.
	 */
	public static final class Statistics {

		final LongAdder sent = new LongAdder();

		final LongAdder received = new LongAdder();

		final LongAdder dropped = new LongAdder();

		final LongAdder failedPublishes = new LongAdder();

		final LongAdder unreadable = new LongAdder();

		final LongAdder gaps = new LongAdder();

		final LongAdder silences = new LongAdder();

		Statistics() {
		}

		/**
		 * Return messages published (heartbeats included).
		 * @return the count
		 */
		public long sent() {
			return this.sent.sum();
		}

		/**
		 * Return messages received from other instances.
		 * @return the count
		 */
		public long received() {
			return this.received.sum();
		}

		/**
		 * Return invalidations that could not be sent.
		 * @return the count
		 */
		public long dropped() {
			return this.dropped.sum();
		}

		/**
		 * Return publishes that failed.
		 * @return the count
		 */
		public long failedPublishes() {
			return this.failedPublishes.sum();
		}

		/**
		 * Return messages that could not be parsed.
		 * @return the count
		 */
		public long unreadable() {
			return this.unreadable.sum();
		}

		/**
		 * Return sequence gaps seen (lost messages), each of which emptied the in-process
		 * tiers.
		 * @return the count
		 */
		public long gaps() {
			return this.gaps.sum();
		}

		/**
		 * Return times the heartbeat went silent, each of which emptied and bypassed the
		 * in-process tiers until it returned.
		 * @return the count
		 */
		public long silences() {
			return this.silences.sum();
		}

	}

}
