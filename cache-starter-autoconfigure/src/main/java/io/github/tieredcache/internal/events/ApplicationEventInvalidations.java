package io.github.tieredcache.internal.events;

import java.util.List;

import io.github.tieredcache.core.CacheInvalidatedEvent;

import org.springframework.context.ApplicationEvent;
import org.springframework.context.PayloadApplicationEvent;
import org.springframework.context.event.GenericApplicationListener;
import org.springframework.core.ResolvableType;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.util.ClassUtils;

/**
 * Listens to the Spring application events of the {@code application-event} inbound
 * events, and applies each through {@link InboundInvalidations}: after the transaction
 * commits if it is published within one (never if it rolls back), as the pattern
 * annotations do, and at once otherwise. Events published as plain objects are matched by
 * their payload. {@link CacheInvalidatedEvent}s are never applied (an invalidation must
 * not cause another).
 * <p>
 * Thread-safe.
 */
public final class ApplicationEventInvalidations implements GenericApplicationListener {

	private static final boolean transactionsPresent = ClassUtils.isPresent(
			"org.springframework.transaction.support.TransactionSynchronizationManager",
			ApplicationEventInvalidations.class.getClassLoader());

	private final InboundInvalidations invalidations;

	private final List<EventDeclaration> declarations;

	/**
	 * Create the listener.
	 * @param invalidations applies the events
	 */
	public ApplicationEventInvalidations(InboundInvalidations invalidations) {
		this.invalidations = invalidations;
		this.declarations = invalidations.declarations(EventDeclaration.Source.APPLICATION_EVENT);
	}

	@Override
	public boolean supportsEventType(ResolvableType eventType) {
		if (this.declarations.isEmpty()) {
			return false;
		}
		Class<?> type = eventType.toClass();
		if (PayloadApplicationEvent.class.isAssignableFrom(type)) {
			Class<?> payload = eventType.as(PayloadApplicationEvent.class).getGeneric().resolve();
			// unresolved: decided per event
			return payload == null || matches(payload);
		}
		return !CacheInvalidatedEvent.class.isAssignableFrom(type) && matches(type);
	}

	private boolean matches(Class<?> type) {
		for (EventDeclaration declaration : this.declarations) {
			if (declaration.eventClass().isAssignableFrom(type)) {
				return true;
			}
		}
		return false;
	}

	@Override
	public void onApplicationEvent(ApplicationEvent event) {
		Object subject = (event instanceof PayloadApplicationEvent<?> payload) ? payload.getPayload() : event;
		if (subject instanceof CacheInvalidatedEvent) {
			return;
		}
		for (EventDeclaration declaration : this.declarations) {
			if (declaration.eventClass().isInstance(subject)) {
				afterCommit(() -> this.invalidations.applicationEvent(declaration, subject));
			}
		}
	}

	private static void afterCommit(Runnable action) {
		if (transactionsPresent && Transactions.active()) {
			Transactions.afterCommit(action);
		}
		else {
			action.run();
		}
	}

	/**
	 * Spring's transaction synchronization, loaded only when spring-tx is present.
	 */
	private static final class Transactions {

		static boolean active() {
			return TransactionSynchronizationManager.isSynchronizationActive();
		}

		static void afterCommit(Runnable action) {
			TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {

				@Override
				public void afterCommit() {
					action.run();
				}

			});
		}

	}

}
